//! Referral programme: the contract's code, earned bonus, invited clients and accruals.
pub use crate::domain::referral::{Accrual, Invitation};
use rusqlite::{Connection, OptionalExtension};

/// The contract's personal code (None when the operator has not issued one).
pub fn code(c: &Connection, contract_id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT referral_code FROM contracts WHERE id = ?1")?
        .query_row([contract_id], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// The contract that owns a personal code. Only well-formed codes are looked up.
pub fn contract_by_code(c: &Connection, code: &str) -> rusqlite::Result<Option<i64>> {
    if !plausible_code(code) {
        return Ok(None);
    }
    c.prepare_cached("SELECT id FROM contracts WHERE referral_code = ?1 AND status <> 'closed'")?
        .query_row([code], |r| r.get(0))
        .optional()
}

pub fn plausible_code(code: &str) -> bool {
    (6..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub fn earned_kop(c: &Connection, contract_id: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COALESCE(SUM(amount_kop), 0) FROM referral_accruals WHERE contract_id = ?1",
    )?
    .query_row([contract_id], |r| r.get(0))
}

pub fn accruals(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<Accrual>> {
    let mut st = c.prepare_cached(
        "SELECT amount_kop, description, created_at FROM referral_accruals
         WHERE contract_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 200",
    )?;
    let rows = st.query_map([contract_id], |r| {
        Ok(Accrual {
            amount_kop: r.get(0)?,
            description: r.get(1)?,
            created_at: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// Applications filed through the contract's link, newest first.
pub fn invitations(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<Invitation>> {
    let mut st = c.prepare_cached(
        "SELECT name, status, created_at FROM applications
         WHERE referrer_contract_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 200",
    )?;
    let rows = st.query_map([contract_id], |r| {
        Ok(Invitation {
            name: r.get(0)?,
            status: r.get(1)?,
            created_at: r.get(2)?,
        })
    })?;
    rows.collect()
}
