//! Contracts: how a typed contract number is read.

/// Normalises a typed contract number: trims, uppercases, drops inner spaces.
/// Returns None when it cannot be a contract number at all.
use super::states::{ContractStatus, Segment};

pub fn normalize_number(input: &str) -> Option<String> {
    let n: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let ok =
        (4..=20).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some(n)
}

#[derive(Debug, Clone)]
pub struct ContractSummary {
    pub id: i64,
    pub number: String,
    pub address: String,
    pub org_name: String,
    pub balance_kop: i64,
    pub recommended_kop: i64,
    pub status: ContractStatus,
    pub segment: Segment,
    /// Bumped by triggers when the contract's services or requests change (cache key).
    pub data_version: i64,
}
