//! «Стать абонентом»: validation of application fields and the wizard's connection dates.
use jiff::civil::{Date, Weekday};

pub const MAX_TEXT: usize = 200;

/// Russian phone number as 11 digits starting with 7 ("79271234567"), from what people type:
/// "+7 (927) 123-45-67", "8 927 123 45 67", "9271234567".
pub fn normalize_phone(input: &str) -> Option<String> {
    super::validate::national_phone(input).map(|n| format!("7{n}"))
}

/// "+7 927 123-45-67"
pub fn format_phone(p: &str) -> String {
    if p.len() != 11 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return p.to_owned();
    }
    format!("+7 {} {}-{}-{}", &p[1..4], &p[4..7], &p[7..9], &p[9..11])
}

/// A deliberately simple e-mail check: one @, a dot in the domain, no spaces.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let dot_atom = |s: &str, ok: &dyn Fn(char) -> bool| {
        !s.is_empty()
            && s.split('.')
                .all(|part| !part.is_empty() && part.chars().all(ok))
    };
    e.len() <= 254
        && dot_atom(local, &atext)
        && dot_atom(domain, &|c: char| c.is_alphanumeric() || c == '-')
        && domain.contains('.')
}

/// Trimmed, single-spaced, without control characters, at most [`MAX_TEXT`] characters.
pub fn clean(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

/// Working days (Mon–Fri) offered for connection: from tomorrow for `weeks` weeks.
pub fn connection_days(today: Date, weeks: u32) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = today;
    for _ in 0..(weeks * 7) {
        d = match d.tomorrow() {
            Ok(n) => n,
            Err(_) => break,
        };
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            out.push(d);
        }
    }
    out
}

const WEEKDAYS: [&str; 7] = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"];
const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

/// «пн, 1 декабря»
pub fn day_label(d: Date) -> String {
    let wd = WEEKDAYS[(d.weekday().to_monday_zero_offset()) as usize];
    let m = MONTHS[(d.month() - 1) as usize];
    format!("{wd}, {}\u{a0}{m}", d.day())
}

/// «15180 рублей», «1 рубль», «22 рубля» — whole roubles; kopecks shown only when present.
pub fn roubles_words(kop: i64) -> String {
    let r = kop / 100;
    let k = (kop % 100).abs();
    let n = r.abs();
    let word = match (n % 10, n % 100) {
        (_, 11..=14) => "рублей",
        (1, _) => "рубль",
        (2..=4, _) => "рубля",
        _ => "рублей",
    };
    if k == 0 {
        format!("{r} {word}")
    } else {
        format!("{r},{k:02} рубля")
    }
}

/// Street name reduced for comparison: lower case, «ё»→«е», without the kind of street
/// («ул.», «проспект», «пр-т», …) and punctuation. "пр-т Октября" == "Проспект октября".
pub fn street_key(s: &str) -> String {
    const KINDS: [&str; 16] = [
        "ул",
        "улица",
        "пр",
        "пр-т",
        "прт",
        "просп",
        "проспект",
        "пер",
        "переулок",
        "б-р",
        "бульвар",
        "ш",
        "шоссе",
        "пл",
        "площадь",
        "г",
    ];
    let lower = s.to_lowercase().replace('ё', "е");
    let mut words: Vec<String> = lower
        .split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
                .to_owned()
        })
        .filter(|w| !w.is_empty() && !KINDS.contains(&w.as_str()))
        .collect();
    words.sort();
    words.join(" ")
}

/// House number reduced for comparison: "д. 4А" → "4а", "дом 10 к1" → "10к1".
pub fn house_key(s: &str) -> String {
    let lower = s.to_lowercase();
    let lower = lower.trim();
    let rest = lower
        .strip_prefix("дом")
        .or_else(|| lower.strip_prefix("д."))
        .unwrap_or(lower);
    rest.chars()
        .filter(|c| c.is_alphanumeric() || *c == '/')
        .collect()
}

/// Everything the self-connect wizard has collected so far. Carried between steps in the
/// query string (address, tariffs, date) and in POST bodies (contacts).
#[derive(Debug, Clone, Default)]
pub struct WizardInput {
    pub street: String,
    pub house: String,
    pub tariffs: Vec<i64>,
    pub date: String,
    pub org: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub consent: bool,
    /// The honeypot field was filled in.
    pub honey: bool,
}

impl WizardInput {
    /// From a query string or a urlencoded body. Tariffs come as `tariff`, `tariff_internet`, …
    pub fn parse(bytes: &[u8]) -> WizardInput {
        let mut w = WizardInput::default();
        for (k, v) in form_urlencoded::parse(bytes) {
            match k.as_ref() {
                "street" => w.street = clean(&v),
                "house" => w.house = clean(&v),
                "date" => w.date = clean(&v),
                "org" => w.org = clean(&v),
                "name" => w.name = clean(&v),
                "phone" => w.phone = clean(&v),
                "email" => w.email = clean(&v),
                "consent" => w.consent = v == "1" || v == "on",
                "website" => w.honey = !v.trim().is_empty(),
                k if k.starts_with("tariff") => {
                    if let Ok(id) = v.trim().parse::<i64>() {
                        if !w.tariffs.contains(&id) && w.tariffs.len() < 20 {
                            w.tariffs.push(id);
                        }
                    }
                }
                _ => {}
            }
        }
        w
    }

    /// The address, tariffs and date as pairs (for links and hidden fields).
    pub fn plan_pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("street", self.street.clone()),
            ("house", self.house.clone()),
        ];
        v.extend(self.tariffs.iter().map(|t| ("tariff", t.to_string())));
        if !self.date.is_empty() {
            v.push(("date", self.date.clone()));
        }
        v
    }

    /// The contact fields as pairs (hidden fields of the summary).
    pub fn contact_pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("org", self.org.clone()),
            ("name", self.name.clone()),
            ("phone", self.phone.clone()),
            ("email", self.email.clone()),
        ];
        if self.consent {
            v.push(("consent", "1".into()));
        }
        v
    }

    /// `?street=…&house=…&tariff=…&date=…`
    pub fn plan_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.plan_pairs() {
            s.append_pair(k, &v);
        }
        format!("?{}", s.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalized() {
        assert_eq!(
            normalize_phone("+7 (927) 123-45-67").as_deref(),
            Some("79271234567")
        );
        assert_eq!(
            normalize_phone("8 927 123 45 67").as_deref(),
            Some("79271234567")
        );
        assert_eq!(
            normalize_phone("9271234567").as_deref(),
            Some("79271234567")
        );
        assert_eq!(normalize_phone("12345"), None);
        assert_eq!(normalize_phone("+7 927 abc 45 67"), None);
        assert_eq!(normalize_phone("+7 027 123 45 67"), None);
        assert_eq!(format_phone("79271234567"), "+7 927 123-45-67");
    }

    #[test]
    fn connection_days_skip_weekends() {
        // Friday 2026-11-27: next days are Mon 30 Nov .. within 1 week.
        let days = connection_days(jiff::civil::date(2026, 11, 27), 1);
        assert_eq!(days.first().copied(), Some(jiff::civil::date(2026, 11, 30)));
        assert_eq!(days.len(), 5);
        assert_eq!(day_label(days[0]), "пн, 30\u{a0}ноября");
    }

    #[test]
    fn roubles_in_words() {
        assert_eq!(roubles_words(1_518_000), "15180 рублей");
        assert_eq!(roubles_words(100), "1 рубль");
        assert_eq!(roubles_words(2_200), "22 рубля");
        assert_eq!(roubles_words(1_150), "11,50 рубля");
    }

    #[test]
    fn addresses_compare_loosely() {
        assert_eq!(street_key("пр-т Октября"), street_key("Проспект  октября"));
        assert_eq!(street_key("ул. Ленина"), street_key("Ленина"));
        assert_ne!(street_key("ул. Ленина"), street_key("ул. Менделеева"));
        assert_eq!(house_key("д. 4А"), "4а");
        assert_eq!(house_key(" 137 "), "137");
    }

    #[test]
    fn emails() {
        assert!(valid_email("a@b.ru"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("a b@c.ru"));
    }
}

#[derive(Debug, Clone)]
pub struct Covered {
    pub city: String,
    pub street: String,
    pub house: String,
}

#[derive(Debug, Clone)]
pub struct Tariff {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub price_kop: i64,
    pub description: String,
}
