//! A contract as the staff console shows it.
use super::{
    autopay::Autopay,
    contract::ContractSummary,
    request::RequestRow,
    services::Service,
    states::{ContractStatus, PaymentPurpose, PaymentStatus},
};

/// How many contracts a search lists.
pub const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Clone)]
pub struct Found {
    pub number: String,
    pub org_name: String,
    pub address: String,
    pub balance_kop: i64,
    pub status: ContractStatus,
}

#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub description: String,
    pub amount_kop: i64,
    pub occurred_at: i64,
}

#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub id: i64,
    pub purpose: PaymentPurpose,
    pub amount_kop: i64,
    pub status: PaymentStatus,
    pub provider: String,
    pub created_at: i64,
}

/// Who can open the contract: its own login, and phone accounts that added it.
#[derive(Debug, Clone)]
pub struct Holder {
    pub account_id: i64,
    /// Masked phone (`792*****249`), or None for the contract's own login.
    pub phone_masked: Option<String>,
    /// Its role on the contract (the own login is always «Владелец»).
    pub role: crate::domain::role::Role,
    pub note: String,
    pub added_at: i64,
    pub sessions: i64,
}

#[derive(Debug, Clone)]
pub struct Card {
    pub summary: ContractSummary,
    pub inn: Option<String>,
    pub services: Vec<Service>,
    pub requests: Vec<RequestRow>,
    pub ledger: Vec<LedgerLine>,
    pub payments: Vec<PaymentLine>,
    pub holders: Vec<Holder>,
    pub autopay: Option<Autopay>,
}
