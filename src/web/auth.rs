//! Authorization extractors. Every subscriber route takes one of these; a handler that works
//! on a contract takes [`CurrentContract`], which is only built when the account is linked to it.
use poem::{FromRequest, Request, RequestBody};

use crate::auth::session::{client_ip, token_from, token_hash};
use crate::{
    db::{
        account_links::{self, Linked},
        accounts,
        contracts::ContractSummary,
        fresh, sessions,
    },
    domain::role::Role,
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
    contract: Option<(ContractSummary, Role)>,
}

/// Token hash → checked session. Any commit (logout, device reset, password change, a payment,
/// a switch of contract) invalidates every entry, so the cache can only skip reads that would
/// have returned the same rows.
pub type SessionCache = fresh::ReadCache<Vec<u8>, CachedSession>;

pub fn new_session_cache(
    ttl: std::time::Duration,
    f: std::sync::Arc<fresh::Fresh>,
) -> SessionCache {
    fresh::ReadCache::new(8192, ttl, f)
}

/// Seconds between `last_seen_at` updates of a session.
const TOUCH_EVERY: i64 = 60;

/// The session from the cache, when it is there and needs no write (no touch, not expired).
fn cached(req: &Request, st: &SharedState, with_contract: bool) -> Option<CurrentContractOpt> {
    let token = token_from(req)?;
    let s = web(req).ok()?.session_cache.get(&token_hash(&token))?;
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

/// The capability the matched route needs, checked against the account's role on the
/// contract (see `web::roles`): the one place a role is enforced.
fn allow(req: &Request, role: Role) -> Result<(), AppError> {
    match super::roles::required(req) {
        Ok(cap) if role.can(cap) => Ok(()),
        Ok(_) => Err(AppError::Forbidden),
        Err(e) => {
            tracing::error!(error = %e, "route without a role rule refused");
            Err(AppError::Forbidden)
        }
    }
}

/// The current contract without touching the database, when the session's checked state is
/// cached (see [`SessionCache`]); `None` means: take the [`CurrentContract`] extractor's path.
fn cached_contract(req: &Request) -> Option<CurrentContract> {
    let st = state(req).ok()?;
    let r = cached(req, &st, true)?;
    let (contract, role) = r.contract?;
    Some(CurrentContract {
        account: r.account,
        contract,
        role,
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
    /// The account's role on it (already checked against the route's rule).
    pub role: Role,
}

fn web(req: &Request) -> Result<super::SharedWeb, AppError> {
    req.data::<super::SharedWeb>()
        .cloned()
        .ok_or_else(|| AppError::Internal("web state missing".into()))
}

pub fn state(req: &Request) -> Result<SharedState, AppError> {
    req.data::<SharedState>()
        .cloned()
        .ok_or_else(|| AppError::Internal("state missing".into()))
}

type Then<T> = Box<
    dyn FnOnce(
            &mut crate::db::Conn,
            &CurrentAccount,
            Option<&(ContractSummary, Role)>,
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
    let web = web(req)?;
    let stamp = web.session_cache.stamp();
    let found =
        st.db
            .run(move |c| {
                // The session, its account and (when still linked) the current contract in one
                // statement: this runs on every subscriber request.
                let Some((s, linked, pending)) = sessions::with_current_contract(c, &hash)? else {
                    return Ok(None);
                };
                let Some(account_id) = s.account_id else {
                    return Ok(None);
                };
                if pending {
                    // Not cached: the second-factor page is the only way on.
                    return Err(AppError::SecondFactor);
                }
                if now - s.last_seen_at > idle || now - s.created_at > max {
                    sessions::delete(c, s.id)?;
                    return Ok(None);
                }
                // The last-seen touch is queued to the writer after this read (see below).
                let touch = now - s.last_seen_at >= TOUCH_EVERY;
                let account = CurrentAccount {
                    session_id: s.id,
                    account_id,
                };
                let mut scopes = vec![fresh::Scope::Account(account_id)];
                // (the contract's summary carries its balance)
                scopes.extend(
                    linked.as_ref().into_iter().flat_map(|k| {
                        [fresh::Scope::Contract(k.0.id), fresh::Scope::Money(k.0.id)]
                    }),
                );
                web.session_cache.put(
                    hash,
                    stamp,
                    &scopes,
                    CachedSession {
                        account: account.clone(),
                        created_at: s.created_at,
                        last_seen_at: if touch { now } else { s.last_seen_at },
                        contract: linked.clone(),
                    },
                );
                let contract = if with_contract {
                    let found = match linked {
                        Some(k) => Some(k),
                        None => match accounts::current_contract(c, account_id)? {
                            Some(k) => accounts::role(c, account_id, k.id)?.map(|r| (k, r)),
                            None => None,
                        },
                    };
                    match found {
                        Some(k) => Some(k),
                        None => return Err(AppError::NoContract),
                    }
                } else {
                    None
                };
                let extra = then(c, &account, contract.as_ref())?;
                Ok(Some((
                    CurrentContractOpt { account, contract },
                    extra,
                    touch,
                )))
            })
            .await?;
    let Some((cur, extra, touch)) = found else {
        return Err(AppError::Unauthorized);
    };
    if touch {
        // Bookkeeping: when it cannot be stored (a full disk, a read-only file, a full write
        // queue) the request goes on and the touch is tried again next time. It changes
        // nothing a cached page shows, so it invalidates nothing.
        let sid = cur.account.session_id;
        let r = st
            .db
            .write(move |c| Ok(fresh::scoped(c, &[], || sessions::touch(c, sid, now, &ip))?))
            .await;
        if let Err(e) = r {
            touch_failed(&st.db, e);
        }
    }
    Ok((cur, extra))
}

/// Logs (and reports to `/readyz`) a session touch that could not be stored.
pub fn touch_failed(db: &crate::db::Db, e: AppError) {
    tracing::warn!(error = %e, "session last-seen time not saved");
    db.note_failure(&e);
}

struct CurrentContractOpt {
    account: CurrentAccount,
    contract: Option<(ContractSummary, Role)>,
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
            allow(req, cur.role)?;
            return Ok(cur);
        }
        let (r, ()) = authenticate(req, true, Box::new(|_, _, _| Ok(()))).await?;
        let (contract, role) = r.contract.ok_or(AppError::Unauthorized)?;
        allow(req, role)?;
        Ok(CurrentContract {
            account: r.account,
            contract,
            role,
        })
    }
}

/// A contract named in the path (`/contracts/:id/…`, `/access/:contract/…`) that is linked to
/// this session's account: the one way a handler gets a contract id from the URL, so none can
/// forget the check. An unknown, malformed or foreign id answers 404 (never telling which);
/// a linked contract whose role lacks the route's capability answers 403.
#[derive(Debug, Clone)]
pub struct LinkedContract {
    pub account: CurrentAccount,
    pub link: Linked,
}

impl LinkedContract {
    pub fn id(&self) -> i64 {
        self.link.id
    }
}

/// The contract id of the path: parameter `id` or `contract`.
fn path_contract_id(req: &Request) -> Option<i64> {
    req.raw_path_param("id")
        .or_else(|| req.raw_path_param("contract"))?
        .parse()
        .ok()
}

impl<'a> FromRequest<'a> for LinkedContract {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let account = CurrentAccount::from_request(req, body).await?;
        let id = path_contract_id(req).ok_or(AppError::NotFound)?;
        let st = state(req)?;
        let aid = account.account_id;
        let link = st
            .db
            .run(move |c| Ok(account_links::get(c, aid, id)?))
            .await?
            .ok_or(AppError::NotFound)?;
        allow(req, link.role)?;
        Ok(LinkedContract { account, link })
    }
}

/// A subscriber session that may still wait for its second factor (only the second-factor
/// page takes this; every other route refuses a waiting session with a redirect to it).
#[derive(Debug, Clone)]
pub struct SecondFactorSession {
    pub session_id: i64,
    pub account_id: i64,
    pub pending: bool,
}

impl<'a> FromRequest<'a> for SecondFactorSession {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let st = state(req)?;
        let token = token_from(req).ok_or(AppError::Unauthorized)?;
        let hash = token_hash(&token);
        let found = st
            .db
            .run(move |c| Ok(crate::db::second_factor::session(c, &hash)?))
            .await?
            .ok_or(AppError::Unauthorized)?;
        let (session_id, account_id, pending) = found;
        Ok(SecondFactorSession {
            session_id,
            account_id,
            pending,
        })
    }
}
