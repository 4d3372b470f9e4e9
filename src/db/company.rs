//! Company users of a contract: who holds it with which role, invitations by phone, role
//! changes and removal (each one transaction with its audit row).
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{account_links, audit};
use crate::domain::{
    outbox::mask_phone,
    role::{Pending, Refusal, Role, User},
};

/// Every account holding the contract: its own account first, then in the order added.
pub fn users(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<User>> {
    let mut st = c.prepare_cached(
        "SELECT a.id, a.phone, (a.contract_id IS ?1), ac.role, ac.added_at
         FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
         WHERE ac.contract_id = ?1
         ORDER BY (a.contract_id IS ?1) DESC, ac.added_at, a.id",
    )?;
    let rows = st.query_map([contract_id], |r| {
        Ok(User {
            account_id: r.get(0)?,
            phone: r.get(1)?,
            own: r.get(2)?,
            role: r.get(3)?,
            added_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Who asks, about which contract, from where and when.
pub struct By<'a> {
    pub account_id: i64,
    pub contract_id: i64,
    pub ip: &'a str,
    pub now: i64,
}

fn phone_of(c: &Connection, account_id: i64) -> rusqlite::Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT phone FROM accounts WHERE id = ?1")?
            .query_row([account_id], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten(),
    )
}

/// The target's (own, role) on the contract; None when it is not a user of it.
fn user(c: &Connection, contract_id: i64, target: i64) -> rusqlite::Result<Option<(bool, Role)>> {
    c.prepare_cached(
        "SELECT (a.contract_id IS ?1), ac.role FROM account_contracts ac
         JOIN accounts a ON a.id = ac.account_id WHERE ac.contract_id = ?1 AND ac.account_id = ?2",
    )?
    .query_row(params![contract_id, target], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

fn owners(c: &Connection, contract_id: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COUNT(*) FROM account_contracts WHERE contract_id = ?1 AND role = 'owner'",
    )?
    .query_row([contract_id], |r| r.get(0))
}

fn label(c: &Connection, target: i64) -> rusqlite::Result<String> {
    Ok(phone_of(c, target)?
        .map(|p| mask_phone(&p))
        .unwrap_or_else(|| "вход по номеру договора".into()))
}

/// Invites `phone` to the contract with `role` and queues the invitation SMS `sms`: the
/// invitation waits for the invitee's consent (`db::invitations::accept`); nothing is linked
/// before. Returns the outbox row of the SMS.
pub fn invite(
    c: &mut Connection,
    by: &By,
    phone: &str,
    role: Role,
    sms: &str,
) -> rusqlite::Result<Result<i64, Refusal>> {
    let tx = super::begin_write(c)?;
    if phone_of(&tx, by.account_id)?.as_deref() == Some(phone) {
        return Ok(Err(Refusal::Myself));
    }
    let linked: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
             WHERE ac.contract_id = ?1 AND a.phone = ?2)",
        )?
        .query_row(params![by.contract_id, phone], |r| r.get(0))?;
    let n = if linked {
        0
    } else {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO invitations(contract_id, phone, role, invited_by, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![by.contract_id, phone, role, by.account_id, by.now])?
    };
    if n == 0 {
        return Ok(Err(Refusal::AlreadyLinked));
    }
    tx.prepare_cached(
        "INSERT INTO outbox(channel, recipient, body, created_at) VALUES ('sms', ?1, ?2, ?3)",
    )?
    .execute(params![phone, sms, by.now])?;
    let outbox_id = tx.last_insert_rowid();
    let what = audit::What {
        action: "user.invite",
        target: &mask_phone(phone),
        details: role.label(),
    };
    audit::on_contract(&tx, by.account_id, by.contract_id, &what, by.ip, by.now)?;
    tx.commit()?;
    Ok(Ok(outbox_id))
}

/// Invitations of the contract still waiting for consent.
pub fn pending(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<Pending>> {
    let mut st = c.prepare_cached(
        "SELECT id, phone, role, created_at FROM invitations WHERE contract_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([contract_id], |r| {
        Ok(Pending {
            id: r.get(0)?,
            phone: r.get(1)?,
            role: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// The owner withdraws an invitation. False when there was none.
pub fn cancel(c: &mut Connection, by: &By, id: i64) -> rusqlite::Result<bool> {
    let tx = super::begin_write(c)?;
    let phone: Option<String> = tx
        .prepare_cached(
            "DELETE FROM invitations WHERE id = ?1 AND contract_id = ?2 RETURNING phone",
        )?
        .query_row(params![id, by.contract_id], |r| r.get(0))
        .optional()?;
    let Some(phone) = phone else {
        return Ok(false);
    };
    let what = audit::What {
        action: "user.invite_cancel",
        target: &mask_phone(&phone),
        details: "",
    };
    audit::on_contract(&tx, by.account_id, by.contract_id, &what, by.ip, by.now)?;
    tx.commit()?;
    Ok(true)
}

/// Checks shared by a role change and a removal: not oneself, a user, not the own account,
/// and an owner stays.
fn check(
    c: &Connection,
    by: &By,
    target: i64,
    losing_owner: impl Fn(Role) -> bool,
) -> rusqlite::Result<Result<Role, Refusal>> {
    if target == by.account_id {
        return Ok(Err(Refusal::Myself));
    }
    let Some((own, was)) = user(c, by.contract_id, target)? else {
        return Ok(Err(Refusal::NotAUser));
    };
    if own {
        return Ok(Err(Refusal::OwnAccount));
    }
    if was == Role::Owner && losing_owner(was) && owners(c, by.contract_id)? <= 1 {
        return Ok(Err(Refusal::LastOwner));
    }
    Ok(Ok(was))
}

/// Sets `target`'s role. Returns the role it had.
pub fn set_role(
    c: &mut Connection,
    by: &By,
    target: i64,
    role: Role,
) -> rusqlite::Result<Result<Role, Refusal>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let was = match check(&tx, by, target, |_| role != Role::Owner)? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    tx.prepare_cached(
        "UPDATE account_contracts SET role = ?3 WHERE account_id = ?1 AND contract_id = ?2",
    )?
    .execute(params![target, by.contract_id, role])?;
    let what = audit::What {
        action: "user.role",
        target: &label(&tx, target)?,
        details: &format!("{} → {}", was.label(), role.label()),
    };
    audit::on_contract(&tx, by.account_id, by.contract_id, &what, by.ip, by.now)?;
    tx.commit()?;
    Ok(Ok(was))
}

/// Removes `target` from the contract's users; returns its ended session ids (see
/// `account_links::unlink`).
pub fn remove(
    c: &mut Connection,
    by: &By,
    target: i64,
) -> rusqlite::Result<Result<Vec<i64>, Refusal>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Err(e) = check(&tx, by, target, |_| true)? {
        return Ok(Err(e));
    }
    let what = audit::What {
        action: "user.remove",
        target: &label(&tx, target)?,
        details: "",
    };
    let ended = account_links::unlink(&tx, target, by.contract_id)?;
    audit::on_contract(&tx, by.account_id, by.contract_id, &what, by.ip, by.now)?;
    tx.commit()?;
    Ok(Ok(ended))
}

/// Whether the account owns its current contract (shows the «Пользователи» tab).
pub fn owns_current(c: &Connection, account_id: i64) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM accounts a
             JOIN account_contracts ac ON ac.account_id = a.id AND ac.contract_id = a.current_contract_id
             WHERE a.id = ?1 AND ac.role = 'owner')",
    )?
    .query_row([account_id], |r| r.get(0))
}

/// Staff remove `target` from contract `number` on the owner's phoned request: audited with
/// the staff member and the reason. Returns the ended session ids and the contract id.
pub fn staff_remove(
    c: &mut Connection,
    staff_id: i64,
    number: &str,
    target: i64,
    reason: &str,
    ip: &str,
    now: i64,
) -> rusqlite::Result<Result<(i64, Vec<i64>), Refusal>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(contract_id) = tx
        .prepare_cached("SELECT id FROM contracts WHERE number = ?1")?
        .query_row([number], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(Err(Refusal::NotAUser));
    };
    match user(&tx, contract_id, target)? {
        None => return Ok(Err(Refusal::NotAUser)),
        Some((true, _)) => return Ok(Err(Refusal::OwnAccount)),
        Some(_) => {}
    }
    let who = label(&tx, target)?;
    let ended = account_links::unlink(&tx, target, contract_id)?;
    tx.prepare_cached(
        "INSERT INTO audit_log(actor_kind, actor_id, action, target, details, ip, created_at, contract_id)
         VALUES ('staff', ?1, 'staff.user_remove', ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![staff_id, who, reason, ip, now, contract_id])?;
    tx.commit()?;
    Ok(Ok((contract_id, ended)))
}
