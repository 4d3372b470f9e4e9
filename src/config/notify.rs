//! `[notify]`: notifications (e-mail, SMS, Web Push), quiet hours, the daily cap.
use serde::Deserialize;

use super::{hhmm, ConfigError};
use crate::domain::notify::QuietHours;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Notify {
    /// Public address of the portal for links in notices (unsubscribe, the request), e.g.
    /// "https://lk.example.ru". Default: `payments.public_url`, then `referral.base_url`.
    pub public_url: Option<String>,
    /// No SMS between these local times ("22:00"–"08:00"); an SMS waits until the window ends.
    /// Equal times: no quiet hours.
    pub sms_quiet_from: String,
    pub sms_quiet_to: String,
    /// Events announced per contract in 24 hours (staff broadcasts excepted); later ones are
    /// recorded but not sent.
    pub daily_cap_per_contract: u32,
    /// «Баланс меньше следующего списания» is sent this many days before the charge.
    pub low_balance_days: u32,
    /// Seconds between runs of the delivery job.
    pub job_interval_secs: u64,
    /// Notices handed to the senders per channel and run.
    pub batch: u32,
    pub push: Push,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            public_url: None,
            sms_quiet_from: "22:00".into(),
            sms_quiet_to: "08:00".into(),
            daily_cap_per_contract: 10,
            low_balance_days: 3,
            job_interval_secs: 5,
            batch: 500,
            push: Push::default(),
        }
    }
}

/// Web Push (VAPID). The key pair is generated at first start and kept in the database
/// unless `vapid_private_key` is given.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Push {
    pub enabled: bool,
    /// The VAPID contact (`mailto:` or `https:`); default `mailto:` + `smtp.from`'s address.
    pub subject: Option<String>,
    /// 64 hex characters: the P-256 private key (a raw scalar).
    pub vapid_private_key: Option<String>,
    /// Push services a browser's subscription may point at (a host or its parent domain).
    /// The defaults are the services of Chrome/Edge/Android, Firefox, Safari and Windows.
    pub allowed_hosts: Vec<String>,
    /// Accept `http://` endpoints. Only for a local test push service, whose host must also
    /// be listed in `outbound.insecure_hosts`.
    pub allow_http: bool,
    /// Seconds a push service keeps an undelivered message (TTL header).
    pub ttl_secs: u32,
    /// Longest time one delivery may take, in seconds: a push service that hangs costs this
    /// much and delays no other notice.
    pub timeout_secs: u64,
    /// Deliveries in flight at once.
    pub parallel: u32,
}

impl Default for Push {
    fn default() -> Self {
        Push {
            enabled: true,
            subject: None,
            vapid_private_key: None,
            allowed_hosts: [
                "fcm.googleapis.com",
                "push.services.mozilla.com",
                "push.apple.com",
                "notify.windows.com",
            ]
            .map(String::from)
            .to_vec(),
            allow_http: false,
            ttl_secs: 24 * 3600,
            timeout_secs: 10,
            parallel: 8,
        }
    }
}

impl Notify {
    pub fn quiet_hours(&self) -> QuietHours {
        QuietHours {
            from: hhmm(&self.sms_quiet_from).unwrap_or(0),
            to: hhmm(&self.sms_quiet_to).unwrap_or(0),
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (k, v) in [
            ("notify.sms_quiet_from", &self.sms_quiet_from),
            ("notify.sms_quiet_to", &self.sms_quiet_to),
        ] {
            if hhmm(v).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "{k} must look like \"22:00\", got {v:?}"
                )));
            }
        }
        if self.daily_cap_per_contract == 0 || self.job_interval_secs == 0 || self.batch == 0 {
            return Err(ConfigError::Invalid(
                "notify: daily_cap_per_contract, job_interval_secs and batch must be positive"
                    .into(),
            ));
        }
        if self.push.timeout_secs == 0 || !(1..=64).contains(&self.push.parallel) {
            return Err(ConfigError::Invalid(
                "notify.push: timeout_secs must be positive and parallel 1..=64".into(),
            ));
        }
        if self.low_balance_days > 31 {
            return Err(ConfigError::Invalid(
                "notify.low_balance_days must be 0..=31".into(),
            ));
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(ConfigError::Invalid(
                    "notify.public_url must start with https:// or http://".into(),
                ));
            }
        }
        if let Some(k) = &self.push.vapid_private_key {
            if hex::decode(k).map(|b| b.len()) != Ok(32) {
                return Err(ConfigError::Invalid(
                    "notify.push.vapid_private_key must be 64 hex characters".into(),
                ));
            }
        }
        if let Some(s) = &self.push.subject {
            if !(s.starts_with("mailto:") || s.starts_with("https://")) {
                return Err(ConfigError::Invalid(
                    "notify.push.subject must start with mailto: or https://".into(),
                ));
            }
        }
        Ok(())
    }
}
