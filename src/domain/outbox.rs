//! What the outbox carries and how its recipients appear in logs: pure helpers shared by the
//! use cases that queue messages and the services that deliver them.

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Kept in the outbox (no transport configured).
    Stored,
    Sent,
    /// Not delivered; a short reason without the message text.
    Failed(String),
}

/// `ivan.petrov@example.ru` → `i***@example.ru` (for logs).
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((u, d)) => format!("{}***@{d}", u.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

/// A Russian mobile number as typed (`+7 927 123-42-49`, `8 (927) 1234249`, `9271234249`)
/// → `79271234249`; None when it cannot be one.
pub fn normalize_phone(input: &str) -> Option<String> {
    super::validate::national_phone(input)
        .filter(|n| n.starts_with('9'))
        .map(|n| format!("7{n}"))
}

/// `792*****249` — how phones appear in logs and to other account holders.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return "*".repeat(digits.len());
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 3..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(digits.len() - 6))
}

/// Send limits checked against the outbox itself, so a restart does not reset them.
#[derive(Debug, Clone, Copy)]
pub struct SendCaps {
    /// Codes to one phone within `phone_window` seconds.
    pub per_phone: i64,
    pub phone_window: i64,
    /// Codes to anyone within a day.
    pub daily_total: i64,
}

#[cfg(test)]
mod tests {
    use super::{mask_phone, normalize_phone};

    #[test]
    fn normalizes_russian_mobile_numbers() {
        for typed in [
            "+7 927 123-42-49",
            "8 (927) 123-42-49",
            "9271234249",
            "79271234249",
        ] {
            assert_eq!(
                normalize_phone(typed).as_deref(),
                Some("79271234249"),
                "{typed}"
            );
        }
        for bad in ["", "12345", "+7 347 200-00-12", "7927123424a", "<script>"] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn masks_phones_like_the_guide() {
        assert_eq!(mask_phone("79271234249"), "792*****249");
        assert_eq!(mask_phone("+7 937 000-06-66"), "793*****666");
        assert_eq!(mask_phone("123"), "***");
    }
}
