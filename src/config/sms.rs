//! `[sms]`: login codes by SMS.
use serde::Deserialize;

use super::ConfigError;
use crate::domain::outbox::SendCaps;

/// SMS for login codes. Without `url` messages stay in the outbox table (and the log, masked).
/// With `url` they go to an SMS.ru-style HTTP gateway: `GET url?api_id=KEY&to=PHONE&msg=TEXT&from=SENDER&json=1`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sms {
    pub url: Option<String>,
    pub api_key: Option<String>,
    pub sender: Option<String>,
    /// Codes sent to one phone number in a burst; one more every `phone_refill_seconds`.
    pub per_phone_burst: u32,
    pub phone_refill_seconds: u64,
    /// Codes requested from one IP address per hour.
    pub per_ip_per_hour: u32,
    /// All codes sent in a day (protects the SMS budget).
    pub daily_total: u32,
}

impl Default for Sms {
    fn default() -> Self {
        Sms {
            url: None,
            api_key: None,
            sender: None,
            per_phone_burst: 3,
            phone_refill_seconds: 300,
            per_ip_per_hour: 10,
            daily_total: 500,
        }
    }
}

impl Sms {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.per_phone_burst == 0
            || self.phone_refill_seconds == 0
            || self.per_ip_per_hour == 0
            || self.daily_total == 0
        {
            return Err(ConfigError::Invalid("sms limits must be positive".into()));
        }
        if let Some(u) = &self.url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(ConfigError::Invalid(
                    "sms.url must start with https:// or http://".into(),
                ));
            }
            if self.api_key.as_deref().unwrap_or("").is_empty() {
                return Err(ConfigError::Invalid("sms.url needs sms.api_key".into()));
            }
        }
        Ok(())
    }
}

impl Sms {
    /// The send limits kept in the database (see `db::phone_login`).
    pub fn send_caps(&self) -> SendCaps {
        SendCaps {
            per_phone: i64::from(self.per_phone_burst),
            phone_window: i64::from(self.per_phone_burst) * self.phone_refill_seconds as i64,
            daily_total: i64::from(self.daily_total),
        }
    }
}
