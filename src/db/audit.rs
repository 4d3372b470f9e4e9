//! The audit log: who did what, when, from where.
pub use crate::domain::audit::Row;
use rusqlite::{params, Connection};

pub struct Entry<'a> {
    pub staff_id: i64,
    pub action: &'a str,
    pub target: &'a str,
    pub details: &'a str,
    pub ip: &'a str,
    pub now: i64,
}

/// An entry by a staff member (invalidates no cached read, as [`by`]).
pub fn staff(c: &Connection, e: &Entry) -> rusqlite::Result<()> {
    super::fresh::scoped(c, &[], || {
        c.prepare_cached(
            "INSERT INTO audit_log(actor_kind, actor_id, action, target, details, ip, created_at)
             VALUES ('staff', ?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            e.staff_id, e.action, e.target, e.details, e.ip, e.now
        ])?;
        Ok(())
    })
}

/// The latest staff entries.
pub fn recent(c: &Connection, limit: i64) -> rusqlite::Result<Vec<Row>> {
    let mut st = c.prepare_cached(
        "SELECT a.created_at, COALESCE(s.login, a.actor_kind), a.action, a.target, a.details, a.ip
         FROM audit_log a LEFT JOIN staff s ON a.actor_kind = 'staff' AND s.id = a.actor_id
         ORDER BY a.id DESC LIMIT ?1",
    )?;
    let rows = st.query_map([limit], |r| {
        Ok(Row {
            at: r.get(0)?,
            who: r.get(1)?,
            action: r.get(2)?,
            target: r.get(3)?,
            details: r.get(4)?,
            ip: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// An entry written by a billing API client (`actor_id` is the token's id).
pub fn api(
    c: &Connection,
    token_id: i64,
    action: &str,
    target: &str,
    details: &str,
    ip: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO audit_log(actor_kind, actor_id, action, target, details, ip, created_at)
         VALUES ('api', ?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![token_id, action, target, details, ip, now])?;
    Ok(())
}

/// An entry by the system itself (command line, failed staff logins, imports).
pub fn system(
    c: &Connection,
    action: &str,
    target: &str,
    details: &str,
    ip: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO audit_log(actor_kind, action, target, details, ip, created_at)
         VALUES ('system', ?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![action, target, details, ip, now])?;
    Ok(())
}

/// What an audit entry says.
pub struct What<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub details: &'a str,
}

/// An entry by any kind of actor (`staff`, `account`, `system`, `api`). The log shows on no
/// cached screen: on the writer, the entry alone invalidates nothing (`fresh::scoped` with no
/// scope); what else the caller's job changed is published as usual.
pub fn by(
    c: &Connection,
    kind: &str,
    actor_id: Option<i64>,
    w: &What,
    ip: &str,
    now: i64,
) -> rusqlite::Result<()> {
    super::fresh::scoped(c, &[], || {
        c.prepare_cached(
            "INSERT INTO audit_log(actor_kind, actor_id, action, target, details, ip, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            kind, actor_id, w.action, w.target, w.details, ip, now
        ])?;
        Ok(())
    })
}

/// An entry by a subscriber account about one of its contracts («Журнал действий», which is
/// never cached: invalidates nothing, as [`by`]).
pub fn on_contract(
    c: &Connection,
    account_id: i64,
    contract_id: i64,
    w: &What,
    ip: &str,
    now: i64,
) -> rusqlite::Result<()> {
    super::fresh::scoped(c, &[], || {
        c.prepare_cached(
            "INSERT INTO audit_log(actor_kind, actor_id, action, target, details, ip, created_at, contract_id)
             VALUES ('account', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            account_id, w.action, w.target, w.details, ip, now, contract_id
        ])?;
        Ok(())
    })
}
