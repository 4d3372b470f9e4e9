//! The invitee's side of an invitation (issue 24 #5): an owner's invitation links nothing
//! until the invited phone's account accepts it; declining removes it.
use std::net::IpAddr;

use crate::{
    db::{self, invitations as dbi},
    domain::role::Invitation,
    error::AppError,
    state::AppState,
};

/// Invitations waiting for the account's phone (none for a contract account).
pub async fn waiting(st: &AppState, account_id: i64) -> Result<Vec<Invitation>, AppError> {
    st.db
        .run(move |c| {
            let phone = db::accounts::login_of(c, account_id)?.1;
            Ok(match phone {
                Some(p) => dbi::for_phone(c, &p)?,
                None => Vec::new(),
            })
        })
        .await
}

/// Accepts: the contract is the account's with the invited role (and its current one when
/// it had none). The contract number, or None when the invitation is gone.
pub async fn accept(
    st: &AppState,
    account_id: i64,
    id: i64,
    ip: IpAddr,
) -> Result<Option<i64>, AppError> {
    let now = st.clock.now();
    let ip = ip.to_string();
    let done = st
        .db
        .write(move |tx| Ok(dbi::accept(tx, account_id, id, &ip, now)?))
        .await?;
    if let Some(contract_id) = done {
        tracing::info!(account_id, contract_id, "invitation accepted");
    }
    Ok(done)
}

/// Declines: the invitation is removed. False when it was already gone.
pub async fn decline(st: &AppState, account_id: i64, id: i64) -> Result<bool, AppError> {
    let done = st
        .db
        .write(move |tx| Ok(dbi::decline(tx, account_id, id)?))
        .await?;
    if done {
        tracing::info!(account_id, "invitation declined");
    }
    Ok(done)
}
