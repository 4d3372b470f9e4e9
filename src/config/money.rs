//! `[payments]`, `[payments.yookassa]` and `[smtp]`.
use serde::Deserialize;

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
    /// Whether the config file names `provider` (with `--no-demo` it must; see
    /// `Config::check_production`).
    #[serde(skip)]
    pub provider_explicit: bool,
    /// With `--no-demo` the sandbox gateway (no real money) runs only when this says so; then
    /// every page carries the «Тестовый режим оплаты» banner.
    pub sandbox_in_production: bool,
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
    /// Express payments (without a login) started per IP per hour, and per contract per hour.
    /// One lookup starts at most one payment.
    pub express_payments_per_ip_per_hour: u32,
    pub express_payments_per_contract_per_hour: u32,
    /// Express payments pending (started in the last 24 hours, not yet paid or canceled) on
    /// the whole site; beyond it new ones wait.
    pub express_pending_max: u32,
    /// Sandbox only: charges of a saved card are declined (to try the decline path).
    pub sandbox_decline_saved: bool,
    pub yookassa: YooKassa,
}

impl Default for Payments {
    fn default() -> Self {
        Payments {
            provider: ProviderKind::Sandbox,
            provider_explicit: false,
            sandbox_in_production: false,
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
            express_payments_per_ip_per_hour: 10,
            express_payments_per_contract_per_hour: 5,
            express_pending_max: 200,
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
