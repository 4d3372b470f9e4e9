//! Contract queries.
pub use crate::domain::contract::ContractSummary;
use rusqlite::{Connection, OptionalExtension, Row};

pub const SUMMARY_COLS: &str = "c.id, c.number, c.address, COALESCE(o.name, ''), c.balance_kop, \
     c.recommended_payment_kop, c.status, c.segment, c.data_version";

pub fn summary_from_row(r: &Row, base: usize) -> rusqlite::Result<ContractSummary> {
    Ok(ContractSummary {
        id: r.get(base)?,
        number: r.get(base + 1)?,
        address: r.get(base + 2)?,
        org_name: r.get(base + 3)?,
        balance_kop: r.get(base + 4)?,
        recommended_kop: r.get(base + 5)?,
        status: r.get(base + 6)?,
        segment: r.get(base + 7)?,
        data_version: r.get(base + 8)?,
    })
}

/// The stored password hash of a contract.
pub fn password_hash(c: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT password_hash FROM contracts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// (contract id, password hash) for login.
pub fn login_lookup(c: &Connection, number: &str) -> rusqlite::Result<Option<(i64, String)>> {
    c.prepare_cached(
        "SELECT id, password_hash FROM contracts WHERE number = ?1 AND status <> 'closed'",
    )?
    .query_row([number], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub fn summary(c: &Connection, id: i64) -> rusqlite::Result<Option<ContractSummary>> {
    c.prepare_cached(&format!(
        "SELECT {SUMMARY_COLS} FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.id = ?1"
    ))?
    .query_row([id], |r| summary_from_row(r, 0))
    .optional()
}

/// «Экспресс-оплата»: (id, address, organization name, recommended payment) of an open
/// contract with this number and segment.
pub fn express_lookup(
    c: &Connection,
    number: &str,
    segment: &str,
) -> rusqlite::Result<Option<(i64, String, String, i64)>> {
    c.prepare_cached(
        "SELECT c.id, c.address, COALESCE(o.name, ''), c.recommended_payment_kop
         FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id
         WHERE c.number = ?1 AND c.segment = ?2 AND c.status <> 'closed'",
    )?
    .query_row([number, segment], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .optional()
}

/// The number of a contract.
pub fn number(c: &Connection, id: i64) -> rusqlite::Result<String> {
    c.prepare_cached("SELECT number FROM contracts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
}
