//! Notification queries: events (recorded by the triggers of migration 7), notices per channel
//! and address, settings, contacts, push subscriptions. The rules are in `app::notify`.
use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::notify::{BroadcastRow, Channel, Kind, Prefs};

/// An event waiting to be fanned out.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub contract_id: i64,
    pub ref_id: Option<i64>,
    pub detail: String,
    pub occurred_at: i64,
}

pub fn pending_events(c: &Connection, limit: u32) -> rusqlite::Result<Vec<EventRow>> {
    let mut s = c.prepare_cached(
        "SELECT id, kind, contract_id, ref_id, detail, occurred_at FROM notice_events
         WHERE state = 'new' ORDER BY id LIMIT ?1",
    )?;
    let v = s
        .query_map([limit], |r| {
            Ok(EventRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                contract_id: r.get(2)?,
                ref_id: r.get(3)?,
                detail: r.get(4)?,
                occurred_at: r.get(5)?,
            })
        })?
        .collect();
    v
}

/// Records an event (once per key; false when it was recorded before).
pub fn record_event(
    c: &Connection,
    key: &str,
    kind: Kind,
    contract_id: i64,
    ref_id: Option<i64>,
    detail: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "INSERT INTO notice_events(key, kind, contract_id, ref_id, detail, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(key) DO NOTHING",
        )?
        .execute(params![key, kind.code(), contract_id, ref_id, detail, now])?;
    Ok(n == 1)
}

pub fn mark_event(c: &Connection, id: i64, state: &str, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE notice_events SET state = ?2, processed_at = ?3 WHERE id = ?1")?
        .execute(params![id, state, now])?;
    Ok(())
}

/// Events of this contract announced (counted against the cap) since `since`.
pub fn announced_since(c: &Connection, contract_id: i64, since: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COUNT(*) FROM notice_events WHERE contract_id = ?1 AND processed_at >= ?2
         AND state = 'done' AND kind <> 'broadcast'",
    )?
    .query_row(params![contract_id, since], |r| r.get(0))
}

/// Someone who holds the contract, with where to reach them.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub account_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The account's role on the contract (its own contract: owner).
    pub role: crate::domain::role::Role,
}

/// Every account holding the contract. E-mail: the one set in «Уведомления», else the
/// contract's documents e-mail (for its own contract account); phone: the one set, else the
/// phone account's number.
pub fn recipients(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<Recipient>> {
    let mut s = c.prepare_cached(
        "SELECT a.id, COALESCE(CASE WHEN n.email_confirmed = 1 THEN n.email END,
                               CASE WHEN a.contract_id = ?1 THEN k.documents_email END),
                COALESCE(CASE WHEN n.phone_confirmed = 1 THEN n.phone END, a.phone),
                CASE WHEN a.contract_id = ?1 THEN 'owner'
                     ELSE (SELECT role FROM account_contracts
                           WHERE account_id = a.id AND contract_id = ?1) END
         FROM (SELECT id FROM accounts WHERE contract_id = ?1
               UNION SELECT account_id FROM account_contracts WHERE contract_id = ?1) h
         JOIN accounts a ON a.id = h.id
         JOIN contracts k ON k.id = ?1
         LEFT JOIN notice_contacts n ON n.account_id = a.id
         ORDER BY a.id",
    )?;
    let v = s
        .query_map([contract_id], |r| {
            Ok(Recipient {
                account_id: r.get(0)?,
                email: r.get(1)?,
                phone: r.get(2)?,
                role: r
                    .get::<_, Option<String>>(3)?
                    .as_deref()
                    .and_then(crate::domain::role::Role::from_code)
                    .unwrap_or(crate::domain::role::Role::Viewer),
            })
        })?
        .collect();
    v
}

pub fn prefs(c: &Connection, account_id: i64) -> rusqlite::Result<Prefs> {
    let mut s =
        c.prepare_cached("SELECT kind, channel, enabled FROM notice_prefs WHERE account_id = ?1")?;
    let rows: Vec<(String, String, bool)> = s
        .query_map([account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Prefs::from_rows(
        rows.iter().map(|(k, c, on)| (k.as_str(), c.as_str(), *on)),
    ))
}

/// The contacts set in «Уведомления» (None where not set).
pub fn contacts(
    c: &Connection,
    account_id: i64,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    Ok(
        c.prepare_cached("SELECT email, phone FROM notice_contacts WHERE account_id = ?1")?
            .query_row([account_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((None, None)),
    )
}

pub fn save_prefs(
    c: &Connection,
    account_id: i64,
    p: &Prefs,
    email: Option<&str>,
    phone: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    let mut s = c.prepare_cached(
        "INSERT INTO notice_prefs(account_id, kind, channel, enabled) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET enabled = excluded.enabled",
    )?;
    for (k, ch, on) in p.iter() {
        s.execute(params![account_id, k.code(), ch.code(), on])?;
    }
    c.prepare_cached(
        "INSERT INTO notice_contacts(account_id, email, phone, updated_at, email_confirmed, phone_confirmed)
         VALUES (?1, ?2, ?3, ?4, ?2 IS NULL, ?3 IS NULL)
         ON CONFLICT DO UPDATE SET
             email_confirmed = CASE WHEN notice_contacts.email IS excluded.email
                 THEN notice_contacts.email_confirmed ELSE excluded.email IS NULL END,
             phone_confirmed = CASE WHEN notice_contacts.phone IS excluded.phone
                 THEN notice_contacts.phone_confirmed ELSE excluded.phone IS NULL END,
             email = excluded.email, phone = excluded.phone,
             updated_at = excluded.updated_at",
    )?
    .execute(params![account_id, email, phone, now])?;
    Ok(())
}

/// (e-mail, phone) set in «Уведомления» and not confirmed yet.
pub fn unconfirmed(
    c: &Connection,
    account_id: i64,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    Ok(c.prepare_cached(
        "SELECT CASE WHEN email_confirmed = 0 THEN email END,
                    CASE WHEN phone_confirmed = 0 THEN phone END
             FROM notice_contacts WHERE account_id = ?1",
    )?
    .query_row([account_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?
    .unwrap_or((None, None)))
}

/// Whether `email` is an address this account may send documents to: its confirmed notice
/// e-mail, or the documents e-mail of the contract (set by the operator).
pub fn confirmed_email(
    c: &Connection,
    account_id: i64,
    contract_id: i64,
    email: &str,
) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM notice_contacts WHERE account_id = ?1 AND email_confirmed = 1
                       AND lower(email) = lower(?3))
             OR EXISTS(SELECT 1 FROM contracts WHERE id = ?2 AND lower(documents_email) = lower(?3))",
    )?
    .query_row(params![account_id, contract_id, email], |r| r.get(0))
}

/// Stores the pending code for a contact (replacing an earlier one; attempts start over only
/// for a new value).
pub fn put_contact_code(
    c: &Connection,
    account_id: i64,
    channel: &str,
    value: &str,
    hash: &[u8],
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO contact_codes(account_id, channel, value, code_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO UPDATE SET code_hash = excluded.code_hash, created_at = excluded.created_at,
             attempts = CASE WHEN contact_codes.value = excluded.value THEN contact_codes.attempts ELSE 0 END,
             value = excluded.value",
    )?
    .execute(params![account_id, channel, value, hash, now])?;
    Ok(())
}

/// Checks a typed contact code: Ok(true) confirms the contact (and uses the code), Ok(false)
/// is a wrong code (counted), Err(()) means none is waiting or its attempts are used up.
pub fn check_contact_code(
    c: &Connection,
    account_id: i64,
    channel: &str,
    hash: &[u8],
    since: i64,
) -> rusqlite::Result<Result<bool, ()>> {
    let row: Option<(String, Vec<u8>, i64)> = c
        .prepare_cached(
            "SELECT value, code_hash, attempts FROM contact_codes
             WHERE account_id = ?1 AND channel = ?2 AND created_at >= ?3",
        )?
        .query_row(params![account_id, channel, since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((value, stored, attempts)) = row else {
        return Ok(Err(()));
    };
    if attempts >= 5 {
        return Ok(Err(()));
    }
    let same = stored.len() == hash.len()
        && stored.iter().zip(hash).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0;
    if !same {
        c.prepare_cached(
            "UPDATE contact_codes SET attempts = attempts + 1 WHERE account_id = ?1 AND channel = ?2",
        )?
        .execute(params![account_id, channel])?;
        return Ok(Ok(false));
    }
    c.prepare_cached("DELETE FROM contact_codes WHERE account_id = ?1 AND channel = ?2")?
        .execute(params![account_id, channel])?;
    let col = if channel == "email" { "email" } else { "phone" };
    c.prepare_cached(&format!(
        "UPDATE notice_contacts SET {col}_confirmed = 1 WHERE account_id = ?1 AND {col} = ?2"
    ))?
    .execute(params![account_id, value])?;
    Ok(Ok(true))
}

/// One switch (the unsubscribe link turns e-mail off for one event).
pub fn set_pref(
    c: &Connection,
    account_id: i64,
    kind: Kind,
    ch: Channel,
    on: bool,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO notice_prefs(account_id, kind, channel, enabled) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET enabled = excluded.enabled",
    )?
    .execute(params![account_id, kind.code(), ch.code(), on])?;
    Ok(())
}

/// The e-mail this account's contract-account default would use (for the settings form).
pub fn default_email(c: &Connection, account_id: i64) -> rusqlite::Result<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT k.documents_email FROM accounts a JOIN contracts k ON k.id = a.contract_id
         WHERE a.id = ?1",
    )?
    .query_row([account_id], |r| r.get(0))
    .optional()?
    .flatten())
}

#[derive(Debug, Clone)]
pub struct PushSub {
    pub id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

pub fn push_subs(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<PushSub>> {
    let mut s = c.prepare_cached(
        "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE account_id = ?1 ORDER BY id",
    )?;
    let v = s
        .query_map([account_id], |r| {
            Ok(PushSub {
                id: r.get(0)?,
                endpoint: r.get(1)?,
                p256dh: r.get(2)?,
                auth: r.get(3)?,
            })
        })?
        .collect();
    v
}

pub fn push_sub(c: &Connection, id: i64) -> rusqlite::Result<Option<PushSub>> {
    c.prepare_cached("SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(PushSub {
                id: r.get(0)?,
                endpoint: r.get(1)?,
                p256dh: r.get(2)?,
                auth: r.get(3)?,
            })
        })
        .optional()
}

/// Devices kept per account; a new one beyond this replaces the oldest.
pub const MAX_PUSH_DEVICES: i64 = 20;

/// Stores a browser's subscription for the session that made it: it ends with that session
/// (`ON DELETE CASCADE`: logout, «Сбросить все устройства», a password change, expiry). The
/// same endpoint again moves it to this account and session.
#[allow(clippy::too_many_arguments)]
pub fn add_push_sub(
    c: &Connection,
    account_id: i64,
    session_id: i64,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    user_agent: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO push_subscriptions(account_id, endpoint, p256dh, auth, user_agent, created_at,
             session_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(endpoint) DO UPDATE SET account_id = excluded.account_id,
             p256dh = excluded.p256dh, auth = excluded.auth, user_agent = excluded.user_agent,
             session_id = excluded.session_id",
    )?
    .execute(params![
        account_id, endpoint, p256dh, auth, user_agent, now, session_id
    ])?;
    c.prepare_cached(
        "DELETE FROM push_subscriptions WHERE account_id = ?1 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE account_id = ?1 ORDER BY id DESC LIMIT ?2)",
    )?
    .execute(params![account_id, MAX_PUSH_DEVICES])?;
    Ok(())
}

pub fn push_sub_count(c: &Connection, account_id: i64) -> rusqlite::Result<i64> {
    c.prepare_cached("SELECT COUNT(*) FROM push_subscriptions WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))
}

pub fn remove_push_endpoint(
    c: &Connection,
    account_id: i64,
    endpoint: &str,
) -> rusqlite::Result<usize> {
    c.prepare_cached("DELETE FROM push_subscriptions WHERE account_id = ?1 AND endpoint = ?2")?
        .execute(params![account_id, endpoint])
}

/// A dead subscription (the push service answered 404/410): removed with its queued notices.
pub fn remove_push_sub(c: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE notices SET status = 'failed', last_error = 'subscription gone', sent_at = ?2
         WHERE channel = 'push' AND target = ?1 AND status = 'pending'",
    )?
    .execute(params![format!("sub:{id}"), now])?;
    c.prepare_cached("DELETE FROM push_subscriptions WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn push_ok(c: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE push_subscriptions SET last_ok_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

pub struct NewNotice<'a> {
    pub event_id: i64,
    pub account_id: i64,
    pub contract_id: i64,
    pub kind: Kind,
    pub channel: Channel,
    pub target: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub url: &'a str,
    pub next_at: i64,
    pub now: i64,
}

/// Queues one notice; false when this event already has one for this channel and address.
pub fn insert_notice(c: &Connection, n: &NewNotice) -> rusqlite::Result<bool> {
    let k = c
        .prepare_cached(
            "INSERT INTO notices(event_id, account_id, contract_id, kind, channel, target, subject,
                 body, url, next_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(event_id, channel, target) DO NOTHING",
        )?
        .execute(params![
            n.event_id,
            n.account_id,
            n.contract_id,
            n.kind.code(),
            n.channel.code(),
            n.target,
            n.subject,
            n.body,
            n.url,
            n.next_at,
            n.now
        ])?;
    Ok(k == 1)
}

/// A notice due for delivery.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub kind: String,
    pub target: String,
    pub subject: String,
    pub body: String,
    pub url: String,
    pub attempts: i64,
}

pub fn due(c: &Connection, ch: Channel, now: i64, limit: u32) -> rusqlite::Result<Vec<NoticeRow>> {
    let mut s = c.prepare_cached(
        "SELECT id, account_id, kind, target, subject, body, url, attempts FROM notices
         WHERE status = 'pending' AND channel = ?1 AND next_at <= ?2 ORDER BY next_at, id LIMIT ?3",
    )?;
    let v = s
        .query_map(params![ch.code(), now, limit], |r| {
            Ok(NoticeRow {
                id: r.get(0)?,
                account_id: r.get(1)?,
                kind: r.get(2)?,
                target: r.get(3)?,
                subject: r.get(4)?,
                body: r.get(5)?,
                url: r.get(6)?,
                attempts: r.get(7)?,
            })
        })?
        .collect();
    v
}

pub fn sent(c: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE notices SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// One more failed attempt: retried at `next_at`, or given up when `give_up`.
pub fn failed(
    c: &Connection,
    id: i64,
    error: &str,
    next_at: i64,
    give_up: bool,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE notices SET attempts = attempts + 1, last_error = ?2, next_at = ?3,
             status = CASE WHEN ?4 THEN 'failed' ELSE status END WHERE id = ?1",
    )?
    .execute(params![id, error, next_at, give_up])?;
    Ok(())
}

/// Pending notices per channel and events not yet fanned out (for /metrics).
pub fn backlog(c: &Connection) -> rusqlite::Result<(Vec<(String, i64)>, i64)> {
    let mut s = c.prepare_cached(
        "SELECT channel, COUNT(*) FROM notices WHERE status = 'pending' GROUP BY channel",
    )?;
    let per: Vec<(String, i64)> = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let events = c
        .prepare_cached("SELECT COUNT(*) FROM notice_events WHERE state = 'new'")?
        .query_row([], |r| r.get(0))?;
    Ok((per, events))
}

/// The facts an event's text is written from: contract number and, by kind, the request
/// title, the document number, the service name.
pub fn contract_number(c: &Connection, contract_id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT number FROM contracts WHERE id = ?1")?
        .query_row([contract_id], |r| r.get(0))
        .optional()
}

pub fn request_title(c: &Connection, request_id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT title FROM requests WHERE id = ?1")?
        .query_row([request_id], |r| r.get(0))
        .optional()
}

/// Forgets events recorded while the demo data was seeded (its history is not news).
pub fn clear_events(c: &Connection) -> rusqlite::Result<()> {
    c.execute("DELETE FROM notice_events", [])?;
    Ok(())
}

pub fn set_contact_email(
    c: &Connection,
    account_id: i64,
    email: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO notice_contacts(account_id, email, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO UPDATE SET email = excluded.email",
        params![account_id, email, now],
    )?;
    Ok(())
}

/// The contract account of a contract number.
pub fn contract_account(c: &Connection, number: &str) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached(
        "SELECT a.id FROM accounts a JOIN contracts k ON k.id = a.contract_id WHERE k.number = ?1",
    )?
    .query_row([number], |r| r.get(0))
    .optional()
}

/// A retry that fell into quiet hours: later, without counting an attempt.
pub fn reschedule(c: &Connection, id: i64, next_at: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE notices SET next_at = ?2 WHERE id = ?1")?
        .execute(params![id, next_at])?;
    Ok(())
}

/// An SMS notice handed to the sender, recorded in the outbox like every SMS (`sent`: the
/// gateway took it; otherwise it stays pending there for the operator's own tooling).
pub fn outbox_sms(
    c: &Connection,
    phone: &str,
    text: &str,
    sent: bool,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO outbox(channel, recipient, body, status, attempts, created_at, sent_at)
         VALUES ('sms', ?1, ?2, CASE WHEN ?3 THEN 'sent' ELSE 'pending' END, 1, ?4,
                 CASE WHEN ?3 THEN ?4 END)",
    )?
    .execute(params![phone, text, sent, now])?;
    Ok(())
}

/// Contracts whose charge on a date in `today..=horizon` (active periodic services paid until
/// then) is more than the balance: (contract, date, shortfall in kopecks).
pub fn short_before_charge(
    c: &Connection,
    today: &str,
    horizon: &str,
) -> rusqlite::Result<Vec<(i64, String, i64)>> {
    let mut s = c.prepare_cached(
        "SELECT s.contract_id, s.paid_until, SUM(s.price_kop) - k.balance_kop
         FROM services s JOIN contracts k ON k.id = s.contract_id
         WHERE s.status = 'active' AND s.period <> 'once' AND s.paid_until BETWEEN ?1 AND ?2
           AND k.status = 'active'
         GROUP BY s.contract_id, s.paid_until
         HAVING SUM(s.price_kop) > k.balance_kop",
    )?;
    let v = s
        .query_map([today, horizon], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect();
    v
}

/// A broadcast's title and text.
pub fn broadcast_text(c: &Connection, id: i64) -> rusqlite::Result<Option<(String, String)>> {
    c.prepare_cached("SELECT title, body FROM broadcasts WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// Contract ids of these numbers; the numbers not found are returned second.
pub fn contracts_by_number(
    c: &Connection,
    numbers: &[String],
) -> rusqlite::Result<(Vec<i64>, Vec<String>)> {
    let mut s = c.prepare_cached("SELECT id FROM contracts WHERE number = ?1")?;
    let (mut ids, mut missing) = (Vec::new(), Vec::new());
    for n in numbers {
        match s.query_row([n], |r| r.get::<_, i64>(0)).optional()? {
            Some(id) => ids.push(id),
            None => missing.push(n.clone()),
        }
    }
    Ok((ids, missing))
}

pub struct NewBroadcast<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub to_all: bool,
    pub contracts: &'a [i64],
    pub ends_at: i64,
    pub staff_id: i64,
    pub now: i64,
}

/// Stores a broadcast and records one event per contract it goes to (one statement for all
/// contracts). Returns (id, contracts).
pub fn insert_broadcast(c: &Connection, b: &NewBroadcast) -> rusqlite::Result<(i64, usize)> {
    let id: i64 = c.query_row(
        "INSERT INTO broadcasts(title, body, to_all, contracts, starts_at, ends_at, staff_id, created_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?4) RETURNING id",
        params![b.title, b.body, b.to_all, b.now, b.ends_at, b.staff_id],
        |r| r.get(0),
    )?;
    let n = if b.to_all {
        c.execute(
            "INSERT INTO notice_events(key, kind, contract_id, ref_id, occurred_at)
             SELECT 'broadcast:' || ?1 || ':' || id, 'broadcast', id, ?1, ?2 FROM contracts
             WHERE status <> 'closed' ON CONFLICT(key) DO NOTHING",
            params![id, b.now],
        )?
    } else {
        let mut add = c.prepare_cached(
            "INSERT INTO broadcast_contracts(contract_id, broadcast_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING",
        )?;
        let mut ev = c.prepare_cached(
            "INSERT INTO notice_events(key, kind, contract_id, ref_id, occurred_at)
             VALUES ('broadcast:' || ?1 || ':' || ?2, 'broadcast', ?2, ?1, ?3)
             ON CONFLICT(key) DO NOTHING",
        )?;
        let mut n = 0;
        for cid in b.contracts {
            add.execute(params![cid, id])?;
            n += ev.execute(params![id, cid, b.now])?;
        }
        n
    };
    c.execute(
        "UPDATE broadcasts SET contracts = ?2 WHERE id = ?1",
        params![id, n as i64],
    )?;
    Ok((id, n))
}

/// Broadcasts still showing, with their contracts (for the in-memory banners).
pub fn live_broadcasts(
    c: &Connection,
    now: i64,
) -> rusqlite::Result<Vec<crate::domain::notify::Banner>> {
    let mut s = c.prepare_cached(
        "SELECT id, title, body, ends_at, to_all FROM broadcasts WHERE ends_at > ?1 ORDER BY id",
    )?;
    let mut v: Vec<crate::domain::notify::Banner> = s
        .query_map([now], |r| {
            Ok(crate::domain::notify::Banner {
                id: r.get(0)?,
                title: r.get(1)?,
                body: r.get(2)?,
                ends_at: r.get(3)?,
                to_all: r.get(4)?,
                contracts: Default::default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut k =
        c.prepare_cached("SELECT contract_id FROM broadcast_contracts WHERE broadcast_id = ?1")?;
    for b in v.iter_mut().filter(|b| !b.to_all) {
        b.contracts = k
            .query_map([b.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(v)
}

pub fn broadcasts(c: &Connection, limit: u32) -> rusqlite::Result<Vec<BroadcastRow>> {
    let mut s = c.prepare_cached(
        "SELECT b.id, b.title, b.to_all, b.contracts, b.ends_at, b.created_at, s.name,
            (SELECT COUNT(*) FROM notices n JOIN notice_events e ON e.id = n.event_id
              WHERE e.kind = 'broadcast' AND e.ref_id = b.id AND n.status = 'sent'),
            (SELECT COUNT(*) FROM notice_events e WHERE e.kind = 'broadcast' AND e.ref_id = b.id AND e.state = 'new')
         FROM broadcasts b LEFT JOIN staff s ON s.id = b.staff_id ORDER BY b.id DESC LIMIT ?1",
    )?;
    let v = s
        .query_map([limit], |r| {
            Ok(BroadcastRow {
                id: r.get(0)?,
                title: r.get(1)?,
                to_all: r.get(2)?,
                contracts: r.get(3)?,
                ends_at: r.get(4)?,
                created_at: r.get(5)?,
                staff: r.get(6)?,
                sent: r.get(7)?,
                pending: r.get(8)?,
            })
        })?
        .collect();
    v
}

/// The contract a chat conversation is about (or the account's current one).
pub fn conversation_contract(
    c: &Connection,
    conversation_id: i64,
) -> rusqlite::Result<Option<i64>> {
    Ok(c.prepare_cached(
        "SELECT COALESCE(cv.contract_id, a.current_contract_id, a.contract_id)
         FROM chat_conversations cv JOIN accounts a ON a.id = cv.account_id WHERE cv.id = ?1",
    )?
    .query_row([conversation_id], |r| r.get(0))
    .optional()?
    .flatten())
}
