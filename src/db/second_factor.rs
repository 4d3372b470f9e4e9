//! Two-factor login: the account's TOTP secret and last used step, recovery codes, the
//! owner's requirement per contract, and sessions waiting for the second factor.
use rusqlite::{params, Connection, OptionalExtension};

/// The account's TOTP: (secret, enabled, last used step).
pub struct Totp {
    pub secret: Vec<u8>,
    pub enabled: bool,
    pub last_step: i64,
}

pub fn totp(c: &Connection, account_id: i64) -> rusqlite::Result<Option<Totp>> {
    c.prepare_cached(
        "SELECT secret, enabled_at IS NOT NULL, last_step FROM account_totp WHERE account_id = ?1",
    )?
    .query_row([account_id], |r| {
        Ok(Totp {
            secret: r.get(0)?,
            enabled: r.get(1)?,
            last_step: r.get(2)?,
        })
    })
    .optional()
}

/// Starts (or restarts) this session's enrolment with a new `secret`: each view of the
/// enrolment page shows a secret of its own, kept with the session until a first right code
/// confirms it. A secret never becomes the account's before that.
pub fn begin(
    c: &Connection,
    session_id: i64,
    account_id: i64,
    secret: &[u8],
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO totp_enrolments(session_id, account_id, secret, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(session_id) DO UPDATE SET account_id = excluded.account_id,
             secret = excluded.secret, created_at = excluded.created_at",
    )?
    .execute(params![session_id, account_id, secret, now])?;
    Ok(())
}

/// The secret this session is enrolling with, when it is the account's and not too old.
pub fn enrolment(
    c: &Connection,
    session_id: i64,
    account_id: i64,
    since: i64,
) -> rusqlite::Result<Option<Vec<u8>>> {
    c.prepare_cached(
        "SELECT secret FROM totp_enrolments WHERE session_id = ?1 AND account_id = ?2 AND created_at >= ?3",
    )?
    .query_row(params![session_id, account_id, since], |r| r.get(0))
    .optional()
}

/// Marks `step` used when it is newer than the last one (atomic: two requests with one code
/// cannot both pass). False when it was already used.
pub fn use_step(c: &Connection, account_id: i64, step: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE account_totp SET last_step = ?2 WHERE account_id = ?1 AND last_step < ?2",
    )?
    .execute(params![account_id, step])?
        == 1)
}

/// Enables TOTP with the confirmed `secret` after a right code (`step`), storing the
/// recovery code hashes and ending every pending enrolment of the account (call inside a
/// write transaction). False when TOTP is already on.
pub fn enable(
    tx: &Connection,
    account_id: i64,
    secret: &[u8],
    step: i64,
    recovery: &[Vec<u8>],
    now: i64,
) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO account_totp(account_id, secret, enabled_at, last_step, created_at)
             VALUES (?1, ?2, ?4, ?3, ?4) ON CONFLICT(account_id) DO NOTHING",
        )?
        .execute(params![account_id, secret, step, now])?;
    if n == 0 {
        return Ok(false);
    }
    tx.prepare_cached("DELETE FROM totp_enrolments WHERE account_id = ?1")?
        .execute([account_id])?;
    tx.prepare_cached("DELETE FROM recovery_codes WHERE account_id = ?1")?
        .execute([account_id])?;
    for h in recovery {
        tx.prepare_cached("INSERT INTO recovery_codes(account_id, code_hash) VALUES (?1, ?2)")?
            .execute(params![account_id, h])?;
    }
    Ok(true)
}

/// Removes the TOTP and its recovery codes (call inside a write transaction).
pub fn disable(tx: &Connection, account_id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM account_totp WHERE account_id = ?1")?
        .execute([account_id])?;
    tx.prepare_cached("DELETE FROM recovery_codes WHERE account_id = ?1")?
        .execute([account_id])?;
    Ok(())
}

/// Uses up an unused recovery code. False when none matches.
pub fn use_recovery(
    c: &Connection,
    account_id: i64,
    hash: &[u8],
    now: i64,
) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE recovery_codes SET used_at = ?3
             WHERE account_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
    )?
    .execute(params![account_id, hash, now])?
        == 1)
}

pub fn recovery_left(c: &Connection, account_id: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ?1 AND used_at IS NULL",
    )?
    .query_row([account_id], |r| r.get(0))
}

/// The session has given its second factor.
pub fn pass(c: &Connection, session_id: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE sessions SET second_factor_pending = 0 WHERE id = ?1")?
        .execute([session_id])?;
    Ok(())
}

/// Whether any contract the account holds requires a second factor.
pub fn required(c: &Connection, account_id: i64) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM account_contracts ac JOIN contracts k ON k.id = ac.contract_id
                        WHERE ac.account_id = ?1 AND k.require_second_factor = 1)",
    )?
    .query_row([account_id], |r| r.get(0))
}

pub fn contract_requires(c: &Connection, contract_id: i64) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT require_second_factor FROM contracts WHERE id = ?1")?
        .query_row([contract_id], |r| r.get(0))
}

pub fn set_required(c: &Connection, contract_id: i64, on: bool) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE contracts SET require_second_factor = ?2 WHERE id = ?1")?
        .execute(params![contract_id, on])?;
    Ok(())
}

/// (account, pending) of a session token, pending or not (for the second-factor page).
pub fn session(c: &Connection, token_hash: &[u8]) -> rusqlite::Result<Option<(i64, i64, bool)>> {
    c.prepare_cached(
        "SELECT id, account_id, second_factor_pending FROM sessions
         WHERE token_hash = ?1 AND account_id IS NOT NULL",
    )?
    .query_row([token_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// How the authenticator app names the account: its phone or its contract number.
pub fn account_label(c: &Connection, account_id: i64) -> rusqlite::Result<String> {
    c.prepare_cached(
        "SELECT COALESCE(a.phone, k.number, '') FROM accounts a
         LEFT JOIN contracts k ON k.id = a.contract_id WHERE a.id = ?1",
    )?
    .query_row([account_id], |r| r.get(0))
}

/// The owner turned the requirement on: every other session of the contract's users waits for
/// the second factor from its next request on. Returns how many.
pub fn hold_sessions(c: &Connection, contract_id: i64, keep: i64) -> rusqlite::Result<usize> {
    c.prepare_cached(
        "UPDATE sessions SET second_factor_pending = 1
         WHERE id <> ?2 AND account_id IN (SELECT account_id FROM account_contracts WHERE contract_id = ?1)",
    )?
    .execute(params![contract_id, keep])
}

/// Contracts whose owner requires a second factor and that `account_id` holds as an invited
/// user (not its own login): (id, number). The second-factor page offers to leave each.
pub fn requiring(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut st = c.prepare_cached(
        "SELECT k.id, k.number FROM account_contracts ac JOIN contracts k ON k.id = ac.contract_id
         JOIN accounts a ON a.id = ac.account_id
         WHERE ac.account_id = ?1 AND k.require_second_factor = 1 AND a.contract_id IS NOT k.id
         ORDER BY k.number",
    )?;
    let rows = st.query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Whether `account_id` still needs a second factor: TOTP is on, or a contract requires it.
pub fn needed(c: &Connection, account_id: i64) -> rusqlite::Result<bool> {
    Ok(totp(c, account_id)?.is_some_and(|t| t.enabled) || required(c, account_id)?)
}
