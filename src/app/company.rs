//! Company users (issue 15): the owner invites a phone with a role, changes a role, removes a
//! user. Each change is one transaction with its audit row (`db::company`); a change of access
//! is announced at once (ended sessions, and the account's chat sockets on the contract).
use std::net::IpAddr;

use crate::{
    db::company::{self, By},
    domain::{
        outbox::{mask_phone, normalize_phone},
        role::{Refusal, Role, User},
    },
    error::AppError,
    state::AppState,
};

/// The owner (an account on a contract it owns; the extractor checked the role) and where
/// the request came from.
pub struct Owner {
    pub account_id: i64,
    pub contract_id: i64,
    pub contract_number: String,
    pub ip: IpAddr,
}

/// Runs `f` on a pooled connection as `owner` (who, from where, when: for the journal).
async fn as_owner<T: Send + 'static>(
    st: &AppState,
    owner: &Owner,
    f: impl FnOnce(&mut crate::db::Conn, &By) -> crate::db::SqlResult<T> + Send + 'static,
) -> Result<T, AppError> {
    let (account_id, contract_id) = (owner.account_id, owner.contract_id);
    let (ip, now) = (owner.ip.to_string(), st.clock.now());
    st.db
        .run(move |c| {
            let by = By {
                account_id,
                contract_id,
                ip: &ip,
                now,
            };
            Ok(f(c, &by)?)
        })
        .await
}

pub async fn users(st: &AppState, contract_id: i64) -> Result<Vec<User>, AppError> {
    st.db
        .run(move |c| Ok(company::users(c, contract_id)?))
        .await
}

/// The role picked in a form: only the four known codes.
pub fn parse_role(code: &str) -> Result<Role, Refusal> {
    Role::from_code(code.trim()).ok_or(Refusal::UnknownRole)
}

/// «Пригласить»: checks the input, limits invitations like login codes (per IP, per phone,
/// daily total), links the phone's account with the role and sends the SMS.
pub async fn invite(
    st: &std::sync::Arc<AppState>,
    owner: &Owner,
    typed_phone: &str,
    role_code: &str,
) -> Result<Result<(), Refusal>, AppError> {
    let typed: String = typed_phone.trim().chars().take(30).collect();
    let Some(phone) = normalize_phone(&typed) else {
        return Ok(Err(Refusal::BadPhone));
    };
    let role = match parse_role(role_code) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let limited = st
        .limits
        .check_ip(&st.limits.code_ip, owner.ip)
        .and_then(|_| st.limits.check_key(&st.limits.code_phone, &phone))
        .and_then(|_| st.limits.check_daily_codes());
    if let Err(wait) = limited {
        tracing::warn!(phone = %mask_phone(&phone), ip = %owner.ip, "invitation throttled");
        return Ok(Err(Refusal::Throttled(format!(
            "Слишком много приглашений. Попробуйте {}",
            wait.human()
        ))));
    }
    let text = format!(
        "{}: вас приглашают к договору {} с ролью «{}». Войдите в личный кабинет по этому номеру телефона, чтобы принять или отклонить приглашение.",
        st.cfg.branding.name,
        owner.contract_number,
        role.label()
    );
    let (aid, cid) = (owner.account_id, owner.contract_id);
    let (p, t) = (phone.clone(), text.clone());
    let done = as_owner(st, owner, move |c, by| company::invite(c, by, &p, role, &t)).await?;
    match done {
        Ok(outbox_id) => {
            tracing::info!(
                account_id = aid,
                contract_id = cid,
                phone = %mask_phone(&phone),
                role = role.code(),
                "user invited"
            );
            crate::app::outbox::dispatch_sms(st.clone(), outbox_id, phone, text);
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// Invitations of the owner's contract still waiting for consent.
pub async fn pending(
    st: &AppState,
    contract_id: i64,
) -> Result<Vec<crate::domain::role::Pending>, AppError> {
    st.db
        .run(move |c| Ok(company::pending(c, contract_id)?))
        .await
}

/// «Отменить приглашение». False when it was already accepted, declined or cancelled.
pub async fn cancel(st: &AppState, owner: &Owner, id: i64) -> Result<bool, AppError> {
    as_owner(st, owner, move |c, by| company::cancel(c, by, id)).await
}

/// A new role for `target`; its open chat on the contract closes (its tab reloads with what
/// the new role shows).
pub async fn change_role(
    st: &AppState,
    owner: &Owner,
    target: i64,
    role_code: &str,
) -> Result<Result<Role, Refusal>, AppError> {
    let role = match parse_role(role_code) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let (aid, cid) = (owner.account_id, owner.contract_id);
    let done = as_owner(st, owner, move |c, by| {
        company::set_role(c, by, target, role)
    })
    .await?;
    if let Ok(was) = done {
        tracing::info!(
            account_id = aid,
            contract_id = cid,
            target,
            from = was.code(),
            to = role.code(),
            "user role changed"
        );
        st.access_changed(target, cid);
        return Ok(Ok(role));
    }
    Ok(done.map(|_| role))
}

/// Removes `target` from the contract: its sessions on it end and its chat closes at once.
pub async fn remove(
    st: &AppState,
    owner: &Owner,
    target: i64,
) -> Result<Result<(), Refusal>, AppError> {
    let (aid, cid) = (owner.account_id, owner.contract_id);
    let done = as_owner(st, owner, move |c, by| company::remove(c, by, target)).await?;
    match done {
        Ok(ended) => {
            tracing::info!(
                account_id = aid,
                contract_id = cid,
                target,
                sessions = ended.len(),
                "user removed"
            );
            st.sessions_ended(ended);
            st.access_changed(target, cid);
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// Staff remove a user of contract `number` on the owner's phoned request (`reason` is
/// required and audited); the user's access ends at once.
pub async fn staff_remove(
    st: &AppState,
    staff_id: i64,
    number: String,
    target: i64,
    reason: &str,
    ip: String,
) -> Result<Result<(), Refusal>, AppError> {
    let reason: String = reason.trim().chars().take(200).collect();
    if reason.is_empty() {
        return Ok(Err(Refusal::Throttled(
            "Укажите основание: например, «звонок владельца»".into(),
        )));
    }
    let now = st.clock.now();
    let done = st
        .db
        .run(move |c| {
            Ok(company::staff_remove(
                c, staff_id, &number, target, &reason, &ip, now,
            )?)
        })
        .await?;
    match done {
        Ok((contract_id, ended)) => {
            tracing::info!(staff_id, contract_id, target, "user removed by staff");
            st.sessions_ended(ended);
            st.access_changed(target, contract_id);
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(e)),
    }
}
