//! Session rows.
use rusqlite::{params, Connection, OptionalExtension};

pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub account_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub user_agent: &'a str,
    pub ip: &'a str,
    pub now: i64,
}

pub fn insert(c: &Connection, s: &NewSession) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO sessions(token_hash, account_id, staff_id, user_agent, ip, created_at, last_seen_at, fresh_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)",
    )?
    .execute(params![s.token_hash, s.account_id, s.staff_id, s.user_agent, s.ip, s.now])?;
    Ok(c.last_insert_rowid())
}

pub struct SessionRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub fn by_token(c: &Connection, token_hash: &[u8]) -> rusqlite::Result<Option<SessionRow>> {
    c.prepare_cached(
        "SELECT id, account_id, staff_id, created_at, last_seen_at FROM sessions WHERE token_hash = ?1",
    )?
    .query_row([token_hash], |r| {
        Ok(SessionRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            staff_id: r.get(2)?,
            created_at: r.get(3)?,
            last_seen_at: r.get(4)?,
        })
    })
    .optional()
}

pub fn touch(c: &Connection, id: i64, now: i64, ip: &str) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE sessions SET last_seen_at = ?2, ip = ?3 WHERE id = ?1")?
        .execute(params![id, now, ip])?;
    Ok(())
}

pub fn delete(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn delete_by_token(c: &Connection, token_hash: &[u8]) -> rusqlite::Result<usize> {
    c.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])
}

/// Removes sessions past the idle or the absolute limit.
pub fn purge_expired(
    c: &Connection,
    now: i64,
    idle_secs: i64,
    max_secs: i64,
) -> rusqlite::Result<usize> {
    c.execute(
        "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2",
        params![now - idle_secs, now - max_secs],
    )
}

/// A subscriber session with its account's current contract when that contract is still
/// linked to the account (None otherwise: the caller falls back to `accounts::current_contract`).
/// The session and, when linked, its account's current contract with the account's role on it.
pub type WithContract = (
    SessionRow,
    Option<(super::contracts::ContractSummary, crate::domain::role::Role)>,
    // The session still waits for the second factor.
    bool,
);

pub fn with_current_contract(
    c: &Connection,
    token_hash: &[u8],
) -> rusqlite::Result<Option<WithContract>> {
    use super::contracts::{summary_from_row, SUMMARY_COLS};
    c.prepare_cached(&format!(
        "SELECT s.id, s.account_id, s.staff_id, s.created_at, s.last_seen_at, {SUMMARY_COLS}, ac.role, s.second_factor_pending
         FROM sessions s
         JOIN accounts a ON a.id = s.account_id
         LEFT JOIN account_contracts ac ON ac.account_id = a.id AND ac.contract_id = a.current_contract_id
         LEFT JOIN contracts c ON c.id = ac.contract_id
         LEFT JOIN organizations o ON o.id = c.organization_id
         WHERE s.token_hash = ?1"
    ))?
    .query_row([token_hash], |r| {
        let s = SessionRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            staff_id: r.get(2)?,
            created_at: r.get(3)?,
            last_seen_at: r.get(4)?,
        };
        let linked = match r.get::<_, Option<i64>>(5)? {
            Some(_) => Some((summary_from_row(r, 5)?, r.get(14)?)),
            None => None,
        };
        Ok((s, linked, r.get(15)?))
    })
    .optional()
}

pub fn exists(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM sessions WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}
