//! Notifications: what a subscriber can be told, through which channels, the defaults, the
//! texts, quiet hours and the retry schedule. Pure rules; the use cases are in `app::notify`.
use serde::Serialize;

/// Something that happened on a contract that its people may want to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    LowBalance,
    Payment,
    AutopayOk,
    AutopayDeclined,
    ServiceStatus,
    RequestStatus,
    Document,
    ChatReply,
    Broadcast,
}

impl Kind {
    /// What a holder's role must allow to be told of it: no money notices to an engineer, no
    /// documents to one who may not see them.
    pub fn needs(self) -> super::role::Cap {
        use super::role::Cap;
        match self {
            Kind::LowBalance | Kind::Payment | Kind::AutopayOk | Kind::AutopayDeclined => {
                Cap::ViewMoney
            }
            Kind::Document => Cap::Documents,
            Kind::ChatReply => Cap::Chat,
            Kind::ServiceStatus | Kind::RequestStatus | Kind::Broadcast => Cap::View,
        }
    }

    pub const ALL: [Kind; 9] = [
        Kind::LowBalance,
        Kind::Payment,
        Kind::AutopayOk,
        Kind::AutopayDeclined,
        Kind::ServiceStatus,
        Kind::RequestStatus,
        Kind::Document,
        Kind::ChatReply,
        Kind::Broadcast,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::LowBalance => "low_balance",
            Kind::Payment => "payment",
            Kind::AutopayOk => "autopay_ok",
            Kind::AutopayDeclined => "autopay_declined",
            Kind::ServiceStatus => "service_status",
            Kind::RequestStatus => "request_status",
            Kind::Document => "document",
            Kind::ChatReply => "chat_reply",
            Kind::Broadcast => "broadcast",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The row label in «Уведомления».
    pub fn label(self) -> &'static str {
        match self {
            Kind::LowBalance => "Баланс меньше следующего списания",
            Kind::Payment => "Платеж зачислен",
            Kind::AutopayOk => "Автоплатеж списан",
            Kind::AutopayDeclined => "Автоплатеж отклонен",
            Kind::ServiceStatus => "Услуга приостановлена или возобновлена",
            Kind::RequestStatus => "Статус заявки изменился",
            Kind::Document => "Новый закрывающий документ",
            Kind::ChatReply => "Ответ в чате, когда чат закрыт",
            Kind::Broadcast => "Плановые работы и аварии",
        }
    }

    /// Whether a channel is on for this event until the user changes it: e-mail and push for
    /// everything; SMS (it costs the operator money and wakes people) only for what stops the
    /// service or needs action today.
    pub fn default_on(self, ch: Channel) -> bool {
        match ch {
            Channel::Email | Channel::Push => true,
            Channel::Sms => matches!(
                self,
                Kind::LowBalance | Kind::AutopayDeclined | Kind::ServiceStatus | Kind::Broadcast
            ),
        }
    }

    /// Counted against the daily cap per contract (staff broadcasts are not: planned works
    /// must reach everyone).
    pub fn capped(self) -> bool {
        self != Kind::Broadcast
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Sms,
    Push,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Push];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "E-mail",
            Channel::Sms => "SMS",
            Channel::Push => "Push",
        }
    }
}

/// The form field of one switch: `request_status.email`.
pub fn field_name(k: Kind, ch: Channel) -> String {
    format!("{}.{}", k.code(), ch.code())
}

/// `request_status.email` → the pair; None for anything else.
pub fn parse_field(name: &str) -> Option<(Kind, Channel)> {
    let (k, c) = name.split_once('.')?;
    Some((Kind::parse(k)?, Channel::parse(c)?))
}

/// One user's switches: every (event, channel) pair, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefs(Vec<(Kind, Channel, bool)>);

impl Prefs {
    /// Defaults overlaid with the stored rows (unknown stored codes are ignored).
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, bool)>) -> Prefs {
        let mut p = Prefs::defaults();
        for (k, c, on) in rows {
            if let (Some(k), Some(c)) = (Kind::parse(k), Channel::parse(c)) {
                p.set(k, c, on);
            }
        }
        p
    }

    pub fn defaults() -> Prefs {
        Prefs(
            Kind::ALL
                .iter()
                .flat_map(|&k| Channel::ALL.map(|c| (k, c, k.default_on(c))))
                .collect(),
        )
    }

    pub fn get(&self, k: Kind, ch: Channel) -> bool {
        self.0
            .iter()
            .find(|(a, b, _)| *a == k && *b == ch)
            .is_some_and(|x| x.2)
    }

    pub fn set(&mut self, k: Kind, ch: Channel, on: bool) {
        if let Some(x) = self.0.iter_mut().find(|(a, b, _)| *a == k && *b == ch) {
            x.2 = on;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Kind, Channel, bool)> + '_ {
        self.0.iter().copied()
    }
}

/// Why a submitted «Уведомления» form was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefsError {
    /// A field that is no event.channel pair (or contact field) we know.
    Unknown(String),
    Email,
    Phone,
}

/// The submitted form: a checked box is present (`on`), an unchecked one absent. Fields other
/// than the switches, `email`, `phone` and the CSRF token are refused.
pub fn parse_form(
    fields: &[(String, String)],
) -> Result<(Prefs, Option<String>, Option<String>), PrefsError> {
    let mut p = Prefs(
        Kind::ALL
            .iter()
            .flat_map(|&k| Channel::ALL.map(|c| (k, c, false)))
            .collect(),
    );
    let (mut email, mut phone) = (None, None);
    for (name, value) in fields {
        match name.as_str() {
            "csrf_token" => {}
            "email" => {
                let v = value.trim();
                if !v.is_empty() {
                    email = Some(super::validate::normalize_email(v).ok_or(PrefsError::Email)?);
                }
            }
            "phone" => {
                let v = value.trim();
                if !v.is_empty() {
                    phone = Some(super::outbox::normalize_phone(v).ok_or(PrefsError::Phone)?);
                }
            }
            n => match parse_field(n) {
                Some((k, c)) => p.set(k, c, !value.is_empty()),
                None => return Err(PrefsError::Unknown(n.chars().take(64).collect())),
            },
        }
    }
    Ok((p, email, phone))
}

/// Minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: u32,
    pub to: u32,
}

impl QuietHours {
    /// Is this local minute of the day inside the window (`from` inclusive, `to` exclusive;
    /// the window may cross midnight)? An empty window (from == to) is never quiet.
    pub fn contains(&self, minute: u32) -> bool {
        if self.from == self.to {
            false
        } else if self.from < self.to {
            (self.from..self.to).contains(&minute)
        } else {
            minute >= self.from || minute < self.to
        }
    }

    /// Seconds from this local minute (and second within it) to the end of the window, 0
    /// when outside it.
    pub fn wait_secs(&self, minute: u32, second: u32) -> i64 {
        if !self.contains(minute) {
            return 0;
        }
        let day = 24 * 60;
        let left = (self.to + day - minute) % day;
        i64::from(left) * 60 - i64::from(second)
    }
}

/// When to try a failed delivery again: 1, 2, 4 … minutes, at most 6 hours.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    (60i64.saturating_mul(1 << exp.min(9))).min(6 * 3600)
}

/// Deliveries tried this many times are given up (marked failed).
pub const MAX_ATTEMPTS: i64 = 8;

/// Events older than this when the job first sees them (a history import, a restore) are not
/// announced.
pub const STALE_SECS: i64 = 2 * 86_400;

/// The facts one notice is written from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub contract: String,
    /// Amount in kopecks already formatted (`1 200,00 ₽`), when the event has one.
    pub amount: String,
    /// Request title, document number, service name, broadcast title.
    pub what: String,
    /// Request status label, service status label, broadcast text, due date.
    pub detail: String,
}

/// What the push message carries (the service worker shows it).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub body: String,
    pub url: String,
}

/// `2026-12-31` → `31.12.26` (as the guide shows dates).
pub fn short_date(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    match p.as_slice() {
        [y, m, d] if y.len() == 4 => format!("{d}.{m}.{}", &y[2..]),
        _ => iso.to_owned(),
    }
}

/// Subject line (also the push title) and text of a notice.
pub fn render(kind: Kind, f: &Facts) -> (String, String) {
    let n = &f.contract;
    match kind {
        Kind::LowBalance => (
            format!("Пополните баланс по договору № {n}"),
            format!(
                "На балансе меньше, чем нужно для списания {}: не хватает {}. Пополните баланс, чтобы услуги не приостановились.",
                f.detail, f.amount
            ),
        ),
        Kind::Payment => (
            format!("Платеж зачислен: {}", f.amount),
            format!("По договору № {n} зачислен платеж {}.", f.amount),
        ),
        Kind::AutopayOk => (
            format!("Автоплатеж: списано {}", f.amount),
            format!("По договору № {n} автоплатеж списал {} с привязанной карты.", f.amount),
        ),
        Kind::AutopayDeclined => (
            format!("Автоплатеж не прошел по договору № {n}"),
            format!(
                "Банк отклонил списание {} по договору № {n}. Пополните баланс или привяжите другую карту.",
                f.amount
            ),
        ),
        Kind::ServiceStatus => (
            format!("{}: {}", f.what, f.detail),
            format!("Услуга «{}» по договору № {n}: {}.", f.what, f.detail),
        ),
        Kind::RequestStatus => (
            format!("Заявка «{}»: {}", f.what, f.detail),
            format!("Статус заявки «{}» по договору № {n}: {}.", f.what, f.detail),
        ),
        Kind::Document => (
            format!("Новый документ № {}", f.what),
            format!(
                "По договору № {n} выставлен закрывающий документ № {}. Он в разделе «Документы».",
                f.what
            ),
        ),
        Kind::ChatReply => (
            "Новый ответ в чате поддержки".to_owned(),
            format!("Поддержка ответила по договору № {n}: {}", f.detail),
        ),
        Kind::Broadcast => (f.what.clone(), f.detail.clone()),
    }
}

/// A push payload fits the 4 KiB a push service accepts (with the encryption overhead):
/// texts are cut at a character boundary.
pub fn push_message(title: &str, body: &str, url: &str) -> Message {
    let cut = |s: &str, n: usize| -> String {
        if s.chars().count() <= n {
            s.to_owned()
        } else {
            let mut t: String = s.chars().take(n - 1).collect();
            t.push('…');
            t
        }
    };
    Message {
        title: cut(title, 120),
        body: cut(body, 600),
        url: url.to_owned(),
    }
}

/// Why a push subscription from a browser was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionError {
    Endpoint,
    Keys,
}

/// Longest endpoint URL accepted (browsers' are ~200–500 bytes).
pub const MAX_ENDPOINT: usize = 1024;

// The endpoint itself is checked by `services::push::check_endpoint`, with the parser that
// fetches (issue 24).

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_cross_midnight() {
        let q = QuietHours {
            from: 22 * 60,
            to: 8 * 60,
        };
        assert!(q.contains(23 * 60));
        assert!(q.contains(0));
        assert!(q.contains(7 * 60 + 59));
        assert!(!q.contains(8 * 60));
        assert!(!q.contains(12 * 60));
        assert_eq!(q.wait_secs(23 * 60, 0), 9 * 3600);
        assert_eq!(q.wait_secs(7 * 60 + 59, 30), 30);
        assert_eq!(q.wait_secs(12 * 60, 0), 0);
        let none = QuietHours { from: 0, to: 0 };
        assert!(!none.contains(0));
    }

    #[test]
    fn form_refuses_unknown_fields_and_reads_switches() {
        let f = |v: &[(&str, &str)]| {
            parse_form(
                &v.iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        let (p, e, ph) = f(&[
            ("csrf_token", "x"),
            ("request_status.sms", "on"),
            ("email", "a@b.ru"),
        ])
        .unwrap();
        assert!(p.get(Kind::RequestStatus, Channel::Sms));
        assert!(!p.get(Kind::RequestStatus, Channel::Email));
        assert_eq!(e.as_deref(), Some("a@b.ru"));
        assert_eq!(ph, None);
        assert!(matches!(
            f(&[("request_status.fax", "on")]),
            Err(PrefsError::Unknown(_))
        ));
        assert!(matches!(
            f(&[("weather.email", "on")]),
            Err(PrefsError::Unknown(_))
        ));
        assert_eq!(f(&[("email", "nope")]), Err(PrefsError::Email));
    }

    #[test]
    fn backoff_grows_and_stops_at_six_hours() {
        assert_eq!(backoff_secs(0), 60);
        assert_eq!(backoff_secs(1), 120);
        assert_eq!(backoff_secs(30), 6 * 3600);
    }
}

/// A staff broadcast as submitted: planned works or an outage, to chosen contracts or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastDraft {
    pub title: String,
    pub body: String,
    pub to_all: bool,
    /// Contract numbers as typed (deduplicated), when not to all.
    pub numbers: Vec<String>,
    /// The last local day the banner shows.
    pub until: jiff::civil::Date,
}

/// What is wrong with a broadcast form, per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastErrors {
    pub title: Option<&'static str>,
    pub body: Option<&'static str>,
    pub contracts: Option<String>,
    pub until: Option<&'static str>,
}

impl BroadcastErrors {
    pub fn any(&self) -> bool {
        self.title.is_some()
            || self.body.is_some()
            || self.contracts.is_some()
            || self.until.is_some()
    }
}

/// Longest banner show period.
pub const MAX_BROADCAST_DAYS: i64 = 90;

pub fn parse_broadcast(
    title: &str,
    body: &str,
    to_all: bool,
    numbers: &str,
    until: &str,
    today: jiff::civil::Date,
) -> Result<BroadcastDraft, BroadcastErrors> {
    let mut e = BroadcastErrors::default();
    let (title, body) = (title.trim(), body.trim());
    if title.is_empty() || title.chars().count() > 120 {
        e.title = Some("Заголовок: от 1 до 120 символов");
    }
    if body.is_empty() || body.chars().count() > 1000 {
        e.body = Some("Текст: от 1 до 1000 символов");
    }
    let mut list: Vec<String> = Vec::new();
    for n in numbers.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        let n = n.trim();
        if !n.is_empty() && !list.iter().any(|x| x.eq_ignore_ascii_case(n)) {
            list.push(n.to_owned());
        }
    }
    if !to_all && list.is_empty() {
        e.contracts = Some("Укажите номера договоров или выберите «Всем абонентам»".into());
    } else if list.len() > 10_000 {
        e.contracts = Some("Не больше 10 000 договоров; для всех выберите «Всем абонентам»".into());
    }
    let until = super::validate::parse_date(until);
    match until {
        None => e.until = Some("Укажите дату, например 31.12.2026"),
        Some(d) if d < today => e.until = Some("Дата уже прошла"),
        Some(d) if (d - today).get_days() as i64 > MAX_BROADCAST_DAYS => {
            e.until = Some("Не дольше 90 дней")
        }
        _ => {}
    }
    if e.any() {
        return Err(e);
    }
    Ok(BroadcastDraft {
        title: title.to_owned(),
        body: body.to_owned(),
        to_all,
        numbers: if to_all { Vec::new() } else { list },
        until: until.unwrap_or(today),
    })
}

/// A broadcast in the staff list, with how far its delivery got.
#[derive(Debug, Clone)]
pub struct BroadcastRow {
    pub id: i64,
    pub title: String,
    pub to_all: bool,
    pub contracts: i64,
    pub ends_at: i64,
    pub created_at: i64,
    pub staff: Option<String>,
    pub sent: i64,
    pub pending: i64,
}

/// A broadcast shown as a banner on the main page until it ends.
#[derive(Debug, Clone)]
pub struct Banner {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub ends_at: i64,
    pub to_all: bool,
    pub contracts: std::collections::HashSet<i64>,
}

/// The live broadcasts, kept in memory so the main page shows them without a database trip
/// (replaced whole when staff publish one).
#[derive(Default)]
pub struct Banners(std::sync::RwLock<std::sync::Arc<Vec<Banner>>>);

impl Banners {
    pub fn replace(&self, v: Vec<Banner>) {
        if let Ok(mut g) = self.0.write() {
            *g = std::sync::Arc::new(v);
        }
    }

    /// (title, text) of the banners this contract sees now, newest first.
    pub fn for_contract(&self, contract_id: i64, now: i64) -> Vec<(String, String)> {
        let all = match self.0.read() {
            Ok(g) => g.clone(),
            Err(_) => return Vec::new(),
        };
        all.iter()
            .rev()
            .filter(|b| b.ends_at > now && (b.to_all || b.contracts.contains(&contract_id)))
            .map(|b| (b.title.clone(), b.body.clone()))
            .collect()
    }
}
