//! Accounts and their linked contracts.
use rusqlite::{params, Connection, OptionalExtension};

use super::contracts::{summary_from_row, ContractSummary, SUMMARY_COLS};

/// The account that logs in with this contract's number; created (with its link) on first login.
pub fn contract_account(c: &Connection, contract_id: i64, now: i64) -> rusqlite::Result<i64> {
    if let Some(id) = c
        .prepare_cached("SELECT id FROM accounts WHERE kind = 'contract' AND contract_id = ?1")?
        .query_row([contract_id], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    c.execute(
        "INSERT INTO accounts(kind, contract_id, current_contract_id, created_at) VALUES ('contract', ?1, ?1, ?2)",
        params![contract_id, now],
    )?;
    let id = c.last_insert_rowid();
    link(c, id, contract_id, "", now)?;
    Ok(id)
}

pub fn link(
    c: &Connection,
    account_id: i64,
    contract_id: i64,
    note: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO account_contracts(account_id, contract_id, note, added_at) VALUES (?1, ?2, ?3, ?4)",
        params![account_id, contract_id, note, now],
    )?;
    Ok(())
}

/// The account's current contract, checked against its links. When the current one is no
/// longer linked, falls back to the account's own contract or the earliest linked one.
pub fn current_contract(
    c: &Connection,
    account_id: i64,
) -> rusqlite::Result<Option<ContractSummary>> {
    let q = format!(
        "SELECT {SUMMARY_COLS} FROM accounts a
         JOIN account_contracts ac ON ac.account_id = a.id AND ac.contract_id = a.current_contract_id
         JOIN contracts c ON c.id = ac.contract_id
         LEFT JOIN organizations o ON o.id = c.organization_id
         WHERE a.id = ?1"
    );
    if let Some(s) = c
        .prepare_cached(&q)?
        .query_row([account_id], |r| summary_from_row(r, 0))
        .optional()?
    {
        return Ok(Some(s));
    }
    let fallback: Option<i64> = c
        .prepare_cached(
            "SELECT ac.contract_id FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
             WHERE ac.account_id = ?1
             ORDER BY (ac.contract_id IS a.contract_id) DESC, ac.added_at, ac.contract_id LIMIT 1",
        )?
        .query_row([account_id], |r| r.get(0))
        .optional()?;
    match fallback {
        None => Ok(None),
        Some(cid) => {
            c.execute(
                "UPDATE accounts SET current_contract_id = ?2 WHERE id = ?1",
                params![account_id, cid],
            )?;
            super::contracts::summary(c, cid)
        }
    }
}

/// The account's role on a linked contract (None when not linked).
pub fn role(
    c: &Connection,
    account_id: i64,
    contract_id: i64,
) -> rusqlite::Result<Option<crate::domain::role::Role>> {
    c.prepare_cached(
        "SELECT role FROM account_contracts WHERE account_id = ?1 AND contract_id = ?2",
    )?
    .query_row(params![account_id, contract_id], |r| r.get(0))
    .optional()
}

/// Whether the account may act on this contract.
pub fn is_linked(c: &Connection, account_id: i64, contract_id: i64) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT 1 FROM account_contracts WHERE account_id = ?1 AND contract_id = ?2")?
        .exists(params![account_id, contract_id])
}

/// How an account logs in: (its contract's number, its phone).
pub fn login_of(
    c: &Connection,
    account_id: i64,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    Ok(c.prepare_cached(
        "SELECT k.number, a.phone FROM accounts a LEFT JOIN contracts k ON k.id = a.contract_id
             WHERE a.id = ?1",
    )?
    .query_row([account_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?
    .unwrap_or((None, None)))
}
