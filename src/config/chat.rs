//! Chat settings in the config file: `[chat]` limits and `[support_hours]`.
use serde::Deserialize;

use super::ConfigError;

/// Live chat limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chat {
    /// Largest chat frame accepted, bytes (above it the socket closes with 1009).
    pub max_message_bytes: usize,
    /// Frames a connection may send in a burst; one more every `refill_ms`.
    pub rate_burst: u32,
    pub rate_refill_ms: u64,
    /// The server pings this often; a connection silent for `idle_timeout_secs` is closed.
    pub ping_interval_secs: u64,
    pub idle_timeout_secs: u64,
    /// Messages queued for one connection; a client that falls further behind is dropped.
    pub outbound_queue: usize,
    /// A write to a client that takes longer than this drops the client.
    pub write_timeout_secs: u64,
    /// Messages sent on connect when the client has no history yet.
    pub history_limit: i64,
    /// Chat sockets one session (one browser) may hold open at once; more are refused (429).
    pub max_sockets_per_session: usize,
    /// Chat sockets one account may hold open at once over all its sessions (browsers); more
    /// are refused (429).
    pub max_sockets_per_account: usize,
    /// Messages one account may send per minute over all its sockets (a burst of `rate_burst`).
    pub account_messages_per_minute: u32,
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            max_message_bytes: 4096,
            rate_burst: 20,
            rate_refill_ms: 500,
            ping_interval_secs: 25,
            idle_timeout_secs: 75,
            outbound_queue: 64,
            write_timeout_secs: 10,
            history_limit: 200,
            max_sockets_per_session: 8,
            max_sockets_per_account: 16,
            account_messages_per_minute: 60,
        }
    }
}

/// Support working hours (in `time_zone`), for the chat's auto-reply outside them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupportHours {
    /// ISO weekdays staff work (1 = Monday … 7 = Sunday).
    pub days: Vec<u8>,
    /// "HH:MM" local time.
    pub opens: String,
    pub closes: String,
    /// Whether to auto-reply outside working hours.
    pub auto_reply: bool,
}

impl Default for SupportHours {
    fn default() -> Self {
        SupportHours {
            days: vec![1, 2, 3, 4, 5],
            opens: "09:00".into(),
            closes: "18:00".into(),
            auto_reply: true,
        }
    }
}

/// "HH:MM" → minutes after midnight.
pub fn hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && m.to_string().len() <= 2).then_some(h * 60 + m)
}

impl Chat {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_message_bytes < 64
            || self.rate_burst == 0
            || self.rate_refill_ms == 0
            || self.ping_interval_secs == 0
            || self.idle_timeout_secs <= self.ping_interval_secs
            || self.outbound_queue == 0
            || self.write_timeout_secs == 0
            || self.max_sockets_per_session == 0
            || self.max_sockets_per_account == 0
            || self.account_messages_per_minute == 0
        {
            return Err(ConfigError::Invalid(
                "chat: limits must be positive and idle_timeout_secs above ping_interval_secs"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl SupportHours {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let sh = self;
        match (hhmm(&sh.opens), hhmm(&sh.closes)) {
            (Some(o), Some(c)) if o < c => {}
            _ => {
                return Err(ConfigError::Invalid(
                    "support_hours: opens/closes must be \"HH:MM\" with opens before closes".into(),
                ))
            }
        }
        if sh.days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(ConfigError::Invalid(
                "support_hours.days are ISO weekdays 1..7".into(),
            ));
        }
        Ok(())
    }
}
