//! The audit log as staff read it.

#[derive(Debug, Clone)]
pub struct Row {
    pub at: i64,
    pub who: String,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
}

/// The Russian name of an audit action code (the code itself when unknown).
pub fn action_label(code: &str) -> &str {
    match code {
        "staff.login" => "Вход в консоль",
        "staff.login_failed" => "Неудачный вход в консоль",
        "staff.logout" => "Выход из консоли",
        "staff.create" => "Сотрудник добавлен",
        "staff.upsert" => "Сотрудник добавлен или изменён",
        "staff.block" => "Сотрудник заблокирован",
        "staff.unblock" => "Сотрудник разблокирован",
        "staff.contract_view" => "Просмотр договора",
        "staff.document_download" => "Скачан документ",
        "request.status" => "Статус заявки",
        "application.status" => "Статус заявки на подключение",
        "chat.close" => "Диалог закрыт",
        "chat.reply" => "Ответ в чате",
        "story.create" => "История создана",
        "story.update" => "История изменена",
        "story.publish" => "История опубликована",
        "story.unpublish" => "История снята с публикации",
        "story.move" => "Порядок историй изменён",
        "document.issue" => "Документ выпущен",
        "document.void" => "Документ аннулирован",
        "document.email" => "Документ отправлен по почте",
        "document.receive" => "Документ получен из биллинга",
        "api.requisites" => "Реквизиты из биллинга",
        other => other,
    }
}

/// `request:5` → `Заявка № 5`; unknown kinds stay as they are.
pub fn target_label(target: &str) -> String {
    let Some((kind, id)) = target.split_once(':') else {
        return target.to_owned();
    };
    let name = match kind {
        "request" => "Заявка",
        "application" => "Заявка на подключение",
        "contract" => "Договор",
        "conversation" => "Диалог",
        "document" => "Документ",
        "express" => "Экспресс-оплата",
        "message" => "Сообщение",
        "staff" => "Сотрудник",
        "story" => "История",
        _ => return target.to_owned(),
    };
    if id.bytes().all(|b| b.is_ascii_digit()) {
        format!("{name} № {id}")
    } else {
        format!("{name} {id}")
    }
}

/// Codes in details as words: `new → in_progress: …` with the status labels, a document's
/// `invoice С-2026-00001, 120000 коп.` as `Счёт на оплату № С-2026-00001, 1 200,00 ₽`.
pub fn details_label(details: &str, currency: &str) -> String {
    use crate::domain::states::WorkStatus;
    if let Some(doc) = document_details(details, currency) {
        return doc;
    }
    let Some((head, rest)) = details.split_once(" → ") else {
        return details.to_owned();
    };
    let (to, tail) = match rest.split_once(':') {
        Some((t, c)) => (t, Some(c)),
        None => (rest, None),
    };
    let (Some(a), Some(b)) = (WorkStatus::parse(head.trim()), WorkStatus::parse(to.trim())) else {
        return details.to_owned();
    };
    let mut s = format!("{} → {}", a.label(), b.label());
    if let Some(c) = tail.map(str::trim).filter(|c| !c.is_empty()) {
        s.push_str(": ");
        s.push_str(c);
    }
    s
}

fn document_details(details: &str, currency: &str) -> Option<String> {
    let (head, amount) = details.split_once(", ")?;
    let kop: i64 = amount.strip_suffix(" коп.")?.parse().ok()?;
    let (code, number) = head.split_once(' ')?;
    let kind = crate::domain::documents::DocKind::from_code(code)?;
    Some(format!(
        "{} № {number}, {}",
        kind.label(),
        crate::domain::money::format(kop, currency)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(action_label("staff.login"), "Вход в консоль");
        assert_eq!(action_label("x.y"), "x.y");
        assert_eq!(target_label("request:5"), "Заявка № 5");
        assert_eq!(target_label("contract:72845736UL"), "Договор 72845736UL");
        assert_eq!(
            details_label("new → in_progress: Едем", "₽"),
            "Новая → В работе: Едем"
        );
        assert_eq!(
            details_label("new → in_progress: ", "₽"),
            "Новая → В работе"
        );
        assert_eq!(details_label("просто текст", "₽"), "просто текст");
        assert_eq!(
            details_label("invoice С-2026-00001, 120000 коп.", "₽"),
            "Счёт на оплату № С-2026-00001, 1\u{202f}200,00\u{a0}₽"
        );
    }
}
