//! Statements of the account lifecycle (`app::lifecycle`): what an account holds besides its
//! password — sessions, device cookies (their epoch), passkeys, push subscriptions, a pending
//! TOTP enrolment — and the users it invited. Run inside the caller's write transaction.
use rusqlite::{params, Connection};

/// What [`end_credentials`] ended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ended {
    pub sessions: Vec<i64>,
    pub passkeys: usize,
    pub push: usize,
    pub enrolments: usize,
}

/// Ends every credential of `account_id` except the session `keep` (the one asking): the
/// other sessions (their chat sockets close when the caller announces them), device cookies
/// (the epoch in their MAC moves on), passkeys, push subscriptions and pending TOTP
/// enrolments. An enabled TOTP stays: it is a second factor the owner set up, and removing it
/// would weaken the account.
pub fn end_credentials(
    c: &Connection,
    account_id: i64,
    keep: Option<i64>,
) -> rusqlite::Result<Ended> {
    let keep = keep.unwrap_or(0);
    let sessions: Vec<i64> = {
        let mut st =
            c.prepare_cached("SELECT id FROM sessions WHERE account_id = ?1 AND id <> ?2")?;
        let rows = st.query_map(params![account_id, keep], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    c.prepare_cached("DELETE FROM sessions WHERE account_id = ?1 AND id <> ?2")?
        .execute(params![account_id, keep])?;
    let passkeys = c
        .prepare_cached("DELETE FROM passkeys WHERE account_id = ?1")?
        .execute([account_id])?;
    let push = c
        .prepare_cached(
            "DELETE FROM push_subscriptions WHERE account_id = ?1 AND session_id IS NOT ?2",
        )?
        .execute(params![account_id, keep])?;
    let enrolments = c
        .prepare_cached("DELETE FROM totp_enrolments WHERE account_id = ?1")?
        .execute([account_id])?;
    c.prepare_cached("UPDATE accounts SET device_epoch = device_epoch + 1 WHERE id = ?1")?
        .execute([account_id])?;
    Ok(Ended {
        sessions,
        passkeys,
        push,
        enrolments,
    })
}

/// The device-cookie epoch of the account that logs in with `login` (a contract number);
/// 0 when there is none yet.
pub fn device_epoch(c: &Connection, login: &str) -> rusqlite::Result<i64> {
    use rusqlite::OptionalExtension;
    Ok(c.prepare_cached(
        "SELECT a.device_epoch FROM accounts a JOIN contracts k ON k.id = a.contract_id
             WHERE a.kind = 'contract' AND k.number = ?1",
    )?
    .query_row([login], |r| r.get(0))
    .optional()?
    .unwrap_or(0))
}

pub use crate::domain::account::Invited;

/// Users invited onto the contracts `account_id` owns (or onto `contract_id` alone).
pub fn invited_users(
    c: &Connection,
    account_id: Option<i64>,
    contract_id: Option<i64>,
) -> rusqlite::Result<Vec<Invited>> {
    let mut st = c.prepare_cached(
        "SELECT ac.account_id, ac.contract_id, k.number, a.phone, ac.role, ac.added_at
         FROM account_contracts ac
         JOIN contracts k ON k.id = ac.contract_id
         JOIN accounts a ON a.id = ac.account_id
         WHERE ac.invited_by IS NOT NULL
           AND (?2 IS NULL OR ac.contract_id = ?2)
           AND (?1 IS NULL OR ac.contract_id IN (
                SELECT contract_id FROM account_contracts WHERE account_id = ?1 AND role = 'owner'))
           AND (?1 IS NULL OR ac.account_id <> ?1)
         ORDER BY ac.added_at DESC, ac.account_id",
    )?;
    let rows = st.query_map(params![account_id, contract_id], |r| {
        Ok(Invited {
            account_id: r.get(0)?,
            contract_id: r.get(1)?,
            contract_number: r.get(2)?,
            phone: r.get(3)?,
            role: r.get(4)?,
            added_at: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// Removes every invited user of `contract_id` and its pending invitations; returns the
/// ended session ids (see `account_links::unlink`) and the removed accounts.
pub fn remove_invited(c: &Connection, contract_id: i64) -> rusqlite::Result<(Vec<i64>, Vec<i64>)> {
    let users: Vec<i64> = invited_users(c, None, Some(contract_id))?
        .into_iter()
        .map(|u| u.account_id)
        .collect();
    let mut ended = Vec::new();
    for u in &users {
        ended.extend(super::account_links::unlink(c, *u, contract_id)?);
    }
    c.prepare_cached("DELETE FROM invitations WHERE contract_id = ?1")?
        .execute([contract_id])?;
    Ok((ended, users))
}

/// The session was just proved by a secret (a login or the step-up screen).
pub fn mark_fresh(c: &Connection, session_id: i64, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE sessions SET fresh_at = ?2 WHERE id = ?1")?
        .execute(params![session_id, now])?;
    Ok(())
}

/// When the session last proved a secret.
pub fn fresh_at(c: &Connection, session_id: i64) -> rusqlite::Result<i64> {
    use rusqlite::OptionalExtension;
    Ok(
        c.prepare_cached("SELECT fresh_at FROM sessions WHERE id = ?1")?
            .query_row([session_id], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
    )
}
