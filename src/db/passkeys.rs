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

/// The account a login names: a contract's own account by its number, or a phone account.
pub fn account_by_login(
    c: &Connection,
    contract_number: Option<&str>,
    phone: Option<&str>,
) -> rusqlite::Result<Option<i64>> {
    if let Some(n) = contract_number {
        if let Some(id) = c
            .prepare_cached(
                "SELECT a.id FROM accounts a JOIN contracts k ON k.id = a.contract_id
                 WHERE k.number = ?1 AND k.status <> 'closed'",
            )?
            .query_row([n], |r| r.get(0))
            .optional()?
        {
            return Ok(Some(id));
        }
    }
    match phone {
        Some(p) => c
            .prepare_cached("SELECT id FROM accounts WHERE kind = 'phone' AND phone = ?1")?
            .query_row([p], |r| r.get(0))
            .optional(),
        None => Ok(None),
    }
}
