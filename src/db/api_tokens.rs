//! Tokens of the billing integration API. The token is shown once; only its SHA-256 is stored.
use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::token::token_hash;

/// The prefix every API token starts with (easy to spot in a leaked config).
pub const PREFIX: &str = "kbt_";

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token name must be 1 to 64 letters, digits, '-', '_' or '.'")]
    BadName,
    #[error("an active token named {0} exists; revoke it first")]
    Exists(String),
    #[error("no active token named {0}")]
    NoSuch(String),
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

fn check_name(name: &str) -> Result<(), TokenError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(()).ok_or(TokenError::BadName)
}

/// Creates a token and returns it (the only time it is seen in clear).
/// Stores a new token made of `secret` (random, from the caller) and returns it.
pub fn create(
    c: &mut Connection,
    name: &str,
    secret: &str,
    now: i64,
) -> Result<String, TokenError> {
    check_name(name)?;
    let tx = super::begin_write(c)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM api_tokens WHERE name = ?1 AND revoked_at IS NULL)",
        [name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(TokenError::Exists(name.to_owned()));
    }
    let token = format!("{PREFIX}{secret}");
    tx.execute(
        "INSERT INTO api_tokens(name, token_hash, created_at) VALUES (?1, ?2, ?3)",
        params![name, token_hash(&token), now],
    )?;
    tx.execute(
        "INSERT INTO audit_log(actor_kind, action, target, created_at) VALUES ('system', 'api_token.create', ?1, ?2)",
        params![name, now],
    )?;
    tx.commit()?;
    Ok(token)
}

/// Revokes the active token(s) of that name; refused at once on every later request.
pub fn revoke(c: &mut Connection, name: &str, now: i64) -> Result<usize, TokenError> {
    let tx = super::begin_write(c)?;
    let n = tx.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, now],
    )?;
    if n == 0 {
        return Err(TokenError::NoSuch(name.to_owned()));
    }
    tx.execute(
        "INSERT INTO audit_log(actor_kind, action, target, created_at) VALUES ('system', 'api_token.revoke', ?1, ?2)",
        params![name, now],
    )?;
    tx.commit()?;
    Ok(n)
}

/// (token id, name) of an active token.
pub fn lookup(c: &Connection, token: &str) -> rusqlite::Result<Option<(i64, String)>> {
    c.prepare_cached(
        "SELECT id, name FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
    )?
    .query_row([token_hash(token)], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}
