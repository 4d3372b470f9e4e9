//! The one credential check behind every login-like flow: contract login, staff login, adding
//! a contract to an account, changing a contract's password and the SMS code.
//! Order: per-IP limit → a look at the per-login failure budgets (nothing spent) → look up →
//! verify (argon2 on the bounded workers, with a dummy hash when nothing was found, so an
//! unknown login takes as long) → a wrong secret spends the per-login budgets → the caller
//! starts the session or applies the change. A correct secret spends no per-login budget: an
//! office whose people share one contract login all get in (see `auth::login_budget` for the policy).
use std::net::IpAddr;

use crate::{
    auth::rate::RetryAfter,
    db::{self, Conn},
    error::AppError,
    state::AppState,
};

/// What kind of attempt: it picks the words of the throttling message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Logging in (contract, staff, SMS code).
    Login,
    /// Proving the password of a contract from inside the cabinet (add it, change it).
    Confirm,
}

/// The one wording of «too many attempts», used by every throttled form.
pub fn too_many(purpose: Purpose, wait: RetryAfter) -> String {
    match purpose {
        Purpose::Login => format!("Слишком много попыток входа. Попробуйте {}", wait.human()),
        Purpose::Confirm => format!("Слишком много попыток. Попробуйте {}", wait.human()),
    }
}

/// How a found login proves itself.
pub enum Proof {
    /// The stored argon2 hash; the typed secret is checked against it on the workers.
    Hash(String),
    /// Checked by the lookup itself (the SMS code, atomically with its attempt counter).
    Checked,
}

/// The outcome of [`check`].
pub enum Checked<T> {
    /// The secret matched; `T` is what the lookup found.
    Ok(T),
    /// Unknown login or wrong secret (the caller shows one generic message).
    Wrong,
    /// Refused before looking: the message says when to retry.
    Throttled(String),
}

/// One attempt: who tries (IP), which login (the throttling key; `None` for an IP-only limit)
/// and the typed secret (cut to 256 characters).
pub struct Attempt<'a> {
    pub ip: IpAddr,
    pub key: Option<&'a str>,
    pub purpose: Purpose,
    /// The nonce of a device cookie this browser earned by logging in to `key` before: its
    /// attempts count on their own budget (see `auth::device`).
    pub device: Option<String>,
}

/// Throttles, then runs `lookup` on the pool and verifies the secret.
pub async fn check<T, L>(
    st: &AppState,
    attempt: Attempt<'_>,
    secret: &str,
    lookup: L,
) -> Result<Checked<T>, AppError>
where
    T: Send + 'static,
    L: FnOnce(&mut Conn) -> Result<Option<(T, Proof)>, AppError> + Send + 'static,
{
    if let Err(wait) = admit(st, &attempt) {
        tracing::warn!(ip = %attempt.ip, "credential check throttled");
        return Ok(Checked::Throttled(too_many(attempt.purpose, wait)));
    }
    let found = st.db.run(lookup).await?;
    let secret: String = secret.chars().take(256).collect();
    let checked = match found {
        Some((t, Proof::Checked)) => Checked::Ok(t),
        Some((t, Proof::Hash(h))) => match st.passwords.verify(Some(h), secret).await? {
            true => Checked::Ok(t),
            false => Checked::Wrong,
        },
        None => {
            // the same work as a real check, so timing does not tell an unknown login
            st.passwords.verify(None, secret).await?;
            Checked::Wrong
        }
    };
    if matches!(checked, Checked::Wrong) {
        if let Some(key) = attempt.key {
            st.limits
                .login
                .failed(key, attempt.ip, attempt.device.as_deref());
        }
    }
    Ok(checked)
}

/// The limits of [`check`]: per IP (every attempt), then a look at the login's failure
/// budgets (spent only by a wrong secret).
fn admit(st: &AppState, attempt: &Attempt<'_>) -> Result<(), RetryAfter> {
    st.limits.check_ip(&st.limits.login_ip, attempt.ip)?;
    match attempt.key {
        Some(key) => st
            .limits
            .login
            .admit(key, attempt.ip, attempt.device.as_deref()),
        None => Ok(()),
    }
}

/// Verifies a secret against a hash the caller already holds, after the per-login limit.
pub async fn verify_known(
    st: &AppState,
    attempt: Attempt<'_>,
    hash: String,
    secret: &str,
) -> Result<Checked<()>, AppError> {
    check(st, attempt, secret, move |_| {
        Ok(Some(((), Proof::Hash(hash))))
    })
    .await
}

/// Hashes a new password on the bounded workers.
pub async fn hash(st: &AppState, password: String) -> Result<String, AppError> {
    st.passwords.hash(password).await
}

/// Makes sure the database holds the hash that contracts without a password get (an argon2
/// hash of a random secret nobody knows), at start-up, outside any request.
pub fn ensure_unusable_hash(c: &Conn) -> Result<(), AppError> {
    if !db::billing::has_unusable_password_hash(c)? {
        let h = crate::auth::password::hash_now(&crate::auth::session::new_token());
        db::billing::set_unusable_password_hash(c, &h)?;
    }
    Ok(())
}
