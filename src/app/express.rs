//! «Экспресс-оплата» (pay without logging in), issue 24 items 7 and 12: a lookup gives an
//! opaque random token (the contract id stays on the server), valid for [`TOKEN_TTL`] and good
//! for one payment; payment starts are limited per IP and per contract, and the pending
//! express payments of the whole site have a ceiling.
use std::{net::IpAddr, time::Duration};

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{
    app::credentials::{too_many, Purpose},
    auth::rate::RetryAfter,
    db::{self, contracts, express as q},
    error::AppError,
    state::SharedState,
};

/// How long a lookup may be paid from.
pub const TOKEN_TTL: i64 = 30 * 60;
/// The window of the per-contract count and the pending ceiling.
const HOUR: i64 = 3600;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// What a lookup found (the caller masks it).
pub struct Found {
    pub token: String,
    pub address: String,
    pub org: String,
    pub recommended_kop: i64,
}

/// Finds a contract by number and segment; a found one gets a new token.
pub async fn lookup(
    st: &SharedState,
    number: String,
    segment: &'static str,
) -> Result<Option<Found>, AppError> {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    let token = hex::encode(b);
    let h = hash(&token);
    let now = st.clock.now();
    let found = st
        .db
        .run_quiet(move |c| {
            let Some((cid, address, org, recommended)) =
                contracts::express_lookup(c, &number, segment)?
            else {
                return Ok(None);
            };
            let tx = db::begin_write(c)?;
            q::insert(&tx, &h, cid, now, now + TOKEN_TTL)?;
            tx.commit()?;
            Ok(Some((address, org, recommended)))
        })
        .await?;
    Ok(found.map(|(address, org, recommended_kop)| Found {
        token,
        address,
        org,
        recommended_kop,
    }))
}

/// The recommended amount of a live token's contract (the pay form), None when it expired.
pub async fn recommended(st: &SharedState, token: &str) -> Result<Option<i64>, AppError> {
    let (h, now) = (hash(token), st.clock.now());
    st.db
        .run(move |c| {
            let Some((cid, _)) = q::find(c, &h, now)? else {
                return Ok(None);
            };
            Ok(Some(
                contracts::summary(c, cid)?.map_or(0, |k| k.recommended_kop),
            ))
        })
        .await
}

/// Why a payment was not started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown or expired token: look the contract up again.
    Expired,
    /// This lookup already started a payment (with another form).
    Used,
    /// Too many starts from this address or for this contract (the message says when).
    TooMany(String),
    /// Too many express payments pending on the whole site.
    Busy,
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Expired => "Данные поиска устарели. Найдите договор заново.",
            Refusal::Used => {
                "По этому поиску платеж уже начат. Чтобы оплатить еще раз, найдите договор заново."
            }
            Refusal::TooMany(m) => m,
            Refusal::Busy => {
                "Сейчас слишком много незавершенных оплат без входа. Попробуйте через несколько \
                 минут или войдите в личный кабинет."
            }
        }
    }
}

/// Lets the token start the payment whose form key is `key`: its contract, or why not. The
/// same key again (a retry of the same form) is the same payment and passes.
pub async fn claim(
    st: &SharedState,
    token: &str,
    key: String,
    ip: IpAddr,
) -> Result<Result<i64, Refusal>, AppError> {
    let (h, now) = (hash(token), st.clock.now());
    let st2 = st.clone();
    st.db
        .run_quiet(move |c| {
            let tx = db::begin_write(c)?;
            let r = claim_in(&st2, &tx, &h, &key, ip, now)?;
            tx.commit()?;
            Ok(r)
        })
        .await
}

fn claim_in(
    st: &SharedState,
    c: &db::Conn,
    h: &[u8],
    key: &str,
    ip: IpAddr,
    now: i64,
) -> Result<Result<i64, Refusal>, AppError> {
    let p = &st.cfg.payments;
    let cid = match q::find(c, h, now)? {
        None => return Ok(Err(Refusal::Expired)),
        Some((cid, Some(k))) if k == key => return Ok(Ok(cid)),
        Some((_, Some(_))) => return Ok(Err(Refusal::Used)),
        Some((cid, None)) => cid,
    };
    if let Err(wait) = st.limits.check_ip(&st.money.express_pay_ip, ip) {
        tracing::warn!(%ip, "express payment starts throttled (address)");
        return Ok(Err(Refusal::TooMany(too_many(Purpose::Confirm, wait))));
    }
    let (started, first) = q::started_for_contract(c, cid, now - HOUR)?;
    if started >= i64::from(p.express_payments_per_contract_per_hour) {
        tracing::warn!(
            contract_id = cid,
            "express payment starts throttled (contract)"
        );
        let wait = first.map_or(HOUR, |t| t + HOUR - now).max(1);
        let wait = RetryAfter(Duration::from_secs(wait as u64));
        return Ok(Err(Refusal::TooMany(too_many(Purpose::Confirm, wait))));
    }
    if q::pending_payments(c, now - 24 * HOUR)? >= i64::from(p.express_pending_max) {
        tracing::warn!("express payments: the site-wide pending ceiling is reached");
        return Ok(Err(Refusal::Busy));
    }
    if !q::claim(c, h, key, now)? {
        return Ok(Err(Refusal::Used));
    }
    Ok(Ok(cid))
}
