//! Authorization extractors. Every subscriber route takes one of these; a handler that works
//! on a contract takes [`CurrentContract`], which is only built when the account is linked to it.
use poem::{FromRequest, Request, RequestBody};

use super::session::{client_ip, token_from, token_hash};
use crate::{
    db::{accounts, contracts::ContractSummary, sessions},
    error::AppError,
    state::SharedState,
};

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
    let found = st
        .db
        .run(move |c| {
            let Some(s) = sessions::by_token(c, &hash)? else {
                return Ok(None);
            };
            let Some(account_id) = s.account_id else {
                return Ok(None);
            };
            if now - s.last_seen_at > idle || now - s.created_at > max {
                sessions::delete(c, s.id)?;
                return Ok(None);
            }
            if now - s.last_seen_at >= 60 {
                sessions::touch(c, s.id, now, &ip)?;
            }
            let account = CurrentAccount {
                session_id: s.id,
                account_id,
            };
            let contract = if with_contract {
                match accounts::current_contract(c, account_id)? {
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
        Ok(authenticate(req, false, Box::new(|_, _, _| Ok(())))
            .await?
            .0
            .account)
    }
}

impl<'a> FromRequest<'a> for CurrentContract {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
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
