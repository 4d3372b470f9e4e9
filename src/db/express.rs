//! «Экспресс-оплата» lookups (issue 24, items 7 and 12): each lookup is an opaque random token,
//! stored here hashed and mapped to its contract, valid for a while and good for one payment.
use rusqlite::{params, Connection, OptionalExtension};

/// Stores a new lookup's token; forgets lookups older than two hours (the per-contract count
/// looks back one).
pub fn insert(
    c: &Connection,
    token_hash: &[u8],
    contract_id: i64,
    now: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM express_tokens WHERE created_at < ?1")?
        .execute([now - 2 * 3600])?;
    c.prepare_cached(
        "INSERT INTO express_tokens(token_hash, contract_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token_hash, contract_id, now, expires_at])?;
    Ok(())
}

/// A live token: its contract and the payment it started (the form's key), if any.
pub fn find(
    c: &Connection,
    token_hash: &[u8],
    now: i64,
) -> rusqlite::Result<Option<(i64, Option<String>)>> {
    c.prepare_cached(
        "SELECT contract_id, payment_key FROM express_tokens
         WHERE token_hash = ?1 AND expires_at >= ?2",
    )?
    .query_row(params![token_hash, now], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Marks the token as used for the payment with this key.
pub fn claim(c: &Connection, token_hash: &[u8], key: &str, now: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE express_tokens SET payment_key = ?2, used_at = ?3
         WHERE token_hash = ?1 AND payment_key IS NULL",
    )?
    .execute(params![token_hash, key, now])?
        == 1)
}

/// Express payments started for a contract since `since`: how many, and the earliest.
pub fn started_for_contract(
    c: &Connection,
    contract_id: i64,
    since: i64,
) -> rusqlite::Result<(i64, Option<i64>)> {
    c.prepare_cached(
        "SELECT COUNT(*), MIN(used_at) FROM express_tokens
         WHERE contract_id = ?1 AND used_at >= ?2",
    )?
    .query_row(params![contract_id, since], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Express payments (made without a login) still pending, created since `since`.
pub fn pending_payments(c: &Connection, since: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COUNT(*) FROM payments
         WHERE status = 'pending' AND created_at >= ?1 AND idempotency_key LIKE 'express:%'",
    )?
    .query_row([since], |r| r.get(0))
}
