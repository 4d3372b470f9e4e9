//! Starting and ending sessions: subscribers (by contract or phone) and staff.
use crate::{
    auth::session::{new_token, token_hash},
    db::{
        accounts, audit,
        fresh::{self, Scope},
        sessions,
    },
    error::AppError,
    state::AppState,
};

/// Where a new session comes from (stored with it, shown in «Устройства и доступ»).
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// Who a new session is for.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    /// The contract's own account (created on its first login).
    Contract(i64),
    /// A staff member (the login is audited as `staff.login`).
    Staff(i64),
    /// An account that proved itself with a passkey (no second factor is asked after it).
    Passkey(i64),
}

/// Starts a session and returns its token. `previous`: the token of a session this browser
/// still holds; it ends (one browser, one session).
pub async fn start(
    st: &std::sync::Arc<AppState>,
    who: Who,
    client: Client,
    previous: Option<String>,
) -> Result<String, AppError> {
    let token = new_token();
    let th = token_hash(&token);
    let old = previous.map(|t| token_hash(&t));
    let now = st.clock.now();
    let (ua, ip) = (client.user_agent.clone(), client.ip.clone());
    let (ended, account) = st
        .db
        .write(move |tx| {
            let ended = match &old {
                Some(h) => sessions::by_token(tx, h)?,
                None => None,
            };
            // (a first login creates the contract's account: that write says nothing of its
            // scope and invalidates every cache, once)
            let (account_id, staff_id) = match who {
                Who::Contract(id) => (Some(accounts::contract_account(tx, id, now)?), None),
                Who::Staff(id) => (None, Some(id)),
                Who::Passkey(id) => (Some(id), None),
            };
            // A new session and the end of this browser's previous one touch only the two
            // accounts' cached session checks, not everyone's cached pages.
            let scopes: Vec<Scope> = account_id
                .into_iter()
                .chain(ended.as_ref().and_then(|s| s.account_id))
                .map(Scope::Account)
                .collect();
            let ended = ended.map(|s| s.id);
            fresh::scoped(tx, &scopes, || -> Result<_, AppError> {
                if let Some(id) = ended {
                    sessions::delete(tx, id)?;
                }
                let session_id = sessions::insert(
                    tx,
                    &sessions::NewSession {
                        token_hash: &th,
                        account_id,
                        staff_id,
                        user_agent: &client.user_agent,
                        ip: &client.ip,
                        now,
                    },
                )?;
                if matches!(who, Who::Passkey(_)) {
                    crate::db::second_factor::pass(tx, session_id)?;
                }
                if let Some(staff_id) = staff_id {
                    let e = audit::Entry {
                        staff_id,
                        action: "staff.login",
                        target: "",
                        details: "",
                        ip: &client.ip,
                        now,
                    };
                    audit::staff(tx, &e)?;
                }
                Ok(())
            })?;
            Ok((ended, account_id))
        })
        .await?;
    st.sessions_ended(ended.into_iter().collect());
    if let Some(account_id) = account {
        super::activity::after_login(st, account_id, ua, ip).await;
    }
    if let Who::Contract(contract_id) = who {
        tracing::info!(contract_id, "login ok");
    }
    Ok(token)
}

/// A failed staff login, audited as `staff.login_failed` with the typed login.
pub async fn staff_login_failed(st: &AppState, login: String, ip: String) -> Result<(), AppError> {
    let now = st.clock.now();
    st.db
        .run(move |c| {
            Ok(audit::system(
                c,
                "staff.login_failed",
                &format!("staff:{login}"),
                "",
                &ip,
                now,
            )?)
        })
        .await
}

/// Ends the session of this token (logout); staff logouts are audited. Announces the end so
/// the session's live sockets close.
pub async fn end(st: &AppState, token: &str, ip: String) -> Result<(), AppError> {
    let th = token_hash(token);
    let now = st.clock.now();
    let ended = st
        .db
        .run(move |c| {
            let s = sessions::by_token(c, &th)?;
            if let Some(s) = &s {
                sessions::delete(c, s.id)?;
                if let Some(sid) = s.staff_id {
                    audit::staff(
                        c,
                        &audit::Entry {
                            staff_id: sid,
                            action: "staff.logout",
                            target: "",
                            details: "",
                            ip: &ip,
                            now,
                        },
                    )?;
                }
            }
            Ok(s.map(|s| s.id))
        })
        .await?;
    st.sessions_ended(ended.into_iter().collect());
    Ok(())
}
