//! An account's passkeys: webauthn-rs's stored credential (JSON) per row.
use rusqlite::{params, Connection, OptionalExtension};

pub use crate::domain::account::PasskeyRow;

pub fn list(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<PasskeyRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, name, created_at, last_used_at FROM passkeys WHERE account_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([account_id], |r| {
        Ok(PasskeyRow {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
            last_used_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// (row id, stored JSON) of every passkey of the account.
pub fn stored(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut st = c.prepare_cached("SELECT id, data FROM passkeys WHERE account_id = ?1")?;
    let rows = st.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// (row id, account, stored JSON) of the passkey with this credential id (hex), unless it
/// belongs to the own account of a closed contract (which cannot log in by password either).
pub fn by_cred_id(c: &Connection, cred_id: &str) -> rusqlite::Result<Option<(i64, i64, String)>> {
    c.prepare_cached(
        "SELECT p.id, p.account_id, p.data FROM passkeys p
         JOIN accounts a ON a.id = p.account_id
         LEFT JOIN contracts k ON k.id = a.contract_id
         WHERE p.cred_id = ?1 AND (k.id IS NULL OR k.status <> 'closed')",
    )?
    .query_row([cred_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

pub fn insert(
    c: &Connection,
    account_id: i64,
    cred_id: &str,
    name: &str,
    data: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "INSERT OR IGNORE INTO passkeys(account_id, cred_id, name, data, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![account_id, cred_id, name, data, now])?
        == 1)
}

/// After a login: the new counter (and backup state) and when.
pub fn used(c: &Connection, id: i64, data: &str, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE passkeys SET data = ?2, last_used_at = ?3 WHERE id = ?1")?
        .execute(params![id, data, now])?;
    Ok(())
}

pub fn remove(c: &Connection, account_id: i64, id: i64) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("DELETE FROM passkeys WHERE id = ?1 AND account_id = ?2")?
            .execute(params![id, account_id])?
            == 1,
    )
}
