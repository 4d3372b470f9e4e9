//! Logins in the audit log (new-device notices) and «Журнал действий»: what happened on a
//! contract, from the audit log.
use rusqlite::{params, Connection, OptionalExtension};

pub use crate::domain::role::JournalRow;

/// Whether the account logged in before from a browser with this user agent.
pub fn known_device(c: &Connection, account_id: i64, user_agent: &str) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE actor_kind = 'account' AND actor_id = ?1
                        AND action = 'login' AND details = ?2)",
    )?
    .query_row(params![account_id, user_agent], |r| r.get(0))
}

pub fn logged_in_before(c: &Connection, account_id: i64) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM audit_log WHERE actor_kind = 'account' AND actor_id = ?1
                        AND action = 'login')",
    )?
    .query_row([account_id], |r| r.get(0))
}

/// Marks that the account is sent a login notice now, unless one went out after `since`:
/// false (nothing changed) when one did.
pub fn take_notice_slot(
    c: &Connection,
    account_id: i64,
    since: i64,
    now: i64,
) -> rusqlite::Result<bool> {
    // (a column no cached screen shows: the account's scope only)
    let scope = [super::fresh::Scope::Account(account_id)];
    let n = super::fresh::scoped(c, &scope, || {
        c.prepare_cached(
            "UPDATE accounts SET login_notice_at = ?3
             WHERE id = ?1 AND (login_notice_at IS NULL OR login_notice_at <= ?2)",
        )?
        .execute(params![account_id, since, now])
    })?;
    Ok(n == 1)
}

/// Where a notice to the account goes: ('sms', phone) for a phone account, ('email', the
/// contract's documents address) for a contract's own account when it has one.
pub fn notice_to(c: &Connection, account_id: i64) -> rusqlite::Result<Option<(String, String)>> {
    c.prepare_cached(
        "SELECT CASE WHEN a.phone IS NOT NULL THEN 'sms' ELSE 'email' END,
                COALESCE(a.phone, k.documents_email)
         FROM accounts a LEFT JOIN contracts k ON k.id = a.contract_id WHERE a.id = ?1",
    )?
    .query_row([account_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })
    .optional()
    .map(|o| o.and_then(|(ch, to)| to.filter(|t| !t.is_empty()).map(|t| (ch, t))))
}

pub fn current_contract(c: &Connection, account_id: i64) -> rusqlite::Result<Option<i64>> {
    Ok(
        c.prepare_cached("SELECT current_contract_id FROM accounts WHERE id = ?1")?
            .query_row([account_id], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten(),
    )
}

/// Queues an SMS; returns its outbox id.
pub fn queue_sms(c: &Connection, to: &str, body: &str, now: i64) -> rusqlite::Result<i64> {
    // the outbox shows on no cached screen (see `outbox::queue_email`)
    super::fresh::scoped(c, &[], || {
        c.prepare_cached(
            "INSERT INTO outbox(channel, recipient, body, created_at) VALUES ('sms', ?1, ?2, ?3)",
        )?
        .execute(params![to, body, now])
    })?;
    Ok(c.last_insert_rowid())
}

/// The latest entries about a contract, newest first.
pub fn journal(c: &Connection, contract_id: i64, limit: i64) -> rusqlite::Result<Vec<JournalRow>> {
    let mut st = c.prepare_cached(
        "SELECT l.created_at, l.actor_kind, a.phone, (a.contract_id IS NOT NULL), s.name,
                l.action, l.target, l.details
         FROM audit_log l
         LEFT JOIN accounts a ON l.actor_kind = 'account' AND a.id = l.actor_id
         LEFT JOIN staff s ON l.actor_kind = 'staff' AND s.id = l.actor_id
         WHERE l.contract_id = ?1
         ORDER BY l.id DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![contract_id, limit], |r| {
        Ok(JournalRow {
            at: r.get(0)?,
            actor_kind: r.get(1)?,
            phone: r.get(2)?,
            contract_login: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
            staff: r.get(4)?,
            action: r.get(5)?,
            target: r.get(6)?,
            details: r.get(7)?,
        })
    })?;
    rows.collect()
}
