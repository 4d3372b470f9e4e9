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
    pub payments: Payments,
    pub smtp: Smtp,
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
            payments: Payments::default(),
            smtp: Smtp::default(),
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

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Built-in test gateway with its own checkout page (demo, tests).
    #[default]
    Sandbox,
    /// YooKassa's public HTTP API.
    Yookassa,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Payments {
    pub provider: ProviderKind,
    /// Smallest and largest single payment, in kopecks.
    pub min_amount_kop: i64,
    pub max_amount_kop: i64,
    /// Public base URL of this site (e.g. "https://lk.example.ru") for the gateway's return links;
    /// taken from the request's Host when absent.
    pub public_url: Option<String>,
    /// Line item text on the fiscal receipt.
    pub receipt_item: String,
    /// Link to the autopay terms («условиями»).
    pub autopay_terms_url: Option<String>,
    /// Background jobs run this often (pending re-check, autopay, e-mail).
    pub job_interval_secs: u64,
    /// A payment pending this long is asked about at the provider.
    pub recheck_after_secs: i64,
    /// After a declined autopay charge, wait this long before the next try.
    pub autopay_retry_secs: i64,
    /// Autopay turns itself off after this many declines in a row.
    pub autopay_max_declines: i64,
    /// Express payment lookups per IP per minute, and for the whole site per minute.
    pub express_per_ip_per_minute: u32,
    pub express_global_per_minute: u32,
    /// Sandbox only: charges of a saved card are declined (to try the decline path).
    pub sandbox_decline_saved: bool,
    pub yookassa: YooKassa,
}

impl Default for Payments {
    fn default() -> Self {
        Payments {
            provider: ProviderKind::Sandbox,
            min_amount_kop: 100,
            max_amount_kop: 50_000_000,
            public_url: None,
            receipt_item: "Оплата услуг связи".into(),
            autopay_terms_url: None,
            job_interval_secs: 60,
            recheck_after_secs: 120,
            autopay_retry_secs: 86_400,
            autopay_max_declines: 3,
            express_per_ip_per_minute: 10,
            express_global_per_minute: 300,
            sandbox_decline_saved: false,
            yookassa: YooKassa::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YooKassa {
    pub shop_id: String,
    pub secret_key: String,
    pub api_url: String,
    /// VAT code of the receipt line (1 = без НДС).
    pub vat_code: u8,
    pub timeout_secs: u64,
}

impl Default for YooKassa {
    fn default() -> Self {
        YooKassa {
            shop_id: String::new(),
            secret_key: String::new(),
            api_url: "https://api.yookassa.ru/v3".into(),
            vat_code: 1,
            timeout_secs: 15,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain text (only for a relay on localhost).
    None,
}

/// Outgoing e-mail. Without `host` messages stay in the outbox table and are logged.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Smtp {
    pub host: Option<String>,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

impl Default for Smtp {
    fn default() -> Self {
        Smtp {
            host: None,
            port: 587,
            tls: SmtpTls::Starttls,
            username: None,
            password: None,
            from: "kabinet <noreply@localhost>".into(),
        }
    }
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
        if self.sessions.idle_timeout_days == 0
            || self.sessions.absolute_max_days < self.sessions.idle_timeout_days
        {
            return Err(ConfigError::Invalid(
                "sessions: idle_timeout_days must be > 0 and not above absolute_max_days".into(),
            ));
        }
        let p = &self.payments;
        if p.min_amount_kop <= 0 || p.max_amount_kop < p.min_amount_kop {
            return Err(ConfigError::Invalid(
                "payments: min_amount_kop must be > 0 and not above max_amount_kop".into(),
            ));
        }
        if p.job_interval_secs == 0
            || p.autopay_max_declines <= 0
            || p.express_per_ip_per_minute == 0
            || p.express_global_per_minute == 0
        {
            return Err(ConfigError::Invalid(
                "payments: intervals and limits must be positive".into(),
            ));
        }
        if p.provider == ProviderKind::Yookassa
            && (p.yookassa.shop_id.is_empty() || p.yookassa.secret_key.is_empty())
        {
            return Err(ConfigError::Invalid(
                "payments.yookassa: shop_id and secret_key are required for provider = \"yookassa\"".into(),
            ));
        }
        if self.smtp.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "smtp.from is not an e-mail address: {:?}",
                self.smtp.from
            )));
        }
        Ok(())
    }
}
