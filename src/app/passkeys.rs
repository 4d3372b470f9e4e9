//! Passkeys (issue 15): an account adds one in «Устройства и доступ» → «Вход», and logs in
//! with it («Войти с ключом доступа») without password or SMS. Challenges are single-use and
//! short-lived (`auth::passkey`); a signature counter that goes back is refused by webauthn-rs
//! (a cloned authenticator), and the login starts a session like any other (a device).
use std::sync::Arc;

use crate::{
    app::sessions::{self, Client, Who},
    auth::passkey::{
        DiscoverableKey, Passkey, Pending, PublicKeyCredential, RegisterPublicKeyCredential,
        RequestChallengeResponse, Uuid,
    },
    db::{passkeys as db, second_factor},
    domain::account::PasskeyRow,
    error::AppError,
    state::AppState,
};

pub const UNAVAILABLE: &str = "Вход с ключом доступа не настроен на этом сервере";
pub const FAILED: &str = "Ключ доступа не подошёл. Попробуйте ещё раз или войдите по паролю";

fn decode(json: &str) -> Option<Passkey> {
    serde_json::from_str(json).ok()
}

pub async fn list(st: &AppState, account_id: i64) -> Result<Vec<PasskeyRow>, AppError> {
    st.db.run(move |c| Ok(db::list(c, account_id)?)).await
}

pub async fn remove(st: &AppState, account_id: i64, id: i64) -> Result<bool, AppError> {
    let done = st
        .db
        .write(move |tx| Ok(db::remove(tx, account_id, id)?))
        .await?;
    if done {
        tracing::info!(account_id, passkey = id, "passkey removed");
    }
    Ok(done)
}

/// Options for `navigator.credentials.create` and the ceremony's id.
pub async fn register_start(
    st: &AppState,
    account_id: i64,
) -> Result<Result<(String, serde_json::Value), String>, AppError> {
    let Some(rp) = &st.passkeys.rp else {
        return Ok(Err(UNAVAILABLE.into()));
    };
    let (stored, label) = st
        .db
        .run(move |c| {
            Ok((
                db::stored(c, account_id)?,
                second_factor::account_label(c, account_id)?,
            ))
        })
        .await?;
    let exclude: Vec<_> = stored
        .iter()
        .filter_map(|(_, j)| decode(j))
        .map(|p| p.cred_id().clone())
        .collect();
    let user = Uuid::from_u128(u128::from(account_id.unsigned_abs()));
    let (ccr, state) = rp
        .start_passkey_registration(user, &label, &label, Some(exclude))
        .map_err(|e| AppError::Internal(format!("passkey registration: {e}")))?;
    let id = st.passkeys.hold(Pending::Register { account_id, state });
    // Logins find the passkey without naming an account (discoverable credentials): ask the
    // authenticator to keep it (a resident key).
    let mut options = serde_json::to_value(&ccr).map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(sel) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(|v| v.as_object_mut())
    {
        sel.insert("residentKey".into(), "required".into());
        sel.insert("requireResidentKey".into(), true.into());
    }
    Ok(Ok((id, options)))
}

/// Stores the new passkey (named after the device it was made on).
pub async fn register_finish(
    st: &AppState,
    account_id: i64,
    ceremony: &str,
    cred: &RegisterPublicKeyCredential,
    name: String,
) -> Result<Result<(), String>, AppError> {
    let Some(rp) = &st.passkeys.rp else {
        return Ok(Err(UNAVAILABLE.into()));
    };
    let Some(Pending::Register {
        account_id: owner,
        state,
    }) = st.passkeys.take(ceremony)
    else {
        return Ok(Err(
            "Время на добавление ключа вышло. Попробуйте ещё раз".into()
        ));
    };
    if owner != account_id {
        return Ok(Err(FAILED.into()));
    }
    let passkey = match rp.finish_passkey_registration(cred, &state) {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(account_id, error = %e, "passkey registration refused");
            return Ok(Err(
                "Ключ доступа не добавлен: браузер или устройство отказали".into(),
            ));
        }
    };
    let cred_id = hex::encode(passkey.cred_id().as_ref());
    let json = serde_json::to_string(&passkey).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = st.clock.now();
    let name: String = name.trim().chars().take(80).collect();
    let added = st
        .db
        .write(move |tx| Ok(db::insert(tx, account_id, &cred_id, &name, &json, now)?))
        .await?;
    if !added {
        return Ok(Err("Этот ключ доступа уже добавлен".into()));
    }
    tracing::info!(account_id, "passkey added");
    Ok(Ok(()))
}

/// Options for `navigator.credentials.get`: the same for every login — no account is looked
/// up and no credential id is sent (a discoverable credential: the browser offers the passkeys
/// it holds for this site, and its answer names the one used). `ip`: who starts it (pending
/// ceremonies are bounded per client address).
pub async fn login_start(
    st: &AppState,
    ip: std::net::IpAddr,
) -> Result<Result<(String, RequestChallengeResponse), String>, AppError> {
    let Some(rp) = &st.passkeys.rp else {
        return Ok(Err(UNAVAILABLE.into()));
    };
    let (mut rcr, state) = rp
        .start_discoverable_authentication()
        .map_err(|e| AppError::Internal(format!("passkey authentication: {e}")))?;
    // The page's button asks at once (a modal prompt), not as an autofill suggestion.
    rcr.mediation = None;
    let id = st.passkeys.hold_login(ip, state);
    Ok(Ok((id, rcr)))
}

/// Verifies the browser's assertion (origin, RP id, challenge, signature, counter) and starts
/// a session. Returns its token.
pub async fn login_finish(
    st: &Arc<AppState>,
    ceremony: &str,
    cred: &PublicKeyCredential,
    client: Client,
    previous: Option<String>,
) -> Result<Result<String, String>, AppError> {
    let Some(rp) = &st.passkeys.rp else {
        return Ok(Err(UNAVAILABLE.into()));
    };
    let Some(Pending::Login { state }) = st.passkeys.take(ceremony) else {
        return Ok(Err("Время на вход вышло. Попробуйте ещё раз".into()));
    };
    // The answer names the credential and its account (the user handle we gave it).
    let Ok((user, cred_id)) = rp.identify_discoverable_authentication(cred) else {
        return Ok(Err(FAILED.into()));
    };
    let cred_hex = hex::encode(cred_id);
    let found = st
        .db
        .run(move |c| Ok(db::by_cred_id(c, &cred_hex)?))
        .await?;
    let Some((row, account_id, mut key)) =
        found.and_then(|(row, account, json)| decode(&json).map(|k| (row, account, k)))
    else {
        tracing::info!("passkey login refused: unknown credential");
        return Ok(Err(FAILED.into()));
    };
    if user != Uuid::from_u128(u128::from(account_id.unsigned_abs())) {
        tracing::info!(
            account_id,
            "passkey login refused: user handle of another account"
        );
        return Ok(Err(FAILED.into()));
    }
    let result =
        match rp.finish_discoverable_authentication(cred, state, &[DiscoverableKey::from(&key)]) {
            Ok(r) => r,
            Err(e) => {
                tracing::info!(account_id, error = %e, "passkey login refused");
                return Ok(Err(FAILED.into()));
            }
        };
    key.update_credential(&result);
    let json = serde_json::to_string(&key).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = st.clock.now();
    st.db
        .write(move |tx| Ok(db::used(tx, row, &json, now)?))
        .await?;
    let token = sessions::start(st, Who::Passkey(account_id), client, previous).await?;
    tracing::info!(account_id, "passkey login ok");
    Ok(Ok(token))
}
