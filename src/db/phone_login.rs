//! One-time SMS login codes (stored hashed), the SMS outbox rows that carry them, and
//! phone accounts.
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::sessions::{self, NewSession};
use crate::domain::outbox::{Delivery, SendCaps};

/// A code is valid this long after it was (re)sent.
pub const CODE_TTL: i64 = 600;
/// Wrong entries allowed per code row; resending keeps the count.
pub const MAX_ATTEMPTS: i64 = 5;
/// Sends to the same phone within this window reuse one row (and its attempt count).
pub const WINDOW: i64 = 3600;

/// The stored form of a code: SHA-256 over a server secret, the phone and the code.
pub fn code_hash(key: &[u8], phone: &str, code: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(key);
    h.update(phone.as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    h.finalize().to_vec()
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Active {
    id: i64,
    code_hash: Vec<u8>,
    attempts: i64,
    created_at: i64,
    expires_at: i64,
}

fn active(c: &Connection, phone: &str, now: i64) -> rusqlite::Result<Option<Active>> {
    c.prepare_cached(
        "SELECT id, code_hash, attempts, created_at, expires_at FROM login_codes
         WHERE phone = ?1 AND used = 0 AND created_at > ?2 ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![phone, now - WINDOW], |r| {
        Ok(Active {
            id: r.get(0)?,
            code_hash: r.get(1)?,
            attempts: r.get(2)?,
            created_at: r.get(3)?,
            expires_at: r.get(4)?,
        })
    })
    .optional()
}

pub enum Issued {
    /// Stored; the SMS is outbox row `outbox_id`.
    Sent { outbox_id: i64 },
    /// The attempts of the current code are used up; a new one can be had after this many seconds.
    Locked { wait_secs: i64 },
    /// A send limit kept in the database (survives restarts) is reached; retry after this long.
    Throttled { wait_secs: i64 },
}

/// (count, oldest created_at) of SMS queued since `since`, to one phone or to anyone.
fn sent_since(c: &Connection, phone: Option<&str>, since: i64) -> rusqlite::Result<(i64, i64)> {
    let map = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?));
    match phone {
        Some(p) => c
            .prepare_cached(
                "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox
                 WHERE recipient = ?1 AND created_at > ?2 AND channel = 'sms'",
            )?
            .query_row(params![p, since], map),
        None => c
            .prepare_cached(
                "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox
                 WHERE channel = 'sms' AND created_at > ?1",
            )?
            .query_row([since], map),
    }
}

/// Stores a new code for `phone` (replacing the code of a recent row but keeping its attempt
/// count) and queues the SMS `text`, atomically.
pub fn issue(
    c: &mut Connection,
    phone: &str,
    hash: &[u8],
    ip: &str,
    text: &str,
    now: i64,
    caps: SendCaps,
) -> rusqlite::Result<Issued> {
    let tx = super::begin_write(c)?;
    let (to_phone, oldest) = sent_since(&tx, Some(phone), now - caps.phone_window)?;
    if to_phone >= caps.per_phone {
        return Ok(Issued::Throttled {
            wait_secs: (oldest + caps.phone_window - now).max(1),
        });
    }
    let (today, oldest) = sent_since(&tx, None, now - 86_400)?;
    if today >= caps.daily_total {
        return Ok(Issued::Throttled {
            wait_secs: (oldest + 86_400 - now).max(1),
        });
    }
    match active(&tx, phone, now)? {
        Some(a) if a.attempts >= MAX_ATTEMPTS => {
            return Ok(Issued::Locked {
                wait_secs: (a.created_at + WINDOW - now).max(1),
            })
        }
        Some(a) => {
            tx.prepare_cached(
                "UPDATE login_codes SET code_hash = ?2, sends = sends + 1, expires_at = ?3, ip = ?4 WHERE id = ?1",
            )?
            .execute(params![a.id, hash, now + CODE_TTL, ip])?;
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO login_codes(phone, code_hash, ip, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![phone, hash, ip, now, now + CODE_TTL])?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO outbox(channel, recipient, body, created_at) VALUES ('sms', ?1, ?2, ?3)",
    )?
    .execute(params![phone, text, now])?;
    let outbox_id = tx.last_insert_rowid();
    tx.commit()?;
    Ok(Issued::Sent { outbox_id })
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Logged in: the phone account and whether it has any contract yet.
    Ok {
        account_id: i64,
        has_contracts: bool,
        /// Invitations waiting for this phone's consent.
        invitations: i64,
    },
    Wrong {
        left: i64,
    },
    TooMany,
    Expired,
    /// No code waiting (never sent, already used, or long gone).
    NoCode,
}

/// Checks a typed code. A match uses the code up and opens a session for the phone's
/// account (created on first login) in the same transaction.
pub fn verify(
    c: &mut Connection,
    phone: &str,
    hash: &[u8],
    session: &NewSession,
) -> rusqlite::Result<Verified> {
    let now = session.now;
    let tx = super::begin_write(c)?;
    if let Err(refused) = use_code(&tx, phone, hash, now)? {
        // A wrong code's attempt is counted.
        tx.commit()?;
        return Ok(refused);
    }
    let account_id = phone_account(&tx, phone, now)?;
    sessions::insert(
        &tx,
        &NewSession {
            account_id: Some(account_id),
            ..*session
        },
    )?;
    // Invitations waiting for this phone are asked about first (see `web::invitations`).
    let has_contracts = tx
        .prepare_cached("SELECT 1 FROM account_contracts WHERE account_id = ?1")?
        .exists([account_id])?;
    let invitations = super::invitations::count_for_account(&tx, account_id)?;
    tx.commit()?;
    Ok(Verified::Ok {
        account_id,
        has_contracts,
        invitations,
    })
}

/// Uses up the code of `phone` when `hash` matches it; otherwise counts the attempt (the
/// caller commits either way) and says why it was refused.
fn use_code(
    c: &Connection,
    phone: &str,
    hash: &[u8],
    now: i64,
) -> rusqlite::Result<Result<(), Verified>> {
    let Some(a) = active(c, phone, now)? else {
        return Ok(Err(Verified::NoCode));
    };
    if a.attempts >= MAX_ATTEMPTS {
        return Ok(Err(Verified::TooMany));
    }
    if a.expires_at <= now {
        return Ok(Err(Verified::Expired));
    }
    if !same(&a.code_hash, hash) {
        c.prepare_cached("UPDATE login_codes SET attempts = attempts + 1 WHERE id = ?1")?
            .execute([a.id])?;
        let left = MAX_ATTEMPTS - a.attempts - 1;
        return Ok(Err(if left <= 0 {
            Verified::TooMany
        } else {
            Verified::Wrong { left }
        }));
    }
    c.prepare_cached("UPDATE login_codes SET used = 1 WHERE id = ?1")?
        .execute([a.id])?;
    Ok(Ok(()))
}

/// Checks a typed step-up code for `phone` like [`verify`] (attempts counted, single use)
/// without starting a session. True when it matched.
pub fn consume(c: &mut Connection, phone: &str, hash: &[u8], now: i64) -> rusqlite::Result<bool> {
    let tx = super::begin_write(c)?;
    let ok = use_code(&tx, phone, hash, now)?.is_ok();
    tx.commit()?;
    Ok(ok)
}

/// The account of this phone, created on first login.
pub fn phone_account(c: &Connection, phone: &str, now: i64) -> rusqlite::Result<i64> {
    if let Some(id) = c
        .prepare_cached("SELECT id FROM accounts WHERE kind = 'phone' AND phone = ?1")?
        .query_row([phone], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    c.prepare_cached("INSERT INTO accounts(kind, phone, created_at) VALUES ('phone', ?1, ?2)")?
        .execute(params![phone, now])?;
    Ok(c.last_insert_rowid())
}

/// Records what the sender did with outbox row `id`, an SMS with a login code: sent or failed,
/// its text becomes `hashed` (the code replaced by its hash); stored for the operator's own
/// delivery, it stays.
pub fn record_code_delivery(
    c: &Connection,
    id: i64,
    outcome: &Delivery,
    hashed: &str,
    now: i64,
) -> rusqlite::Result<()> {
    match outcome {
        Delivery::Stored => {}
        Delivery::Sent => {
            c.prepare_cached(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2,
                 body = ?3, last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, now, hashed])?;
        }
        Delivery::Failed(e) => {
            c.prepare_cached(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2,
                 body = ?3 WHERE id = ?1",
            )?
            .execute(params![id, e, hashed])?;
        }
    }
    Ok(())
}

/// Records what the sender did with outbox row `id`. A delivered text is blanked.
pub fn record_delivery(
    c: &Connection,
    id: i64,
    outcome: &Delivery,
    now: i64,
) -> rusqlite::Result<()> {
    match outcome {
        Delivery::Stored => {}
        Delivery::Sent => {
            c.prepare_cached(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2,
                 body = '(код скрыт после отправки)', last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, now])?;
        }
        Delivery::Failed(e) => {
            c.prepare_cached(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            )?
            .execute(params![id, e])?;
        }
    }
    Ok(())
}
