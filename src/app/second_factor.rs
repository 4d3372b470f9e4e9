//! Two-factor login (issue 15): TOTP enrolment with recovery codes, the code after a login
//! (refused when replayed within its step; recovery codes single-use; attempts limited like
//! logins), and the owner's requirement for every user of a contract.
use std::net::IpAddr;

use crate::{
    app::credentials::{too_many, Purpose},
    auth::totp,
    db::{audit, second_factor as db2},
    domain::qr,
    error::AppError,
    state::AppState,
};

/// The words for a wrong code.
pub const WRONG: &str = "Неверный код. Проверьте время на телефоне и введите новый код";

/// What the second-factor page shows.
pub enum Step {
    /// Type the code (or a recovery code).
    Code,
    /// No TOTP yet but a contract requires it: enrol (QR SVG, base32 secret).
    Enrol { qr_svg: String, secret: String },
}

/// Per-IP and per-account attempt limits, the same budgets as logins: every attempt counts
/// per IP, and only a wrong code spends the account's budget (see [`wrong`]) — six people of
/// one office giving right codes within a minute all get in.
fn limited(st: &AppState, ip: IpAddr, account_id: i64) -> Result<(), String> {
    st.limits
        .check_ip(&st.limits.login_ip, ip)
        .and_then(|_| st.limits.login.admit(&budget_key(account_id), ip, None))
        .map_err(|w| too_many(Purpose::Login, w))
}

fn budget_key(account_id: i64) -> String {
    format!("2fa:{account_id}")
}

/// A wrong code spends the account's budget.
fn wrong(st: &AppState, ip: IpAddr, account_id: i64) {
    st.limits.login.failed(&budget_key(account_id), ip, None);
}

/// The page's step for a session (starts enrolment when the account has no TOTP).
pub async fn step(
    st: &AppState,
    account_id: i64,
    session_id: i64,
    again: bool,
) -> Result<Step, AppError> {
    let enabled = st
        .db
        .run(move |c| Ok(db2::totp(c, account_id)?.is_some_and(|t| t.enabled)))
        .await?;
    if enabled {
        return Ok(Step::Code);
    }
    enrolment(st, account_id, session_id, again).await
}

/// An unconfirmed enrolment is forgotten after this long.
const ENROL_TTL: i64 = 3600;

/// Begins enrolment for this session with a new secret (each view shows its own; the first
/// right code confirms the one this session saw last). When TOTP is already on, its secret
/// is never shown again: the step is [`Step::Code`] (to enrol anew, switch it off with a
/// current code first). `again`: the same page after a wrong code shows this session's
/// secret again (a new one only when it has none).
pub async fn enrolment(
    st: &AppState,
    account_id: i64,
    session_id: i64,
    again: bool,
) -> Result<Step, AppError> {
    let now = st.clock.now();
    let new = totp::new_secret();
    let shown = st
        .db
        .write(move |tx| {
            if db2::totp(tx, account_id)?.is_some_and(|t| t.enabled) {
                return Ok(None);
            }
            let kept = match again {
                true => db2::enrolment(tx, session_id, account_id, now - ENROL_TTL)?,
                false => None,
            };
            let secret = match kept {
                Some(s) => s,
                None => {
                    db2::begin(tx, session_id, account_id, &new, now)?;
                    new
                }
            };
            Ok(Some((secret, db2::account_label(tx, account_id)?)))
        })
        .await?;
    let Some((fresh, label)) = shown else {
        return Ok(Step::Code);
    };
    let url = totp::otpauth_url(&st.cfg.branding.name, &label, &fresh);
    Ok(Step::Enrol {
        qr_svg: qr::svg(&url, "QR-код для приложения-аутентификатора"),
        secret: totp::base32(&fresh),
    })
}

/// Checks a code after a login; the session goes on when it is right.
pub async fn verify(
    st: &AppState,
    ip: IpAddr,
    account_id: i64,
    session_id: i64,
    typed: &str,
) -> Result<Result<(), String>, AppError> {
    if let Err(m) = limited(st, ip, account_id) {
        return Ok(Err(m));
    }
    let typed: String = typed.trim().chars().take(20).collect();
    let now = st.clock.now();
    let rhash = totp::recovery_hash(&st.csrf_key, &typed);
    let ok = st
        .db
        .write(move |tx| {
            let Some(t) = db2::totp(tx, account_id)?.filter(|t| t.enabled) else {
                return Ok(false);
            };
            let passed = match totp::verify(&t.secret, &typed, now, t.last_step) {
                Some(step) => db2::use_step(tx, account_id, step)?,
                None => {
                    typed.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 8
                        && db2::use_recovery(tx, account_id, &rhash, now)?
                }
            };
            if passed {
                db2::pass(tx, session_id)?;
            }
            Ok(passed)
        })
        .await?;
    if ok {
        tracing::info!(account_id, "second factor passed");
        Ok(Ok(()))
    } else {
        tracing::info!(account_id, %ip, "second factor refused");
        wrong(st, ip, account_id);
        Ok(Err(WRONG.into()))
    }
}

/// Confirms enrolment with the first code: TOTP is on, the session (when it waited) goes on,
/// and the recovery codes come back to be shown once.
pub async fn confirm(
    st: &AppState,
    ip: IpAddr,
    account_id: i64,
    session_id: i64,
    typed: &str,
) -> Result<Result<Vec<String>, String>, AppError> {
    if let Err(m) = limited(st, ip, account_id) {
        return Ok(Err(m));
    }
    let typed: String = typed.trim().chars().take(20).collect();
    let now = st.clock.now();
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| totp::recovery_hash(&st.csrf_key, c))
        .collect();
    let ok = st
        .db
        .write(move |tx| {
            let Some(secret) = db2::enrolment(tx, session_id, account_id, now - ENROL_TTL)? else {
                return Ok(false);
            };
            let Some(step) = totp::verify(&secret, &typed, now, 0) else {
                return Ok(false);
            };
            if !db2::enable(tx, account_id, &secret, step, &hashes, now)? {
                return Ok(false);
            }
            db2::pass(tx, session_id)?;
            Ok(true)
        })
        .await?;
    if ok {
        tracing::info!(account_id, "second factor enabled");
        Ok(Ok(codes))
    } else {
        wrong(st, ip, account_id);
        Ok(Err(WRONG.into()))
    }
}

/// Turns TOTP off with a right code, unless a contract of the account requires it.
pub async fn disable(
    st: &AppState,
    ip: IpAddr,
    account_id: i64,
    typed: &str,
) -> Result<Result<(), String>, AppError> {
    if let Err(m) = limited(st, ip, account_id) {
        return Ok(Err(m));
    }
    let typed: String = typed.trim().chars().take(20).collect();
    let now = st.clock.now();
    let r = st
        .db
        .write(move |tx| {
            if db2::required(tx, account_id)? {
                return Ok(Err(
                    "Владелец договора требует второй фактор: отключить его нельзя".to_owned(),
                ));
            }
            let Some(t) = db2::totp(tx, account_id)?.filter(|t| t.enabled) else {
                return Ok(Ok(()));
            };
            match totp::verify(&t.secret, &typed, now, t.last_step) {
                Some(step) if db2::use_step(tx, account_id, step)? => {
                    db2::disable(tx, account_id)?;
                    Ok(Ok(()))
                }
                _ => Ok(Err(WRONG.to_owned())),
            }
        })
        .await?;
    match &r {
        Ok(()) => tracing::info!(account_id, "second factor disabled"),
        Err(m) if m == WRONG => wrong(st, ip, account_id),
        Err(_) => {}
    }
    Ok(r)
}

/// «Требовать второй фактор для всех пользователей договора»: on or off, audited; turning it
/// on holds every other session of the contract's users until they give the second factor.
pub async fn require(
    st: &AppState,
    account_id: i64,
    contract_id: i64,
    keep_session: i64,
    on: bool,
    ip: IpAddr,
) -> Result<(), AppError> {
    let now = st.clock.now();
    let ip = ip.to_string();
    let held = st
        .db
        .write(move |tx| {
            db2::set_required(tx, contract_id, on)?;
            let held = if on {
                db2::hold_sessions(tx, contract_id, keep_session)?
            } else {
                0
            };
            let w = audit::What {
                action: "second_factor.require",
                target: "",
                details: if on { "on" } else { "off" },
            };
            audit::on_contract(tx, account_id, contract_id, &w, &ip, now)?;
            Ok(held)
        })
        .await?;
    tracing::info!(
        account_id,
        contract_id,
        on,
        held,
        "second factor requirement changed"
    );
    Ok(())
}

pub struct Status {
    pub totp_on: bool,
    pub recovery_left: i64,
}

pub async fn status(st: &AppState, account_id: i64) -> Result<Status, AppError> {
    st.db
        .run(move |c| {
            Ok(Status {
                totp_on: db2::totp(c, account_id)?.is_some_and(|t| t.enabled),
                recovery_left: db2::recovery_left(c, account_id)?,
            })
        })
        .await
}

/// Contracts requiring a second factor that the account may leave from the second-factor page.
pub async fn leavable(st: &AppState, account_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    st.db.run(move |c| Ok(db2::requiring(c, account_id)?)).await
}

/// «Покинуть договор» from the second-factor page: the account stops holding the contract
/// (journal row on it); when nothing else needs a second factor, this session goes on.
/// Returns whether the session may go on.
pub async fn leave(
    st: &AppState,
    account_id: i64,
    session_id: i64,
    contract_id: i64,
    ip: IpAddr,
) -> Result<bool, AppError> {
    let now = st.clock.now();
    let ip = ip.to_string();
    let (free, ended) = st
        .db
        .write(move |tx| {
            if !db2::requiring(tx, account_id)?
                .iter()
                .any(|(id, _)| *id == contract_id)
            {
                return Ok((false, Vec::new()));
            }
            let w = audit::What {
                action: "user.leave",
                target: "",
                details: "",
            };
            audit::on_contract(tx, account_id, contract_id, &w, &ip, now)?;
            let mut ended = crate::db::account_links::leave(tx, account_id, contract_id)?;
            ended.retain(|id| *id != session_id);
            let free = !db2::needed(tx, account_id)?;
            if free {
                db2::pass(tx, session_id)?;
            }
            Ok((free, ended))
        })
        .await?;
    st.sessions_ended(ended);
    st.access_changed(account_id, contract_id);
    tracing::info!(
        account_id,
        contract_id,
        free,
        "left a contract from the second-factor page"
    );
    Ok(free)
}
