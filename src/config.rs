//! Configuration: a TOML file (all keys optional) plus CLI flags / `KABINET_*` env vars.
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub branding: Branding,
    /// IANA time zone used to show dates, e.g. "Asia/Yekaterinburg".
    pub time_zone: String,
    pub cookies: Cookies,
    pub sessions: Sessions,
    pub security: Security,
    pub limits: Limits,
    pub apps: AppLinks,
    pub uploads: Uploads,
    pub chat: Chat,
    pub support_hours: SupportHours,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            branding: Branding::default(),
            time_zone: "Europe/Moscow".into(),
            cookies: Cookies::default(),
            sessions: Sessions::default(),
            security: Security::default(),
            limits: Limits::default(),
            apps: AppLinks::default(),
            uploads: Uploads::default(),
            chat: Chat::default(),
            support_hours: SupportHours::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Branding {
    /// Operator name shown in the header and page titles.
    pub name: String,
    pub slogan: String,
    /// Optional path to a logo file (SVG/PNG) served at /branding/logo.
    pub logo: Option<String>,
    /// Main brand colour, a CSS hex colour like "#5b2a86".
    pub primary_color: String,
    pub support_phone: Option<String>,
    pub currency_symbol: String,
}

impl Default for Branding {
    fn default() -> Self {
        Branding {
            name: "Демо-Телеком".into(),
            slogan: "связь для вашего бизнеса".into(),
            logo: None,
            primary_color: "#5b2a86".into(),
            support_phone: Some("8 800 000-00-00".into()),
            currency_symbol: "₽".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Secure when the request arrived over TLS (or `X-Forwarded-Proto: https` from a trusted proxy).
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Cookies {
    pub secure: SecureCookies,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sessions {
    /// A session unused for this many days ends.
    pub idle_timeout_days: u32,
    /// A session ends this many days after login, however active.
    pub absolute_max_days: u32,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            idle_timeout_days: 30,
            absolute_max_days: 90,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` (only behind your own reverse proxy).
    pub trust_proxy_headers: bool,
    /// 64 hex chars; the key for CSRF tokens. Generated and kept in the database when absent.
    pub csrf_key: Option<String>,
    /// Origins allowed to open chat WebSockets, e.g. ["https://lk.example.ru"]. Empty (the
    /// default): only the origin whose host equals the request's `Host` header.
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Login attempts per IP address per minute.
    pub login_per_ip_per_minute: u32,
    /// Login attempts per contract number in a burst; one more is allowed every `login_contract_refill_seconds`.
    pub login_per_contract_burst: u32,
    pub login_contract_refill_seconds: u64,
    /// Password hashing threads (argon2 uses ~19 MiB each).
    pub password_workers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_ip_per_minute: 20,
            login_per_contract_burst: 5,
            login_contract_refill_seconds: 120,
            password_workers: 2,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AppLinks {
    pub google_play: Option<String>,
    pub app_store: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Uploads {
    /// Where uploaded scans are kept (outside any web root). Default: `uploads/` next to the database.
    pub dir: Option<std::path::PathBuf>,
    /// Largest accepted file, in megabytes.
    pub max_mb: u32,
}

impl Default for Uploads {
    fn default() -> Self {
        Uploads {
            dir: None,
            max_mb: 10,
        }
    }
}

impl Uploads {
    pub fn max_bytes(&self) -> u64 {
        u64::from(self.max_mb) * 1024 * 1024
    }
    /// The directory (resolved at start-up by `build_state`).
    pub fn dir(&self) -> std::path::PathBuf {
        self.dir.clone().unwrap_or_else(|| "uploads".into())
    }
}

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

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("config: {0}")]
    Invalid(String),
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let cfg = match path {
            None => Config::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                Self::parse(&text).map_err(|e| match e {
                    ConfigError::Parse { source, .. } => ConfigError::Parse {
                        path: p.display().to_string(),
                        source,
                    },
                    other => other,
                })?
            }
        };
        Ok(cfg)
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: String::new(),
            source: Box::new(e),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        jiff::tz::TimeZone::get(&self.time_zone)
            .map_err(|e| ConfigError::Invalid(format!("time_zone {:?}: {e}", self.time_zone)))?;
        let c = &self.branding.primary_color;
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !ok {
            return Err(ConfigError::Invalid(format!(
                "branding.primary_color must look like \"#5b2a86\", got {c:?}"
            )));
        }
        if let Some(k) = &self.security.csrf_key {
            if hex::decode(k).map(|b| b.len()) != Ok(32) {
                return Err(ConfigError::Invalid(
                    "security.csrf_key must be 64 hex characters".into(),
                ));
            }
        }
        if self.limits.password_workers == 0
            || self.limits.login_per_ip_per_minute == 0
            || self.limits.login_per_contract_burst == 0
        {
            return Err(ConfigError::Invalid("limits must be positive".into()));
        }
        if !(1..=100).contains(&self.uploads.max_mb) {
            return Err(ConfigError::Invalid(
                "uploads.max_mb must be between 1 and 100".into(),
            ));
        }
        if self.sessions.idle_timeout_days == 0
            || self.sessions.absolute_max_days < self.sessions.idle_timeout_days
        {
            return Err(ConfigError::Invalid(
                "sessions: idle_timeout_days must be > 0 and not above absolute_max_days".into(),
            ));
        }
        let sh = &self.support_hours;
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
        let ch = &self.chat;
        if ch.max_message_bytes < 64
            || ch.rate_burst == 0
            || ch.rate_refill_ms == 0
            || ch.ping_interval_secs == 0
            || ch.idle_timeout_secs <= ch.ping_interval_secs
            || ch.outbound_queue == 0
            || ch.write_timeout_secs == 0
        {
            return Err(ConfigError::Invalid(
                "chat: limits must be positive and idle_timeout_secs above ping_interval_secs"
                    .into(),
            ));
        }
        Ok(())
    }
}
