//! `[documents]`: closing documents, «Акт сверки», invoices, the operator's requisites.
use serde::Deserialize;

use super::ConfigError;
use crate::domain::documents::{Closing, Vat};

/// Where documents come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DocumentsMode {
    /// kabinet issues closing documents, «Акт сверки» and invoices itself.
    Generate,
    /// Only documents uploaded by the billing system (`POST /api/v1/documents`).
    Receive,
    /// Both.
    #[default]
    Both,
}

impl DocumentsMode {
    pub fn generates(self) -> bool {
        matches!(self, DocumentsMode::Generate | DocumentsMode::Both)
    }
    pub fn receives(self) -> bool {
        matches!(self, DocumentsMode::Receive | DocumentsMode::Both)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Documents {
    pub mode: DocumentsMode,
    /// `"act"` — «Акт оказанных услуг», `"upd"` — УПД.
    pub closing: Closing,
    /// `"none"` (Без НДС (УСН)) or a rate in percent, e.g. `"20"`.
    pub vat: String,
    /// First month the closing job issues for (`"2026-01"`); default: the month before its
    /// first run.
    pub closing_since: Option<String>,
    /// Seconds between runs of the closing job (it issues only what is due).
    pub job_interval_secs: u64,
    /// Largest PDF the billing API accepts, in megabytes.
    pub max_upload_mb: u32,
    /// «Счёт действителен в течение … дней».
    pub invoice_valid_days: u32,
    /// Unit of a service line («усл.»).
    pub unit: String,
    /// Documents (invoices, «Акт сверки») one person, and one contract, may have issued per
    /// minute and per day; the same «Акт сверки» asked again is not counted.
    pub issue_per_minute: u32,
    pub issue_per_day: u32,
    /// Documents all subscribers together may have issued per minute.
    pub issue_site_per_minute: u32,
    /// No new document (generated or received) is stored while the database's folder has
    /// less free space than this, in MiB (0: no check).
    pub min_free_disk_mb: u64,
    pub operator: OperatorRequisites,
    /// Set at start (never read from a file): the database holds the demo data set, so the
    /// demo requisites may stand on its documents. Outside demo mode documents with the demo
    /// requisites are never issued (see [`OperatorRequisites::is_demo`]).
    #[doc(hidden)]
    #[serde(skip)]
    pub demo_data: bool,
    /// Tests only (never read from a file): called just before a generated document's PDF
    /// renders, with the contract id and the number it gets.
    #[doc(hidden)]
    #[serde(skip)]
    pub render_hook: RenderHook,
}

/// A test's probe into issuing: runs where the PDF renders (see `Documents::render_hook`).
#[derive(Clone, Default)]
pub struct RenderHook(pub Option<std::sync::Arc<RenderProbe>>);

/// Called with the contract id and the number being rendered.
pub type RenderProbe = dyn Fn(i64, &str) + Send + Sync;

impl RenderHook {
    pub fn call(&self, contract_id: i64, number: &str) {
        if let Some(f) = &self.0 {
            f(contract_id, number);
        }
    }
}

impl std::fmt::Debug for RenderHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "RenderHook(set)"
        } else {
            "RenderHook(none)"
        })
    }
}

impl Default for Documents {
    fn default() -> Self {
        Documents {
            mode: DocumentsMode::Both,
            closing: Closing::Act,
            vat: "none".into(),
            closing_since: None,
            job_interval_secs: 3600,
            max_upload_mb: 10,
            invoice_valid_days: 5,
            unit: "усл.".into(),
            issue_per_minute: 10,
            issue_per_day: 100,
            issue_site_per_minute: 120,
            min_free_disk_mb: 256,
            operator: OperatorRequisites::default(),
            render_hook: RenderHook::default(),
            demo_data: false,
        }
    }
}

/// The operator as it appears on its documents.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorRequisites {
    pub legal_name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub address: String,
    pub phone: String,
    pub bank: String,
    pub bic: String,
    /// Расчётный счёт (20 digits).
    pub account: String,
    /// Корреспондентский счёт (20 digits).
    pub corr_account: String,
    /// «Генеральный директор».
    pub signatory_title: String,
    /// «Иванов И. И.»
    pub signatory: String,
    pub accountant: String,
}

impl Default for OperatorRequisites {
    fn default() -> Self {
        OperatorRequisites {
            legal_name: "ООО «Демо-Телеком»".into(),
            inn: "0274000000".into(),
            kpp: "027401001".into(),
            ogrn: "1020200000000".into(),
            address: "450000, Республика Башкортостан, г. Уфа, ул. Ленина, д. 1".into(),
            phone: "8 800 000-00-00".into(),
            bank: "ПАО «Демо-Банк», г. Уфа".into(),
            bic: "048073601".into(),
            account: "40702810900000000001".into(),
            corr_account: "30101810300000000601".into(),
            signatory_title: "Генеральный директор".into(),
            signatory: "Петров П. П.".into(),
            accountant: "Сидорова С. С.".into(),
        }
    }
}

impl OperatorRequisites {
    /// Still the demo company's requisites (its name, INN or account): the operator has not
    /// set its own in `[documents.operator]`.
    pub fn is_demo(&self) -> bool {
        let d = OperatorRequisites::default();
        self.legal_name == d.legal_name || self.inn == d.inn || self.account == d.account
    }
}

/// Why nothing is issued while the requisites are the demo company's.
pub const DEMO_REQUISITES: &str = "Документы не выпускаются: оператор ещё не указал свои реквизиты (раздел [documents.operator] конфигурации)";

impl Documents {
    /// Documents may be issued: the operator's own requisites are set, or this is the demo.
    pub fn requisites_ready(&self) -> bool {
        self.demo_data || !self.operator.is_demo()
    }

    pub fn vat(&self) -> Vat {
        Vat::parse(&self.vat).unwrap_or(Vat::None)
    }
    pub fn max_upload_bytes(&self) -> usize {
        self.max_upload_mb as usize * 1024 * 1024
    }
    /// The largest request body of a document upload: the file in base64 (a third larger)
    /// and the small JSON around it. The billing API's other routes keep `server.max_api_kb`.
    pub fn max_upload_body_bytes(&self) -> usize {
        self.max_upload_bytes().div_ceil(3) * 4 + 64 * 1024
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(format!("documents.{m}")));
        if Vat::parse(&self.vat).is_none() {
            return bad("vat must be \"none\" or a percent 0..=30, e.g. \"20\"");
        }
        if let Some(s) = &self.closing_since {
            if crate::domain::documents::parse_month(s).is_none() {
                return bad("closing_since must look like \"2026-01\"");
            }
        }
        if self.job_interval_secs == 0 || !(1..=50).contains(&self.max_upload_mb) {
            return bad("job_interval_secs must be > 0 and max_upload_mb 1..=50");
        }
        if self.issue_per_minute == 0 || self.issue_per_day == 0 || self.issue_site_per_minute == 0
        {
            return bad("issue_per_minute, issue_per_day and issue_site_per_minute must be > 0");
        }
        let o = &self.operator;
        let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
        if !(digits(&o.inn, 10) || digits(&o.inn, 12)) {
            return bad("operator.inn must be 10 or 12 digits");
        }
        if !o.kpp.is_empty() && !digits(&o.kpp, 9) {
            return bad("operator.kpp must be 9 digits");
        }
        if !digits(&o.bic, 9) || !digits(&o.account, 20) || !digits(&o.corr_account, 20) {
            return bad("operator.bic must be 9 digits, account and corr_account 20 digits");
        }
        if o.legal_name.trim().is_empty() || o.bank.trim().is_empty() {
            return bad("operator.legal_name and operator.bank are required");
        }
        Ok(())
    }
}
