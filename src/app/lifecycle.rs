//! The account lifecycle (issue 24): one home for what ends an account's credentials and for
//! the fresh authentication that binding a new one needs.
//!
//! Every reset path ends credentials through [`crate::db::lifecycle::end_credentials`] inside
//! its own write transaction and announces the ended sessions here ([`announce`]):
//! «Сбросить все устройства» ([`reset_devices`]), the owner's password change
//! (`db::account_links::change_password`), the operator's reset through the billing API
//! (`app::billing::put_password`, which also reports and may remove invited users) and a
//! user's removal when it leaves the account with no contract (`db::account_links::unlink`).
//! What ends: the other sessions (their chat sockets close on the announcement), device
//! cookies (their epoch moves on), passkeys, push subscriptions and pending TOTP enrolments.
//!
//! Fresh authentication: adding a passkey, enabling or disabling TOTP and inviting an owner
//! need a secret proved within [`FRESH_SECS`] — a login, or the step-up screen («Подтвердите,
//! что это вы»): the contract's password, a TOTP code, or for a phone account an SMS code.
use std::net::IpAddr;

use crate::{
    app::credentials::{self, Attempt, Checked, Purpose},
    auth::totp,
    db::{
        self, audit,
        lifecycle::{self as dbl, Ended, Invited},
        phone_login,
    },
    error::AppError,
    state::AppState,
};

/// How long a proved secret lets a session bind new authenticators.
pub const FRESH_SECS: i64 = 300;

/// What a reset ended and what remains for the owner to look at.
#[derive(Debug, Default)]
pub struct Report {
    pub ended: Ended,
    /// Users invited onto the account's contracts: they keep access until removed.
    pub invited: Vec<Invited>,
}

/// Announces sessions a reset ended: their live sockets close at once.
pub fn announce(st: &AppState, ended: &Ended) {
    st.sessions_ended(ended.sessions.clone());
}

/// «Сбросить все устройства»: every credential of the account but this session ends, in
/// one transaction with its journal row.
pub async fn reset_devices(
    st: &AppState,
    account_id: i64,
    keep_session: i64,
    ip: IpAddr,
) -> Result<Report, AppError> {
    let now = st.clock.now();
    let ip = ip.to_string();
    let report = st
        .db
        .write(move |tx| {
            let ended = dbl::end_credentials(tx, account_id, Some(keep_session))?;
            let details = summary(&ended);
            let w = audit::What {
                action: "account.reset",
                target: "",
                details: &details,
            };
            match db::accounts::current_contract(tx, account_id)? {
                Some(k) => audit::on_contract(tx, account_id, k.id, &w, &ip, now)?,
                None => audit::by(tx, "account", Some(account_id), &w, &ip, now)?,
            }
            let invited = dbl::invited_users(tx, Some(account_id), None)?;
            Ok(Report { ended, invited })
        })
        .await?;
    announce(st, &report.ended);
    tracing::info!(
        account_id,
        sessions = report.ended.sessions.len(),
        passkeys = report.ended.passkeys,
        push = report.ended.push,
        "devices reset"
    );
    Ok(report)
}

/// «сеансов: 2, ключей доступа: 1, …» for the journal.
pub fn summary(e: &Ended) -> String {
    format!(
        "sessions={} passkeys={} push={} enrolments={}",
        e.sessions.len(),
        e.passkeys,
        e.push,
        e.enrolments
    )
}

/// Users invited onto the contracts the account owns.
pub async fn invited(st: &AppState, account_id: i64) -> Result<Vec<Invited>, AppError> {
    st.db
        .run(move |c| Ok(dbl::invited_users(c, Some(account_id), None)?))
        .await
}

/// What a device cookie for `login` is signed over: the login and its account's device epoch,
/// so a reset ends every device cookie the account had earned.
pub async fn device_login(st: &AppState, login: &str) -> Result<String, AppError> {
    let l = login.to_owned();
    let epoch = st.db.run(move |c| Ok(dbl::device_epoch(c, &l)?)).await?;
    Ok(format!("{login}\0{epoch}"))
}

/// Whether the session proved a secret within [`FRESH_SECS`].
pub async fn is_fresh(st: &AppState, session_id: i64) -> Result<bool, AppError> {
    let now = st.clock.now();
    let at = st
        .db
        .run(move |c| Ok(dbl::fresh_at(c, session_id)?))
        .await?;
    Ok(now - at <= FRESH_SECS)
}

/// How the account proves itself on the step-up screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepUp {
    /// The contract's password (a contract account); a TOTP code also when it is on.
    Password { number: String, totp: bool },
    /// A phone account with TOTP: the code from the app.
    Totp,
    /// A phone account without TOTP: a code sent by SMS to this (masked) phone.
    Sms { masked: String },
}

/// The step-up method of an account.
pub async fn method(st: &AppState, account_id: i64) -> Result<StepUp, AppError> {
    st.db
        .run(move |c| {
            let totp_on = db::second_factor::totp(c, account_id)?.is_some_and(|t| t.enabled);
            let (number, phone) = db::accounts::login_of(c, account_id)?;
            Ok(match (number, phone) {
                (Some(number), _) => StepUp::Password {
                    number,
                    totp: totp_on,
                },
                (None, _) if totp_on => StepUp::Totp,
                (None, Some(p)) => StepUp::Sms {
                    masked: crate::domain::outbox::mask_phone(&p),
                },
                (None, None) => StepUp::Totp,
            })
        })
        .await
}

/// Sends the step-up SMS code to a phone account's own phone (limited like login codes).
pub async fn send_code(
    st: &std::sync::Arc<AppState>,
    account_id: i64,
    ip: IpAddr,
) -> Result<Result<(), String>, AppError> {
    let phone = st
        .db
        .run(move |c| Ok(db::accounts::login_of(c, account_id)?.1))
        .await?
        .ok_or(AppError::NotFound)?;
    let brand = st.cfg.branding.name.clone();
    let sent = crate::app::sms_code::send(st, &phone, ip, |code| {
        format!("{code} — код подтверждения в личном кабинете {brand}. Никому его не сообщайте.")
    })
    .await?;
    Ok(sent.map(|_| ()))
}

/// The words for a wrong step-up secret.
pub const WRONG: &str = "Неверный пароль или код";

/// Checks the step-up secret; a right one makes the session fresh.
pub async fn confirm(
    st: &AppState,
    account_id: i64,
    session_id: i64,
    ip: IpAddr,
    secret: &str,
) -> Result<Result<(), String>, AppError> {
    let secret: String = secret.trim().chars().take(256).collect();
    if secret.is_empty() {
        return Ok(Err("Введите пароль или код".into()));
    }
    let how = method(st, account_id).await?;
    let key = format!("stepup:{account_id}");
    let attempt = Attempt {
        ip,
        key: Some(&key),
        purpose: Purpose::Confirm,
        device: None,
    };
    let now = st.clock.now();
    let digits = secret.len() == 6 && secret.bytes().all(|b| b.is_ascii_digit());
    let ok = match how {
        StepUp::Password { number, totp } => {
            if totp && digits && totp_ok(st, account_id, &secret).await? {
                true
            } else {
                let hash = st
                    .db
                    .run(move |c| Ok(db::contracts::login_lookup(c, &number)?))
                    .await?
                    .ok_or(AppError::NotFound)?
                    .1;
                match credentials::verify_known(st, attempt, hash, &secret).await? {
                    Checked::Ok(()) => true,
                    Checked::Throttled(m) => return Ok(Err(m)),
                    Checked::Wrong => false,
                }
            }
        }
        StepUp::Totp => digits && totp_ok(st, account_id, &secret).await?,
        StepUp::Sms { .. } => {
            let checked = credentials::check(st, attempt, "", move |c| {
                let phone = db::accounts::login_of(c, account_id)?.1.unwrap_or_default();
                Ok(Some((phone, credentials::Proof::Checked)))
            })
            .await?;
            match checked {
                Checked::Throttled(m) => return Ok(Err(m)),
                Checked::Wrong => false,
                Checked::Ok(phone) => {
                    let hash = phone_login::code_hash(&st.csrf_key, &phone, &secret);
                    st.db
                        .run(move |c| Ok(phone_login::consume(c, &phone, &hash, now)?))
                        .await?
                }
            }
        }
    };
    if !ok {
        tracing::info!(account_id, %ip, "step-up refused");
        return Ok(Err(WRONG.into()));
    }
    st.db
        .write(move |tx| Ok(dbl::mark_fresh(tx, session_id, now)?))
        .await?;
    tracing::info!(account_id, "step-up passed");
    Ok(Ok(()))
}

/// A TOTP code of the account (never the same step twice).
async fn totp_ok(st: &AppState, account_id: i64, typed: &str) -> Result<bool, AppError> {
    let now = st.clock.now();
    let typed = typed.to_owned();
    st.db
        .write(move |tx| {
            let Some(t) = db::second_factor::totp(tx, account_id)?.filter(|t| t.enabled) else {
                return Ok(false);
            };
            Ok(match totp::verify(&t.secret, &typed, now, t.last_step) {
                Some(step) => db::second_factor::use_step(tx, account_id, step)?,
                None => false,
            })
        })
        .await
}
