//! Invitations as the invitee sees them: listed at login, accepted or declined. Accepting
//! links the phone's account to the contract with the invited role.
use rusqlite::{params, Connection, OptionalExtension};

use super::audit;
use crate::domain::role::{Invitation, Role};

/// Invitations waiting for `phone`.
pub fn for_phone(c: &Connection, phone: &str) -> rusqlite::Result<Vec<Invitation>> {
    let mut st = c.prepare_cached(
        "SELECT i.id, k.number, k.address, i.role FROM invitations i
         JOIN contracts k ON k.id = i.contract_id WHERE i.phone = ?1 ORDER BY i.id",
    )?;
    let rows = st.query_map([phone], |r| {
        Ok(Invitation {
            id: r.get(0)?,
            contract_number: r.get(1)?,
            address: r.get(2)?,
            role: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// How many invitations wait for the phone of `account_id`.
pub fn count_for_account(c: &Connection, account_id: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COUNT(*) FROM invitations i JOIN accounts a ON a.phone = i.phone WHERE a.id = ?1",
    )?
    .query_row([account_id], |r| r.get(0))
}

/// Accepts invitation `id` addressed to `account_id`'s phone: the account holds the contract
/// with the invited role (journal row on the contract). The contract id, or None when there
/// is no such invitation.
pub fn accept(
    c: &Connection,
    account_id: i64,
    id: i64,
    ip: &str,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let found: Option<(i64, Role, Option<i64>, String)> = c
        .prepare_cached(
            "SELECT i.contract_id, i.role, i.invited_by, i.phone FROM invitations i
             JOIN accounts a ON a.phone = i.phone WHERE i.id = ?1 AND a.id = ?2",
        )?
        .query_row(params![id, account_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((contract_id, role, invited_by, phone)) = found else {
        return Ok(None);
    };
    c.prepare_cached(
        "INSERT OR IGNORE INTO account_contracts(account_id, contract_id, note, added_at, role, invited_by)
         VALUES (?1, ?2, '', ?3, ?4, ?5)",
    )?
    .execute(params![account_id, contract_id, now, role, invited_by])?;
    c.prepare_cached(
        "UPDATE accounts SET current_contract_id = ?2 WHERE id = ?1 AND current_contract_id IS NULL",
    )?
    .execute(params![account_id, contract_id])?;
    c.prepare_cached("DELETE FROM invitations WHERE id = ?1")?
        .execute([id])?;
    let what = audit::What {
        action: "user.accept",
        target: &crate::domain::outbox::mask_phone(&phone),
        details: role.label(),
    };
    audit::on_contract(c, account_id, contract_id, &what, ip, now)?;
    Ok(Some(contract_id))
}

/// Declines invitation `id` addressed to `account_id`'s phone. False when there is none.
pub fn decline(c: &Connection, account_id: i64, id: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "DELETE FROM invitations WHERE id = ?1
         AND phone = (SELECT phone FROM accounts WHERE id = ?2)",
    )?
    .execute(params![id, account_id])?
        == 1)
}
