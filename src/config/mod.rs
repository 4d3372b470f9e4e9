//! Configuration: a TOML file (all keys optional) plus CLI flags / `KABINET_*` env vars.
use serde::Deserialize;
use std::path::Path;

mod documents;
mod lines;
mod money;
mod notify;
mod outbound;
mod passkeys;
mod server;
mod sms;
pub use documents::*;
pub use money::*;
pub use notify::{Notify, Push};
pub use outbound::Outbound;
pub use passkeys::*;
pub use server::Server;
pub use sms::*;

mod chat;
pub use chat::{hhmm, Chat, SupportHours};

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
    pub referral: Referral,
    pub join: Join,
    pub sales: Sales,
    pub uploads: Uploads,
    pub payments: Payments,
    pub smtp: Smtp,
    pub sms: Sms,
    pub passkeys: Passkeys,
    pub chat: Chat,
    pub support_hours: SupportHours,
    pub cache: Cache,
    pub server: Server,
    pub documents: Documents,
    pub notify: Notify,
    pub outbound: Outbound,
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
            referral: Referral::default(),
            join: Join::default(),
            sales: Sales::default(),
            uploads: Uploads::default(),
            payments: Payments::default(),
            smtp: Smtp::default(),
            sms: Sms::default(),
            passkeys: Passkeys::default(),
            chat: Chat::default(),
            support_hours: SupportHours::default(),
            cache: Cache::default(),
            server: Server::default(),
            documents: Documents::default(),
            notify: Notify::default(),
            outbound: Outbound::default(),
        }
    }
}

/// The in-memory read caches (checked sessions, rendered subscriber screens; see `db::fresh`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cache {
    /// Longest time a cached read is served, in ms: the delay after which a write by another
    /// process (e.g. `sqlite3` on the file) shows. The app's own writes, and `kabinet import`,
    /// show at once, so this is only a backstop (a minute by default: each expiry re-renders
    /// a page nobody changed, 4 % of the CPU under the scale benchmark at 10 s).
    pub ttl_ms: u64,
    /// Memory for rendered pages of the subscriber screens, in MB (`0`: not cached).
    pub pages_mb: u32,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            ttl_ms: 60_000,
            pages_mb: 32,
        }
    }
}

impl Cache {
    pub fn ttl(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.ttl_ms)
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
    /// Keep the session cookie after the browser closes (for `absolute_max_days`). Off by
    /// default: the cookie ends with the browser.
    pub persistent_cookie: bool,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            idle_timeout_days: 7,
            absolute_max_days: 30,
            persistent_cookie: false,
        }
    }
}

impl Sessions {
    /// How long the session cookie is kept: None — until the browser closes.
    pub fn cookie_days(&self) -> Option<u32> {
        self.persistent_cookie.then_some(self.absolute_max_days)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` (only behind your own reverse proxy).
    pub trust_proxy_headers: bool,
    /// 64 hex chars; the key for CSRF tokens. Generated and kept in the database when absent.
    pub csrf_key: Option<String>,
    /// Origins allowed to open chat WebSockets, e.g. ["https://lk.example.ru"]. Empty (the
    /// default): only the origin whose host equals the request's `Host` header.
    pub allowed_origins: Vec<String>,
    /// Bearer token for `GET /metrics` (Prometheus). Without it, metrics answer only direct
    /// requests from this machine (loopback, no proxy headers), and not at all when
    /// `trust_proxy_headers` is on.
    pub metrics_token: Option<String>,
    /// With `trust_proxy_headers`: addresses or CIDR ranges of your proxies. The client is the
    /// rightmost `X-Forwarded-For` hop not in this list. Empty: only the direct peer is trusted
    /// (the rightmost hop is the client).
    pub trusted_proxies: Vec<String>,
    /// Send `Strict-Transport-Security` on responses that came over TLS.
    pub hsts: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            trust_proxy_headers: false,
            csrf_key: None,
            allowed_origins: Vec::new(),
            metrics_token: None,
            trusted_proxies: Vec::new(),
            hsts: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Login attempts per IP address per minute.
    pub login_per_ip_per_minute: u32,
    /// Failed logins to one login (contract number, staff login) from one IP address, or from
    /// one browser that logged in there before, in a burst; one more is allowed every
    /// `login_contract_refill_seconds`. Correct passwords spend nothing. (Also the burst of
    /// second-factor codes per account.)
    pub login_per_contract_burst: u32,
    pub login_contract_refill_seconds: u64,
    /// Failed logins to one login from all IP addresses together in a burst; one more every
    /// `login_failures_all_ips_refill_seconds`. Past it (guessing from many addresses), an
    /// address with no failures of its own on that login is let in after
    /// `login_new_ip_delay_seconds`; an address that failed waits for its own budget.
    pub login_failures_all_ips_burst: u32,
    pub login_failures_all_ips_refill_seconds: u64,
    pub login_new_ip_delay_seconds: u64,
    /// Password hashing threads (argon2 uses ~19 MiB each).
    pub password_workers: usize,
    /// «Стать абонентом» form submissions accepted per IP address per hour (all forms together).
    pub applications_per_ip_per_hour: u32,
    /// Failed billing-API authentications per IP address per minute before it gets 429.
    pub api_auth_failures_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_ip_per_minute: 20,
            login_per_contract_burst: 5,
            login_contract_refill_seconds: 120,
            login_failures_all_ips_burst: 20,
            login_failures_all_ips_refill_seconds: 30,
            login_new_ip_delay_seconds: 10,
            password_workers: 1,
            applications_per_ip_per_hour: 10,
            api_auth_failures_per_minute: 10,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AppLinks {
    pub google_play: Option<String>,
    pub app_store: Option<String>,
}

/// The referral programme («Приглашайте клиентов…») in the balance block.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Referral {
    pub enabled: bool,
    /// Public address of the portal used in personal links and QR codes, e.g.
    /// "https://my.example.ru". When empty, taken from the request (Host header).
    pub base_url: Option<String>,
    /// The short pitch under the earned bonus; by default the guide's text with the operator's name.
    pub pitch: Option<String>,
    /// «Подробнее об акции»: the programme's terms (paragraphs separated by blank lines).
    pub terms_text: String,
    /// Optional link to the full terms document.
    pub terms_url: Option<String>,
}

impl Default for Referral {
    fn default() -> Self {
        Referral {
            enabled: true,
            base_url: None,
            pitch: None,
            terms_text: "Бонус начисляется за каждого нового клиента — юридическое лицо или ИП, который оставил заявку по Вашей персональной ссылке и подключился в течение 60 дней.\n\nРазмер бонуса — 5 060 рублей за клиента. Бонусы за месяц перечисляются на расчетный счет, указанный в договоре, до 10 числа следующего месяца.\n\nНе начисляется за подключение по адресам, где уже есть действующий договор, и за переоформление существующих договоров.".into(),
            terms_url: None,
        }
    }
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

/// «Стать абонентом»: application forms and the self-connect wizard.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Join {
    /// Link «оферты» in the consent checkbox.
    pub offer_url: Option<String>,
    /// Link «обработкой персональных данных» in the consent checkbox.
    pub privacy_url: Option<String>,
    /// Version of the consent text, stored with every application; change it when the text changes.
    pub consent_version: String,
    /// How many weeks ahead the wizard offers connection dates.
    pub wizard_weeks: u32,
}

impl Default for Join {
    fn default() -> Self {
        Join {
            offer_url: None,
            privacy_url: None,
            consent_version: "2026-01".into(),
            wizard_weeks: 3,
        }
    }
}

/// The sales desk: where new applications are announced.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Sales {
    /// E-mail address that gets a notification for each new application (queued in the outbox).
    pub email: Option<String>,
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
    #[error("config file {path}, line {line}: {message}")]
    At {
        path: String,
        line: usize,
        message: String,
    },
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
                    // A bad value: name the line of its key in the file.
                    ConfigError::Invalid(message) => {
                        match lines::line_of(&text, lines::key_of(&message)) {
                            Some(line) => ConfigError::At {
                                path: p.display().to_string(),
                                line,
                                message,
                            },
                            None => ConfigError::Invalid(message),
                        }
                    }
                    other => other,
                })?
            }
        };
        Ok(cfg)
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: String::new(),
            source: Box::new(e),
        })?;
        cfg.payments.provider_explicit = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("payments")?.get("provider").cloned())
            .is_some();
        cfg.validate()?;
        Ok(cfg)
    }

    /// What a production start (`--no-demo`) needs beyond [`Config::validate`]: a payment
    /// provider chosen on purpose, so a forgotten setting never leaves the card-less sandbox
    /// gateway taking «payments».
    pub fn check_production(&self) -> Result<(), ConfigError> {
        if !self.payments.provider_explicit {
            return Err(ConfigError::Invalid(
                "payments.provider is not set: with --no-demo choose the payment provider \
                 explicitly in the config file ([payments] provider = \"yookassa\" for real \
                 payments, or provider = \"sandbox\" for a test install whose payments are not \
                 real money)"
                    .into(),
            ));
        }
        if self.payments.provider == ProviderKind::Sandbox && !self.payments.sandbox_in_production {
            return Err(ConfigError::Invalid(
                "payments.provider = \"sandbox\" takes no real money: with --no-demo it also needs \
                 payments.sandbox_in_production = true (a test install; every page then says \
                 «Тестовый режим оплаты»), or provider = \"yookassa\" for real payments"
                    .into(),
            ));
        }
        Ok(())
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
            || self.limits.login_failures_all_ips_burst == 0
            || self.limits.login_new_ip_delay_seconds == 0
            || self.limits.applications_per_ip_per_hour == 0
            || self.limits.api_auth_failures_per_minute == 0
        {
            return Err(ConfigError::Invalid("limits must be positive".into()));
        }
        if self.join.wizard_weeks == 0 || self.join.wizard_weeks > 12 {
            return Err(ConfigError::Invalid(
                "join.wizard_weeks must be 1..=12".into(),
            ));
        }
        if !(1..=100).contains(&self.uploads.max_mb) {
            return Err(ConfigError::Invalid(
                "uploads.max_mb must be between 1 and 100".into(),
            ));
        }
        self.sms.validate()?;
        self.server.validate()?;
        for p in &self.security.trusted_proxies {
            if crate::domain::ip::Cidr::parse(p).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "security.trusted_proxies: {p:?} is not an IP address or CIDR range"
                )));
            }
        }
        self.chat.validate()?;
        self.support_hours.validate()?;
        self.documents.validate()?;
        self.notify.validate()?;
        self.outbound.validate()?;
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
            || p.express_payments_per_ip_per_hour == 0
            || p.express_payments_per_contract_per_hour == 0
            || p.express_pending_max == 0
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
