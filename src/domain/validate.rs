//! Validation of action forms against their definition ([`super::actions`]). Pure: the caller
//! passes today's date, the tariffs on offer and what it learned about an uploaded file.
use std::collections::BTreeMap;

use jiff::civil::Date;

use super::actions::{ActionDef, Kind, Rule};

/// Raw values by field name, as typed.
pub type Values = BTreeMap<String, String>;
/// Inline messages by field name.
pub type Errors = BTreeMap<&'static str, String>;

pub const TEXT_MAX: usize = 200;
pub const TEXTAREA_MAX: usize = 2000;

/// What the handler learned about an uploaded file.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub original_name: String,
    pub size: u64,
    /// More bytes than allowed were sent (reading stopped at the limit).
    pub too_large: bool,
    /// The content type found by looking at the bytes (not trusting the client).
    pub detected: Option<&'static str>,
}

pub struct Ctx<'a> {
    pub today: Date,
    /// (id, name) of the tariffs that may be chosen.
    pub tariffs: &'a [(i64, String)],
    pub max_file_bytes: u64,
}

/// The last resort for an empty required field: [`required_message`] names what is missing.
pub const MSG_REQUIRED: &str = "Заполните это поле";

/// What an empty required field says: what is missing, as the payment form does
/// («Укажите электронную почту»), not «Заполните это поле» everywhere.
pub fn required_message(fd: &crate::domain::actions::FieldDef) -> String {
    let known = match fd.name {
        "phone" => "Укажите контактный телефон",
        "email" => "Укажите электронную почту",
        "tariff" => "Выберите новый тариф",
        "term" => "Выберите срок продления",
        "delivery" => "Выберите способ получения",
        "address" => "Укажите адрес доставки",
        "requisites" => "Укажите новые реквизиты",
        "scan" => "Приложите скан документа",
        "inn" => "Укажите ИНН",
        "from_date" => "Укажите, с какого числа",
        "to_date" => "Укажите, по какое число",
        "call_date" => "Укажите дату звонка",
        "period_from" => "Укажите начало периода",
        "period_to" => "Укажите конец периода",
        _ => return format!("Заполните поле «{}»", fd.label),
    };
    known.to_owned()
}
pub const MSG_PHONE: &str = "Введите номер телефона, например +7 912 345-67-89";
pub const MSG_EMAIL: &str = "Введите адрес электронной почты, например name@company.ru";
pub const MSG_DATE: &str = "Введите дату, например 01.12.2026";
pub const MSG_PAST: &str = "Дата не может быть в прошлом";
pub const MSG_ORDER: &str = "Дата «по» должна быть позже даты «с»";
pub const MSG_CHOICE: &str = "Выберите вариант из списка";
pub const MSG_TARIFF: &str = "Выберите тариф из списка";
pub const MSG_INN: &str = "ИНН — это 10 цифр для организации или 12 для ИП";
pub const MSG_FILE_MISSING: &str = "Приложите файл";
pub const MSG_FILE_TYPE: &str = "Можно приложить только PDF, JPG или PNG";

pub fn msg_file_size(max: u64) -> String {
    format!(
        "Файл больше {} МБ — уменьшите его",
        max.div_ceil(1024 * 1024)
    )
}

/// Checks every field and rule. On success returns the normalized values (phones as
/// `+7XXXXXXXXXX`, dates as `YYYY-MM-DD`, empty optional fields dropped) — the file is not a value.
pub fn check(
    def: &ActionDef,
    raw: &Values,
    file: Option<&FileInfo>,
    ctx: &Ctx,
) -> Result<Values, Errors> {
    let mut out = Values::new();
    let mut errors = Errors::new();
    for fd in def.fields {
        if fd.kind == Kind::File {
            match file {
                None if fd.required => {
                    errors.insert(fd.name, MSG_FILE_MISSING.into());
                }
                None => {}
                Some(fi) if fi.too_large || fi.size > ctx.max_file_bytes => {
                    errors.insert(fd.name, msg_file_size(ctx.max_file_bytes));
                }
                Some(fi) if fi.detected.is_none() => {
                    errors.insert(fd.name, MSG_FILE_TYPE.into());
                }
                Some(_) => {}
            }
            continue;
        }
        let v = raw.get(fd.name).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            if fd.required {
                errors.insert(fd.name, required_message(fd));
            }
            continue;
        }
        match field_value(fd.kind, v, ctx) {
            Ok(n) => {
                out.insert(fd.name.to_owned(), n);
            }
            Err(m) => {
                errors.insert(fd.name, m);
            }
        }
    }
    for r in def.rules {
        match r {
            Rule::DateOrder(a, b) => {
                if let (Some(x), Some(y)) = (out.get(*a), out.get(*b)) {
                    // ISO dates compare as strings.
                    if y <= x {
                        errors.insert(b, MSG_ORDER.into());
                    }
                }
            }
            Rule::RequiredIf {
                field,
                when,
                equals,
            } => {
                if out.get(*when).map(String::as_str) == Some(*equals)
                    && !out.contains_key(*field)
                    && !errors.contains_key(field)
                {
                    let msg = def
                        .fields
                        .iter()
                        .find(|f| f.name == *field)
                        .map_or_else(|| MSG_REQUIRED.to_owned(), required_message);
                    errors.insert(field, msg);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn field_value(kind: Kind, v: &str, ctx: &Ctx) -> Result<String, String> {
    match kind {
        Kind::Date => {
            let d = parse_date(v).ok_or(MSG_DATE)?;
            if d < ctx.today {
                return Err(MSG_PAST.into());
            }
            Ok(d.to_string())
        }
        Kind::Phone => normalize_phone(v).ok_or_else(|| MSG_PHONE.into()),
        Kind::Email => normalize_email(v).ok_or_else(|| MSG_EMAIL.into()),
        Kind::Text | Kind::Textarea => {
            let max = if kind == Kind::Text {
                TEXT_MAX
            } else {
                TEXTAREA_MAX
            };
            if v.chars().count() > max {
                return Err(format!("Слишком длинный текст: не больше {max} символов"));
            }
            Ok(v.to_owned())
        }
        Kind::Inn => {
            let d: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            let ok = (d.len() == 10 || d.len() == 12) && d.chars().all(|c| c.is_ascii_digit());
            if ok {
                Ok(d)
            } else {
                Err(MSG_INN.into())
            }
        }
        Kind::Select(opts) => opts
            .iter()
            .find(|(code, _)| *code == v)
            .map(|(code, _)| (*code).to_owned())
            .ok_or_else(|| MSG_CHOICE.into()),
        Kind::Tariff => v
            .parse::<i64>()
            .ok()
            .filter(|id| ctx.tariffs.iter().any(|(t, _)| t == id))
            .map(|id| id.to_string())
            .ok_or_else(|| MSG_TARIFF.into()),
        Kind::File => Ok(String::new()),
    }
}

/// `2026-12-01`, `01.12.2026` or `01.12.26`.
/// A search box's text: control characters (NUL, newlines, escapes) dropped, trimmed, at most
/// `max` characters. (A NUL reached the full-text query and answered 500.)
pub fn search_text(s: &str, max: usize) -> String {
    let kept: String = s.chars().filter(|c| !c.is_control()).collect();
    kept.trim().chars().take(max).collect()
}

pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Some(d);
    }
    let mut parts = s.split(['.', '/']);
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let d: i8 = d.parse().ok()?;
    let m: i8 = m.parse().ok()?;
    let mut y: i16 = y.parse().ok()?;
    if y < 100 {
        y += 2000;
    }
    Date::new(y, m, d).ok()
}

/// Russian numbers in any common spelling → `+7XXXXXXXXXX`:
/// `+7 (912) 345-67-89`, `8 912 345 67 89`, `79123456789`, `912-345-67-89`, `+7 347 200-00-12`.
pub fn normalize_phone(s: &str) -> Option<String> {
    national_phone(s).map(|n| format!("+7{n}"))
}

/// The one parser of typed Russian phone numbers (action forms, «Стать абонентом», login by
/// phone, staff search): the 10-digit national number, when `s` is one in any common spelling.
/// Geographic (3xx, 4xx, 8xx) and mobile (9xx) numbers only.
pub fn national_phone(s: &str) -> Option<String> {
    let s = s.trim();
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-.+\u{a0}".contains(c))
        || s.matches('+').count() > 1
        || (s.contains('+') && !s.starts_with('+'))
    {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        11 if digits.starts_with('7') => &digits[1..],
        11 if digits.starts_with('8') && !s.starts_with('+') => &digits[1..],
        10 if !s.starts_with('+') => &digits[..],
        _ => return None,
    };
    if !matches!(national.as_bytes()[0], b'3' | b'4' | b'8' | b'9') {
        return None;
    }
    Some(national.to_owned())
}

/// A plain address check (one `@`, a dotted domain, no spaces); lowercases the domain.
pub fn normalize_email(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    let ok_domain = domain.contains('.')
        && !domain.contains('@')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || local.len() > 64 || !ok_domain {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

/// Recognises the allowed upload types by their first bytes: (content type, extension).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", "png"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actions::find;

    #[test]
    fn russian_phones_in_common_spellings_normalize() {
        for s in [
            "+7 (912) 345-67-89",
            "8 912 345 67 89",
            "89123456789",
            "79123456789",
            "912-345-67-89",
            "+79123456789",
            "8(912)345.67.89",
        ] {
            assert_eq!(normalize_phone(s).as_deref(), Some("+79123456789"), "{s}");
        }
        assert_eq!(
            normalize_phone("+7 347 200-00-12").as_deref(),
            Some("+73472000012")
        );
        for bad in [
            "12345",
            "+1 212 555 0100",
            "+8 912 345 67 89",
            "abc",
            "7912345678901",
            "1234567890",
            "9+123456789",
        ] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails_and_dates() {
        assert_eq!(
            normalize_email(" Ivan@Firma.RU ").as_deref(),
            Some("Ivan@firma.ru")
        );
        for bad in [
            "ivan",
            "ivan@",
            "@firma.ru",
            "ivan@firma",
            "iv an@firma.ru",
            "a@b@c.ru",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
        let d = Date::new(2026, 12, 1).unwrap();
        assert_eq!(parse_date("2026-12-01"), Some(d));
        assert_eq!(parse_date("01.12.2026"), Some(d));
        assert_eq!(parse_date("1.12.26"), Some(d));
        assert_eq!(parse_date("31.02.2026"), None);
        assert_eq!(parse_date("завтра"), None);
    }

    #[test]
    fn suspension_range_must_be_ordered_and_in_future() {
        let def = find("suspend").unwrap();
        let ctx = Ctx {
            today: Date::new(2026, 11, 25).unwrap(),
            tariffs: &[],
            max_file_bytes: 1024,
        };
        let v = |a: &str, b: &str| {
            Values::from([
                ("from_date".into(), a.into()),
                ("to_date".into(), b.into()),
                ("phone".into(), "89123456789".into()),
            ])
        };
        let e = check(def, &v("2026-12-10", "2026-12-01"), None, &ctx).unwrap_err();
        assert_eq!(e.get("to_date").map(String::as_str), Some(MSG_ORDER));
        let e = check(def, &v("2026-11-24", "2026-12-01"), None, &ctx).unwrap_err();
        assert_eq!(e.get("from_date").map(String::as_str), Some(MSG_PAST));
        let ok = check(def, &v("25.11.2026", "2026-12-01"), None, &ctx).unwrap();
        assert_eq!(ok["from_date"], "2026-11-25");
        assert_eq!(ok["phone"], "+79123456789");
    }

    #[test]
    fn uploads_are_recognised_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ...").map(|x| x.0), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00").map(|x| x.0), None);
    }
}
