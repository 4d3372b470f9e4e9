//! Payment providers behind one trait. Provider calls are blocking (HTTP via ureq, or the
//! sandbox's own table) and always run on the blocking pool.
pub mod money;
pub mod sandbox;
pub mod yookassa;

use std::sync::Arc;

use crate::{config::Config, config::ProviderKind, db::Db};

/// What we ask a provider to create.
#[derive(Debug, Clone)]
pub struct CreateReq {
    /// Sent as the provider's `Idempotence-Key`: a retry returns the same payment.
    pub idempotency_key: String,
    pub amount_kop: i64,
    pub description: String,
    /// Receipt contact (54-ФЗ).
    pub email: Option<String>,
    /// Where the payer comes back after the checkout page (absolute for real gateways).
    pub return_url: String,
    /// Ask the gateway to save the card for autopay.
    pub save_method: bool,
    /// Charge a saved card instead of sending the payer to a checkout page.
    pub saved_method_id: Option<String>,
    /// Our payment id (put into the gateway's metadata).
    pub local_id: i64,
    pub receipt_item: String,
}

pub use crate::domain::payment::{Remote, RemoteStatus, SavedMethod};

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("payment not found at the provider")]
    NotFound,
    #[error("provider unreachable: {0}")]
    Transport(String),
    #[error("provider refused: {0}")]
    Rejected(String),
}

pub trait PaymentProvider: Send + Sync {
    /// Stored in `payments.provider`; also the notification route's last segment.
    fn name(&self) -> &'static str;
    fn create(&self, req: &CreateReq) -> Result<Remote, ProviderError>;
    fn fetch(&self, id: &str) -> Result<Remote, ProviderError>;
}

pub fn build(
    cfg: &Config,
    db: &Db,
    client: &crate::services::outbound::Outbound,
) -> Arc<dyn PaymentProvider> {
    match cfg.payments.provider {
        ProviderKind::Sandbox => Arc::new(sandbox::Sandbox::new(
            db.clone(),
            cfg.payments.sandbox_decline_saved,
        )),
        ProviderKind::Yookassa => Arc::new(yookassa::YooKassa::new(
            &cfg.payments.yookassa,
            client.clone(),
        )),
    }
}

/// `12345` → `"123.45"` (gateway amount format).
pub fn amount_value(kop: i64) -> String {
    format!("{}.{:02}", kop / 100, kop % 100)
}

/// `"123.45"` → `12345`.
pub fn parse_amount_value(v: &str) -> Option<i64> {
    let (i, f) = v.split_once('.').unwrap_or((v, ""));
    if f.len() > 2 || i.is_empty() || !i.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: i64 = match f.len() {
        0 => 0,
        1 => f.parse::<i64>().ok()? * 10,
        _ => f.parse().ok()?,
    };
    i.parse::<i64>().ok()?.checked_mul(100)?.checked_add(frac)
}

/// A gateway notification (YooKassa's shape, also used by the sandbox): which payment and which
/// event it claims. Nothing in it is trusted beyond the payment id: the status is fetched back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub event: String,
    pub payment_id: String,
}

pub fn parse_notification(body: &[u8]) -> Option<Notification> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let event = v.get("event")?.as_str()?.to_owned();
    let id = v.get("object")?.get("id")?.as_str()?.to_owned();
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (id_ok && event.starts_with("payment.")).then_some(Notification {
        event,
        payment_id: id,
    })
}

/// The notification body a gateway would send for `payment_id`.
pub fn notification_body(event: &str, payment_id: &str) -> String {
    serde_json::json!({
        "type": "notification",
        "event": event,
        "object": { "id": payment_id }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip() {
        assert_eq!(amount_value(120000), "1200.00");
        assert_eq!(amount_value(5), "0.05");
        assert_eq!(parse_amount_value("1200.00"), Some(120000));
        assert_eq!(parse_amount_value("0.5"), Some(50));
        assert_eq!(parse_amount_value("1.005"), None);
        assert_eq!(parse_amount_value("-1"), None);
    }

    #[test]
    fn notification_needs_an_id_and_a_payment_event() {
        let n = parse_notification(notification_body("payment.succeeded", "abc-1").as_bytes());
        assert_eq!(n.unwrap().payment_id, "abc-1");
        assert!(parse_notification(b"{}").is_none());
        assert!(parse_notification(b"not json").is_none());
        assert!(
            parse_notification(notification_body("payment.succeeded", "../x").as_bytes()).is_none()
        );
    }
}
