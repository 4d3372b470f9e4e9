//! Validation of the payment form («Оплата услуг») and the autopay form.
use super::money;

/// `payments.provider` of the built-in test gateway: its payments are never real money
/// (marked «тестовый» for staff, left out of the billing export unless asked for, counted apart
/// in the metrics).
pub const TEST_PROVIDER: &str = "sandbox";

pub fn is_test(provider: &str) -> bool {
    provider == TEST_PROVIDER
}

/// How staff read a provider's code.
pub fn provider_label(provider: &str) -> &str {
    match provider {
        TEST_PROVIDER => "тестовый шлюз",
        "yookassa" => "ЮKassa",
        other => other,
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormErrors {
    pub amount: Option<String>,
    pub email: Option<String>,
    pub consent: Option<String>,
}

impl FormErrors {
    pub fn any(&self) -> bool {
        self.amount.is_some() || self.email.is_some() || self.consent.is_some()
    }
}

/// Amount in kopecks within `[min, max]`, with a message a subscriber understands.
pub fn amount(input: &str, min: i64, max: i64, symbol: &str) -> Result<i64, String> {
    if input.chars().count() > 40 {
        return Err(if input.trim().chars().all(|c| c.is_ascii_digit()) {
            format!("Максимальная сумма — {}", money::format(max, symbol))
        } else {
            money::ParseError::NotANumber.to_string()
        });
    }
    let kop = money::parse(input).map_err(|e| match e {
        money::ParseError::TooLarge => {
            format!("Максимальная сумма — {}", money::format(max, symbol))
        }
        other => other.to_string(),
    })?;
    if kop < min {
        return Err(format!(
            "Минимальная сумма — {}",
            money::format(min, symbol)
        ));
    }
    if kop > max {
        return Err(format!(
            "Максимальная сумма — {}",
            money::format(max, symbol)
        ));
    }
    Ok(kop)
}

/// A receipt e-mail (required: 54-ФЗ needs a contact for the receipt). Returns it trimmed.
pub fn email(input: &str) -> Result<String, String> {
    let e = input.trim();
    if e.is_empty() {
        return Err("Укажите электронную почту: на нее придет чек".into());
    }
    if super::application::valid_email(e) {
        Ok(e.to_owned())
    } else {
        Err("Проверьте адрес электронной почты, например name@example.ru".into())
    }
}

pub const CONSENT_TEXT: &str =
    "Я согласен на списание средств с моей банковской карты и оплату услуг за указанного абонента";

/// Validates the payment form.
pub fn validate(
    amount_in: &str,
    email_in: &str,
    consent: bool,
    min: i64,
    max: i64,
    symbol: &str,
) -> Result<(i64, String), FormErrors> {
    let a = amount(amount_in, min, max, symbol);
    let e = email(email_in);
    let errs = FormErrors {
        amount: a.as_ref().err().cloned(),
        email: e.as_ref().err().cloned(),
        consent: (!consent).then(|| "Нужно ваше согласие на списание средств".to_owned()),
    };
    match (a, e) {
        (Ok(a), Ok(e)) if !errs.any() => Ok((a, e)),
        _ => Err(errs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_amounts_have_messages() {
        let f = |s: &str| amount(s, 100, 50_000_000, "₽");
        assert_eq!(f("1200"), Ok(120000));
        assert!(f("0").unwrap_err().contains("больше нуля"));
        assert!(f("-5").unwrap_err().contains("больше нуля"));
        assert!(f("1,005").unwrap_err().contains("двух знаков"));
        assert!(f("abc").unwrap_err().contains("числом"));
        assert!(f("1e9").unwrap_err().contains("числом"));
        assert!(f(&"9".repeat(10_000)).unwrap_err().contains("Максимальная"));
        assert!(f(&"x".repeat(10_000)).unwrap_err().contains("числом"));
        assert!(f("0,50").unwrap_err().contains("Минимальная"));
        assert!(f("500001").unwrap_err().contains("Максимальная"));
    }

    #[test]
    fn emails() {
        assert_eq!(email(" a@b.ru "), Ok("a@b.ru".into()));
        assert!(email("").is_err());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.ru").is_err());
        assert!(email("@c.ru").is_err());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteStatus {
    Pending,
    Succeeded,
    Canceled,
}

impl RemoteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RemoteStatus::Pending => "pending",
            RemoteStatus::Succeeded => "succeeded",
            RemoteStatus::Canceled => "canceled",
        }
    }
}

/// A card saved at the gateway for later charges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedMethod {
    pub id: String,
    pub card_mask: String,
}

/// A payment as the provider sees it (the only source we trust for its status).
#[derive(Debug, Clone)]
pub struct Remote {
    pub id: String,
    pub status: RemoteStatus,
    pub amount_kop: i64,
    pub confirmation_url: Option<String>,
    pub method: Option<SavedMethod>,
}

/// A sandbox payment as its checkout page shows it.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub id: String,
    pub amount_kop: i64,
    pub description: String,
    pub status: String,
    pub save_method: bool,
    pub return_url: String,
}
