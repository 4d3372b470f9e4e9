//! The `outbox` table: every e-mail and SMS is stored here inside the caller's transaction;
//! the senders in `services/` deliver it later and record what happened.
use rusqlite::{params, Connection};

use crate::domain::outbox::mask_email;

/// Queues an e-mail (delivered by the mail job). The outbox shows on no cached screen: on the
/// writer the row alone invalidates nothing (`fresh::scoped` with no scope).
pub fn queue_email(
    c: &Connection,
    to: &str,
    subject: &str,
    body: &str,
    now: i64,
) -> rusqlite::Result<()> {
    super::fresh::scoped(c, &[], || {
        c.prepare_cached(
            "INSERT INTO outbox(channel, recipient, subject, body, created_at) VALUES ('email', ?1, ?2, ?3, ?4)",
        )?
        .execute(params![to, subject, body, now])
    })?;
    tracing::info!(to = %mask_email(to), subject, "e-mail queued");
    Ok(())
}

/// Queues an SMS; returns its row (the caller dispatches it after the commit).
pub fn queue_sms(c: &Connection, to: &str, body: &str, now: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO outbox(channel, recipient, body, created_at) VALUES ('sms', ?1, ?2, ?3)",
    )?
    .execute(params![to, body, now])?;
    Ok(c.last_insert_rowid())
}

/// An e-mail waiting for delivery.
pub struct PendingEmail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// A document's PDF to attach: (file name, bytes).
    pub attachment: Option<(String, Vec<u8>)>,
}

/// The oldest pending e-mails, at most `limit`.
pub fn pending_emails(c: &Connection, limit: u32) -> rusqlite::Result<Vec<PendingEmail>> {
    let mut s = c.prepare_cached(&format!(
        "SELECT id, recipient, subject, body FROM outbox
         WHERE channel = 'email' AND status = 'pending' ORDER BY id LIMIT {limit}"
    ))?;
    let v = s
        .query_map([], |r| {
            Ok(PendingEmail {
                id: r.get(0)?,
                to: r.get(1)?,
                subject: r.get(2)?,
                body: r.get(3)?,
                attachment: None,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut v = v;
    for m in &mut v {
        m.attachment = super::documents::outbox_attachment(c, m.id)?;
    }
    Ok(v)
}

pub fn email_sent(c: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// One more failed attempt; after `max_attempts` the message is marked failed.
pub fn email_failed(
    c: &Connection,
    id: i64,
    error: &str,
    max_attempts: i64,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
            status = CASE WHEN attempts + 1 >= ?3 THEN 'failed' ELSE status END WHERE id = ?1",
        params![id, error, max_attempts],
    )?;
    Ok(())
}
