//! Support chat: conversations and messages. A message is committed before anyone is told
//! about it; `client_msg_id` makes a re-sent message (after a reconnect) land only once.
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::contracts::{summary_from_row, SUMMARY_COLS};
pub use crate::domain::chat::{Conversation, Msg, QueueRow};
use crate::error::AppError;

const MSG_COLS: &str = "m.id, m.conversation_id, cv.account_id, m.sender, s.name, m.body, \
     m.client_msg_id, m.created_at FROM chat_messages m \
     JOIN chat_conversations cv ON cv.id = m.conversation_id \
     LEFT JOIN staff s ON s.id = m.staff_id";

fn msg(r: &Row) -> rusqlite::Result<Msg> {
    Ok(Msg {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        account_id: r.get(2)?,
        sender: r.get(3)?,
        staff_name: r.get(4)?,
        body: r.get(5)?,
        client_msg_id: r.get(6)?,
        created_at: r.get(7)?,
    })
}

fn by_id(c: &Connection, id: i64) -> rusqlite::Result<Msg> {
    c.prepare_cached(&format!("SELECT {MSG_COLS} WHERE m.id = ?1"))?
        .query_row([id], msg)
}

/// The account's message already sent with this client id (a retry).
fn existing(c: &Connection, account_id: i64, cid: &str) -> rusqlite::Result<Option<Msg>> {
    c.prepare_cached(&format!(
        "SELECT {MSG_COLS} WHERE cv.account_id = ?1 AND m.client_msg_id = ?2"
    ))?
    .query_row(params![account_id, cid], msg)
    .optional()
}

fn insert(
    c: &Connection,
    conv: i64,
    sender: &str,
    staff_id: Option<i64>,
    body: &str,
    cid: Option<&str>,
    now: i64,
) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO chat_messages(conversation_id, sender, staff_id, body, client_msg_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![conv, sender, staff_id, body, cid, now])?;
    Ok(c.last_insert_rowid())
}

/// Stores a subscriber's message (opening a conversation when none is open). With
/// `auto_reply`, also stores that system reply unless one was already given since staff last
/// wrote. Returns the stored messages, to publish; a retry returns the original message.
pub fn subscriber_send(
    c: &mut Connection,
    account_id: i64,
    contract_id: i64,
    cid: &str,
    body: &str,
    now: i64,
    auto_reply: Option<String>,
) -> Result<Vec<Msg>, AppError> {
    let tx = super::begin_write(c)?;
    let out = subscriber_send_rows(&tx, account_id, contract_id, cid, body, now, auto_reply)?;
    tx.commit()?;
    Ok(out)
}

/// [`subscriber_send`] inside the caller's write transaction (the writer's, `Db::write`). It
/// writes only the account's chat (see `db::fresh::scoped`).
pub fn subscriber_send_in(
    tx: &Connection,
    account_id: i64,
    contract_id: i64,
    cid: &str,
    body: &str,
    now: i64,
    auto_reply: Option<String>,
) -> Result<Vec<Msg>, AppError> {
    super::fresh::scoped(tx, &[super::fresh::Scope::Account(account_id)], || {
        subscriber_send_rows(tx, account_id, contract_id, cid, body, now, auto_reply)
    })
}

fn subscriber_send_rows(
    tx: &Connection,
    account_id: i64,
    contract_id: i64,
    cid: &str,
    body: &str,
    now: i64,
    auto_reply: Option<String>,
) -> Result<Vec<Msg>, AppError> {
    // The socket was opened for this contract; the link may have gone since (checked in the
    // same transaction as the insert, so nothing slips in after a removal).
    // A role without the chat (issue 15) counts as no link for the socket.
    let role: Option<crate::domain::role::Role> = tx
        .prepare_cached(
            "SELECT role FROM account_contracts WHERE account_id = ?1 AND contract_id = ?2",
        )?
        .query_row(params![account_id, contract_id], |r| r.get(0))
        .optional()?;
    if !role.is_some_and(|r| r.can(crate::domain::role::Cap::Chat)) {
        return Err(AppError::NoContract);
    }
    if let Some(m) = existing(tx, account_id, cid)? {
        return Ok(vec![m]);
    }
    let open: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM chat_conversations WHERE account_id = ?1 AND status = 'open'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([account_id], |r| r.get(0))
        .optional()?;
    let conv = match open {
        Some(id) => id,
        None => {
            tx.prepare_cached(
                "INSERT INTO chat_conversations(account_id, contract_id, status, waiting_since, created_at, last_message_at)
                 VALUES (?1, ?2, 'open', ?3, ?3, ?3)",
            )?
            .execute(params![account_id, contract_id, now])?;
            tx.last_insert_rowid()
        }
    };
    let id = insert(tx, conv, "subscriber", None, body, Some(cid), now)?;
    tx.prepare_cached(
        "UPDATE chat_conversations SET waiting_since = COALESCE(waiting_since, ?2),
         last_message_at = ?2, contract_id = ?3 WHERE id = ?1",
    )?
    .execute(params![conv, now, contract_id])?;
    let mut ids = vec![id];
    if let Some(text) = auto_reply {
        let last: Option<String> = tx
            .prepare_cached(
                "SELECT sender FROM chat_messages WHERE conversation_id = ?1 AND sender <> 'subscriber'
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([conv], |r| r.get(0))
            .optional()?;
        if last.as_deref() != Some("system") {
            ids.push(insert(tx, conv, "system", None, &text, None, now)?);
        }
    }
    let out = ids
        .into_iter()
        .map(|i| by_id(tx, i))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(out)
}

/// Stores a staff reply in an open conversation; None when there is no such open conversation.
/// A retry with the same client id returns the original message.
pub fn staff_send(
    c: &mut Connection,
    staff_id: i64,
    conv: i64,
    cid: &str,
    body: &str,
    now: i64,
) -> Result<Option<Msg>, AppError> {
    let tx = super::begin_write(c)?;
    let found: Option<i64> = tx
        .prepare_cached(
            "SELECT m.id FROM chat_messages m WHERE m.conversation_id = ?1 AND m.client_msg_id = ?2",
        )?
        .query_row(params![conv, cid], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(Some(by_id(&tx, id)?));
    }
    let open: Option<i64> = tx
        .prepare_cached("SELECT id FROM chat_conversations WHERE id = ?1 AND status = 'open'")?
        .query_row([conv], |r| r.get(0))
        .optional()?;
    if open.is_none() {
        return Ok(None);
    }
    let id = insert(&tx, conv, "staff", Some(staff_id), body, Some(cid), now)?;
    tx.prepare_cached(
        "UPDATE chat_conversations SET waiting_since = NULL, last_message_at = ?2,
         assigned_staff = COALESCE(assigned_staff, ?3) WHERE id = ?1",
    )?
    .execute(params![conv, now, staff_id])?;
    let m = by_id(&tx, id)?;
    tx.commit()?;
    Ok(Some(m))
}

/// The account's messages after `after` (all conversations, oldest first); with `after` = 0
/// the latest `limit`.
pub fn account_history(
    c: &Connection,
    account_id: i64,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<Msg>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT * FROM (SELECT {MSG_COLS} WHERE cv.account_id = ?1 AND m.id > ?2
         ORDER BY m.id DESC LIMIT ?3) ORDER BY 1"
    ))?;
    let limit = if after > 0 { 5_000 } else { limit };
    let rows = st.query_map(params![account_id, after, limit], msg)?;
    rows.collect()
}

pub fn conversation_messages(c: &Connection, conv: i64) -> rusqlite::Result<Vec<Msg>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {MSG_COLS} WHERE m.conversation_id = ?1 ORDER BY m.id"
    ))?;
    let rows = st.query_map([conv], msg)?;
    rows.collect()
}

/// The id of the last message the subscriber has seen.
pub fn last_read(c: &Connection, account_id: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COALESCE(MAX(r.last_read_id), 0) FROM chat_reads r
         JOIN chat_conversations cv ON cv.id = r.conversation_id
         WHERE cv.account_id = ?1 AND r.reader = 'subscriber'",
    )?
    .query_row([account_id], |r| r.get(0))
}

pub fn mark_read(c: &Connection, account_id: i64, upto: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO chat_reads(conversation_id, reader, last_read_id)
         SELECT id, 'subscriber', ?2 FROM chat_conversations WHERE account_id = ?1
         ON CONFLICT(conversation_id, reader) DO UPDATE
         SET last_read_id = MAX(last_read_id, excluded.last_read_id)",
    )?
    .execute(params![account_id, upto])?;
    Ok(())
}

/// Open conversations: waiting longest first, then the ones already answered.
pub fn queue(c: &Connection) -> rusqlite::Result<Vec<QueueRow>> {
    let mut st = c.prepare_cached(
        "SELECT cv.id, COALESCE(k.number, ''), COALESCE(o.name, ''), cv.waiting_since, cv.last_message_at,
                (SELECT body FROM chat_messages WHERE conversation_id = cv.id ORDER BY id DESC LIMIT 1),
                s.name
         FROM chat_conversations cv
         LEFT JOIN contracts k ON k.id = cv.contract_id
         LEFT JOIN organizations o ON o.id = k.organization_id
         LEFT JOIN staff s ON s.id = cv.assigned_staff
         WHERE cv.status = 'open'
         ORDER BY cv.waiting_since IS NULL, cv.waiting_since, cv.last_message_at DESC LIMIT 200",
    )?;
    let rows = st.query_map([], |r| {
        Ok(QueueRow {
            id: r.get(0)?,
            contract_number: r.get(1)?,
            org_name: r.get(2)?,
            waiting_since: r.get(3)?,
            last_message_at: r.get(4)?,
            last_body: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            assigned: r.get(6)?,
        })
    })?;
    rows.collect()
}

pub fn conversation(c: &Connection, id: i64) -> rusqlite::Result<Option<Conversation>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT cv.id, cv.account_id, cv.status, cv.contract_id, {SUMMARY_COLS}
             FROM chat_conversations cv
             LEFT JOIN contracts c ON c.id = cv.contract_id
             LEFT JOIN organizations o ON o.id = c.organization_id
             WHERE cv.id = ?1"
        ))?
        .query_row([id], |r| {
            let has: Option<i64> = r.get(3)?;
            Ok(Conversation {
                id: r.get(0)?,
                account_id: r.get(1)?,
                status: r.get(2)?,
                contract: match has {
                    Some(_) => Some(summary_from_row(r, 4)?),
                    None => None,
                },
                open_requests: 0,
            })
        })
        .optional()?;
    let Some(mut cv) = found else {
        return Ok(None);
    };
    if let Some(k) = &cv.contract {
        cv.open_requests = c
            .prepare_cached(
                "SELECT COUNT(*) FROM requests WHERE contract_id = ?1 AND status IN ('new', 'in_progress')",
            )?
            .query_row([k.id], |r| r.get(0))?;
    }
    Ok(Some(cv))
}

/// Closes an open conversation; returns its account id.
pub fn close(c: &Connection, id: i64) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached(
        "UPDATE chat_conversations SET status = 'closed', waiting_since = NULL
         WHERE id = ?1 AND status = 'open' RETURNING account_id",
    )?
    .query_row([id], |r| r.get(0))
    .optional()
}
