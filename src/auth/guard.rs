//! Authorization extractors. Every subscriber route takes one of these; a handler that works
//! on a contract takes [`CurrentContract`], which is only built when the account is linked to it.
use poem::{FromRequest, Request, RequestBody};

use super::session::{client_ip, token_from, token_hash};
use crate::{
    db::{accounts, contracts::ContractSummary, fresh, sessions},
    error::AppError,
    state::SharedState,
};

/// A checked session as last read from the database, with its account's current contract when
/// linked. Served from [`SessionCache`] while nothing was written since (see `db::fresh`).
#[derive(Clone)]
pub struct CachedSession {
    account: CurrentAccount,
    created_at: i64,
    last_seen_at: i64,
    contract: Option<ContractSummary>,
}

/// Token hash → checked session. Any commit (logout, device reset, password change, a payment,
/// a switch of contract) invalidates every entry, so the cache can only skip reads that would
/// have returned the same rows.
pub type SessionCache = fresh::ReadCache<Vec<u8>, CachedSession>;

pub fn new_session_cache(ttl: std::time::Duration) -> SessionCache {
    fresh::ReadCache::new(8192, ttl)
}

/// Seconds between `last_seen_at` updates of a session.
const TOUCH_EVERY: i64 = 60;

/// The session from the cache, when it is there and needs no write (no touch, not expired).
fn cached(req: &Request, st: &SharedState, with_contract: bool) -> Option<CurrentContractOpt> {
    let token = token_from(req)?;
    let s = st.session_cache.get(&token_hash(&token))?;
    let now = st.clock.now();
    let max = i64::from(st.cfg.sessions.absolute_max_days) * 86_400;
    if now - s.last_seen_at >= TOUCH_EVERY || now - s.created_at > max {
        return None;
    }
    if with_contract && s.contract.is_none() {
        return None;
    }
    Some(CurrentContractOpt {
        account: s.account,
        contract: if with_contract { s.contract } else { None },
    })
}

/// The current contract without touching the database, when the session's checked state is
/// cached (see [`SessionCache`]); `None` means: take the [`CurrentContract`] extractor's path.
pub fn cached_contract(req: &Request) -> Option<CurrentContract> {
    let st = state(req).ok()?;
    let r = cached(req, &st, true)?;
    Some(CurrentContract {
        account: r.account,
        contract: r.contract?,
    })
}

/// A live subscriber session.
#[derive(Debug, Clone)]
pub struct CurrentAccount {
    pub session_id: i64,
    pub account_id: i64,
}

/// A live subscriber session and the account's current contract (link verified).
#[derive(Debug, Clone)]
pub struct CurrentContract {
    pub account: CurrentAccount,
    pub contract: ContractSummary,
}

pub fn state(req: &Request) -> Result<SharedState, AppError> {
    req.data::<SharedState>()
        .cloned()
        .ok_or_else(|| AppError::Internal("state missing".into()))
}

type Then<T> = Box<
    dyn FnOnce(
            &mut rusqlite::Connection,
            &CurrentAccount,
            Option<&ContractSummary>,
        ) -> Result<T, AppError>
        + Send,
>;

async fn authenticate<T: Send + 'static>(
    req: &Request,
    with_contract: bool,
    then: Then<T>,
) -> Result<(CurrentContractOpt, T), AppError> {
    let st = state(req)?;
    let token = token_from(req).ok_or(AppError::Unauthorized)?;
    let hash = token_hash(&token);
    let ip = client_ip(req, &st.cfg).to_string();
    let now = st.clock.now();
    let idle = i64::from(st.cfg.sessions.idle_timeout_days) * 86_400;
    let max = i64::from(st.cfg.sessions.absolute_max_days) * 86_400;
    let commits_before = fresh::commits();
    let st2 = st.clone();
    let found = st
        .db
        .run(move |c| {
            // The session, its account and (when still linked) the current contract in one
            // statement: this runs on every subscriber request.
            let Some((s, linked)) = sessions::with_current_contract(c, &hash)? else {
                return Ok(None);
            };
            let Some(account_id) = s.account_id else {
                return Ok(None);
            };
            if now - s.last_seen_at > idle || now - s.created_at > max {
                sessions::delete(c, s.id)?;
                return Ok(None);
            }
            let mut last_seen_at = s.last_seen_at;
            if now - s.last_seen_at >= TOUCH_EVERY {
                sessions::touch(c, s.id, now, &ip)?;
                last_seen_at = now;
            }
            let account = CurrentAccount {
                session_id: s.id,
                account_id,
            };
            st2.session_cache.put(
                hash,
                commits_before,
                CachedSession {
                    account: account.clone(),
                    created_at: s.created_at,
                    last_seen_at,
                    contract: linked.clone(),
                },
            );
            let contract = if with_contract {
                let found = match linked {
                    Some(k) => Some(k),
                    None => accounts::current_contract(c, account_id)?,
                };
                match found {
                    Some(k) => Some(k),
                    None => return Err(AppError::NoContract),
                }
            } else {
                None
            };
            let extra = then(c, &account, contract.as_ref())?;
            Ok(Some((CurrentContractOpt { account, contract }, extra)))
        })
        .await?;
    found.ok_or(AppError::Unauthorized)
}

struct CurrentContractOpt {
    account: CurrentAccount,
    contract: Option<ContractSummary>,
}

impl<'a> FromRequest<'a> for CurrentAccount {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        if let Some(r) = cached(req, &state(req)?, false) {
            return Ok(r.account);
        }
        Ok(authenticate(req, false, Box::new(|_, _, _| Ok(())))
            .await?
            .0
            .account)
    }
}

impl<'a> FromRequest<'a> for CurrentContract {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        if let Some(cur) = cached_contract(req) {
            return Ok(cur);
        }
        let (r, ()) = authenticate(req, true, Box::new(|_, _, _| Ok(()))).await?;
        let contract = r.contract.ok_or(AppError::Unauthorized)?;
        Ok(CurrentContract {
            account: r.account,
            contract,
        })
    }
}

/// Like the [`CurrentContract`] extractor, and runs `f` for that contract in the same blocking
/// call: one trip to the pool for pages that need more data (the main page).
pub async fn current_contract_with<T, F>(
    req: &Request,
    f: F,
) -> Result<(CurrentContract, T), AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut rusqlite::Connection, &CurrentContract) -> Result<T, AppError> + Send + 'static,
{
    let (r, extra) = authenticate(
        req,
        true,
        Box::new(move |c, account, contract| {
            let contract = contract.ok_or(AppError::Unauthorized)?;
            let cur = CurrentContract {
                account: account.clone(),
                contract: contract.clone(),
            };
            f(c, &cur)
        }),
    )
    .await?;
    let contract = r.contract.ok_or(AppError::Unauthorized)?;
    Ok((
        CurrentContract {
            account: r.account,
            contract,
        },
        extra,
    ))
}
