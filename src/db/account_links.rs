//! «Список договоров» and «Устройства и доступ»: an account's linked contracts, notes,
//! switching, adding and removing, who else holds a contract, and ending sessions.
use rusqlite::{params, Connection, OptionalExtension};

use super::accounts;
pub use crate::domain::account::{Device, Holder, Linked};
use crate::domain::ids::{AccountId, ContractId};

/// The account's contracts: its own first, then in the order they were added.
pub fn list(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<Linked>> {
    let current = accounts::current_contract(c, account_id)?.map(|k| k.id);
    let mut st = c.prepare_cached(
        "SELECT k.id, k.number, k.address, ac.note, (k.id IS a.contract_id), ac.role
         FROM account_contracts ac
         JOIN contracts k ON k.id = ac.contract_id
         JOIN accounts a ON a.id = ac.account_id
         WHERE ac.account_id = ?1
         ORDER BY (k.id IS a.contract_id) DESC, ac.added_at, k.id",
    )?;
    let rows = st.query_map([account_id], |r| {
        let id: i64 = r.get(0)?;
        Ok(Linked {
            id,
            number: r.get(1)?,
            address: r.get(2)?,
            note: r.get(3)?,
            own: r.get(4)?,
            current: Some(id) == current,
            role: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// One linked contract of the account (None when not linked: never trust an id from a client).
/// One statement (every note save and row view checks its link with it): «current» as
/// [`list`] has it, the account's current contract or, when that is no longer linked, the
/// one [`accounts::current_contract`] falls back to.
pub fn get(c: &Connection, account_id: i64, contract_id: i64) -> rusqlite::Result<Option<Linked>> {
    c.prepare_cached(
        "SELECT k.id, k.number, k.address, ac.note, (k.id IS a.contract_id), ac.role,
                CASE WHEN EXISTS (SELECT 1 FROM account_contracts x
                                  WHERE x.account_id = a.id AND x.contract_id = a.current_contract_id)
                     THEN k.id IS a.current_contract_id
                     ELSE k.id IS (SELECT f.contract_id FROM account_contracts f
                                   WHERE f.account_id = a.id
                                   ORDER BY (f.contract_id IS a.contract_id) DESC, f.added_at, f.contract_id
                                   LIMIT 1)
                END
         FROM account_contracts ac
         JOIN contracts k ON k.id = ac.contract_id
         JOIN accounts a ON a.id = ac.account_id
         WHERE ac.account_id = ?1 AND ac.contract_id = ?2",
    )?
    .query_row(params![account_id, contract_id], |r| {
        Ok(Linked {
            id: r.get(0)?,
            number: r.get(1)?,
            address: r.get(2)?,
            note: r.get(3)?,
            own: r.get(4)?,
            role: r.get(5)?,
            current: r.get(6)?,
        })
    })
    .optional()
}

/// Filters by a fragment of the number or the address (case-insensitive, any alphabet).
pub fn search(all: Vec<Linked>, q: &str) -> Vec<Linked> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return all;
    }
    let q_compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    all.into_iter()
        .filter(|l| {
            l.number.to_lowercase().contains(&q_compact) || l.address.to_lowercase().contains(&q)
        })
        .collect()
}

pub fn set_note(
    c: &Connection,
    account_id: i64,
    contract_id: i64,
    note: &str,
) -> rusqlite::Result<bool> {
    // A note is the account's own and shows only in its contract list: no other cached page
    // (its main page, its session) changes.
    super::fresh::scoped(c, &[super::fresh::Scope::Notes(account_id)], || {
        Ok(c.prepare_cached(
            "UPDATE account_contracts SET note = ?3 WHERE account_id = ?1 AND contract_id = ?2",
        )?
        .execute(params![account_id, contract_id, note])?
            == 1)
    })
}

/// Makes a linked contract the current one. False when not linked.
pub fn switch(c: &Connection, account_id: i64, contract_id: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE accounts SET current_contract_id = ?2 WHERE id = ?1
         AND EXISTS (SELECT 1 FROM account_contracts WHERE account_id = ?1 AND contract_id = ?2)",
    )?
    .execute(params![account_id, contract_id])?
        == 1)
}

pub enum Removed {
    NotLinked,
    Own,
    Done { was_current: bool },
}

pub fn remove(c: &mut Connection, account_id: i64, contract_id: i64) -> rusqlite::Result<Removed> {
    let tx = super::begin_write(c)?;
    let Some(l) = get(&tx, account_id, contract_id)? else {
        return Ok(Removed::NotLinked);
    };
    if l.own {
        return Ok(Removed::Own);
    }
    tx.prepare_cached("DELETE FROM account_contracts WHERE account_id = ?1 AND contract_id = ?2")?
        .execute(params![account_id, contract_id])?;
    if l.current {
        tx.prepare_cached("UPDATE accounts SET current_contract_id = NULL WHERE id = ?1")?
            .execute([account_id])?;
    }
    tx.commit()?;
    Ok(Removed::Done {
        was_current: l.current,
    })
}

/// (id, segment, password hash) of an open contract, for «Добавление договора».
pub fn lookup(c: &Connection, number: &str) -> rusqlite::Result<Option<(i64, String, String)>> {
    c.prepare_cached(
        "SELECT id, segment, password_hash FROM contracts WHERE number = ?1 AND status <> 'closed'",
    )?
    .query_row([number], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// Links a contract (after its password was checked). False when it was already linked.
pub fn add(c: &Connection, account_id: i64, contract_id: i64, now: i64) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "INSERT OR IGNORE INTO account_contracts(account_id, contract_id, note, added_at) VALUES (?1, ?2, '', ?3)",
        )?
        .execute(params![account_id, contract_id, now])?;
    if n == 1 {
        // An account without a current contract (a new phone account) starts on this one.
        c.prepare_cached(
            "UPDATE accounts SET current_contract_id = ?2 WHERE id = ?1 AND current_contract_id IS NULL",
        )?
        .execute(params![account_id, contract_id])?;
    }
    Ok(n == 1)
}

/// Accounts other than `account_id` that added `contract_id` (the contract's own account,
/// which logs in with its number and password, is not a holder that can be removed).
pub fn holders(c: &Connection, account_id: i64, contract_id: i64) -> rusqlite::Result<Vec<Holder>> {
    let mut st = c.prepare_cached(
        "SELECT a.id, a.phone, oc.number, ac.role FROM account_contracts ac
         JOIN accounts a ON a.id = ac.account_id
         LEFT JOIN contracts oc ON oc.id = a.contract_id
         WHERE ac.contract_id = ?2 AND a.id <> ?1 AND a.contract_id IS NOT ?2
         ORDER BY ac.added_at, a.id",
    )?;
    let rows = st.query_map(params![account_id, contract_id], |r| {
        Ok(Holder {
            account_id: r.get(0)?,
            phone: r.get(1)?,
            contract_number: r.get(2)?,
            role: r.get(3)?,
        })
    })?;
    rows.collect()
}

pub(super) fn session_ids(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut st = c.prepare_cached("SELECT id FROM sessions WHERE account_id = ?1")?;
    let rows = st.query_map([account_id], |r| r.get(0))?;
    rows.collect()
}

fn end_sessions(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<i64>> {
    let ids = session_ids(c, account_id)?;
    c.prepare_cached("DELETE FROM sessions WHERE account_id = ?1")?
        .execute([account_id])?;
    Ok(ids)
}

/// Unlinks `contract_id` from `target` and ends target's sessions that were on it (its current
/// contract) — or all of them when it has no contract left. Returns the ended session ids.
pub(super) fn unlink(c: &Connection, target: i64, contract_id: i64) -> rusqlite::Result<Vec<i64>> {
    c.prepare_cached("DELETE FROM account_contracts WHERE account_id = ?1 AND contract_id = ?2")?
        .execute(params![target, contract_id])?;
    let (was_current, left): (bool, bool) = c
        .prepare_cached(
            "SELECT current_contract_id IS ?2,
                    EXISTS (SELECT 1 FROM account_contracts WHERE account_id = ?1)
             FROM accounts WHERE id = ?1",
        )?
        .query_row(params![target, contract_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if was_current {
        c.prepare_cached("UPDATE accounts SET current_contract_id = NULL WHERE id = ?1")?
            .execute([target])?;
    }
    if !left {
        // No contract left: the account lifecycle ends everything it held.
        Ok(super::lifecycle::end_credentials(c, target, None)?.sessions)
    } else if was_current {
        end_sessions(c, target)
    } else {
        Ok(Vec::new())
    }
}

/// «Удалить доступ»: `account_id` (which must hold the contract) removes `target`'s access.
/// None when either side is not a removable holder.
pub fn revoke(
    c: &mut Connection,
    AccountId(account_id): AccountId,
    ContractId(contract_id): ContractId,
    AccountId(target): AccountId,
) -> rusqlite::Result<Option<Vec<i64>>> {
    let tx = super::begin_write(c)?;
    if !accounts::is_linked(&tx, account_id, contract_id)?
        || !holders(&tx, account_id, contract_id)?
            .iter()
            .any(|h| h.account_id == target)
    {
        return Ok(None);
    }
    let ended = unlink(&tx, target, contract_id)?;
    tx.commit()?;
    Ok(Some(ended))
}

/// Stores a contract's new password hash; every other account loses access to it and the
/// contract's own account is logged out everywhere — when it is the one changing it, on every
/// device but the current session `keep_session`.
/// Returns the ended session ids, or None when the account does not hold the contract.
pub fn change_password(
    c: &mut Connection,
    account_id: i64,
    contract_id: i64,
    new_hash: &str,
    now: i64,
    keep_session: i64,
) -> rusqlite::Result<Option<Vec<i64>>> {
    let tx = super::begin_write(c)?;
    if !accounts::is_linked(&tx, account_id, contract_id)? {
        return Ok(None);
    }
    let mut ended = set_password(&tx, Some(account_id), contract_id, new_hash, now)?;
    let own: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM accounts WHERE id = ?1 AND kind = 'contract' AND contract_id = ?2)",
        )?
        .query_row(params![account_id, contract_id], |r| r.get(0))?;
    if own {
        // The account lifecycle: every other credential of the contract's own login ends.
        let e = super::lifecycle::end_credentials(&tx, account_id, Some(keep_session))?;
        ended.extend(e.sessions);
    }
    tx.commit()?;
    Ok(Some(ended))
}

/// The operator sets a contract's password (billing API): like [`change_password`], but every
/// account loses access, the contract's own login included. Returns the ended session ids.
pub fn reset_password(
    c: &Connection,
    contract_id: i64,
    new_hash: &str,
    now: i64,
) -> rusqlite::Result<Vec<i64>> {
    set_password(c, None, contract_id, new_hash, now)
}

/// Stores the hash; every account but `keep` that added the contract loses it, and the
/// contract's own account is logged out unless it is `keep`.
fn set_password(
    c: &Connection,
    keep: Option<i64>,
    contract_id: i64,
    new_hash: &str,
    now: i64,
) -> rusqlite::Result<Vec<i64>> {
    c.prepare_cached(
        "UPDATE contracts SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1",
    )?
    .execute(params![contract_id, new_hash, now])?;
    let mut ended = Vec::new();
    // Company users the owner invited (issue 15) keep their access: it never rested on the
    // password. Whoever got in with the old password loses it.
    let invited: Vec<i64> = {
        let mut st = c.prepare_cached(
            "SELECT account_id FROM account_contracts WHERE contract_id = ?1 AND invited_by IS NOT NULL",
        )?;
        let rows = st.query_map([contract_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for h in holders(c, keep.unwrap_or(0), contract_id)? {
        if invited.contains(&h.account_id) {
            continue;
        }
        ended.extend(unlink(c, h.account_id, contract_id)?);
    }
    let owner: Option<i64> = c
        .prepare_cached("SELECT id FROM accounts WHERE kind = 'contract' AND contract_id = ?1")?
        .query_row([contract_id], |r| r.get(0))
        .optional()?;
    if let Some(o) = owner.filter(|o| Some(*o) != keep) {
        // The account lifecycle: the operator's reset ends every credential of the login.
        ended.extend(super::lifecycle::end_credentials(c, o, None)?.sessions);
    }
    Ok(ended)
}

pub fn devices(c: &Connection, account_id: i64) -> rusqlite::Result<Vec<Device>> {
    let mut st = c.prepare_cached(
        "SELECT id, user_agent, ip, last_seen_at FROM sessions WHERE account_id = ?1
         ORDER BY last_seen_at DESC, id DESC",
    )?;
    let rows = st.query_map([account_id], |r| {
        Ok(Device {
            session_id: r.get(0)?,
            user_agent: r.get(1)?,
            ip: r.get(2)?,
            last_seen_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// The account leaves a contract it holds (from the second-factor page): like a removal, but
/// the account's own sessions other than those on the contract stay. Returns ended sessions.
pub fn leave(c: &Connection, account_id: i64, contract_id: i64) -> rusqlite::Result<Vec<i64>> {
    unlink(c, account_id, contract_id)
}
