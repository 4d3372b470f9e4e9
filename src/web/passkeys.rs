//! Passkeys (issue 15): JSON steps for assets/passkey.js (`navigator.credentials`), the list
//! with «Удалить» in «Вход», and the «Войти с ключом доступа» page. Behind the CSRF guard
//! (the script sends the page's token).
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Json, Path},
    IntoResponse, Request, Response,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::{passkeys as app, sessions::Client},
    auth::{
        passkey::{PublicKeyCredential, RegisterPublicKeyCredential},
        session::{self, client_ip, secure_cookies, session_cookie, user_agent},
    },
    routes,
    state::SharedState,
    views::login::auth_shell,
    web::{auth::CurrentAccount, csrf},
};

fn refused(msg: &str) -> Response {
    Json(json!({ "error": msg }))
        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response()
}

/// POST /access/passkeys/register — the creation options.
#[handler]
pub async fn register_start(
    req: &Request,
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    // Binding a new authenticator needs a fresh authentication.
    if let Some(r) = super::step_up::guard(req, st, &acc, routes::ACCESS_SECURITY).await? {
        return Ok(r);
    }
    Ok(match app::register_start(st, acc.account_id).await? {
        Ok((ceremony, options)) => {
            Json(json!({ "ceremony": ceremony, "options": options })).into_response()
        }
        Err(m) => refused(&m),
    })
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    ceremony: String,
    credential: RegisterPublicKeyCredential,
}

/// POST /access/passkeys/register/finish — stores the passkey.
#[handler]
pub async fn register_finish(
    req: &Request,
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    Json(body): Json<RegisterFinish>,
) -> poem::Result<Response> {
    if let Some(r) = super::step_up::guard(req, st, &acc, routes::ACCESS_SECURITY).await? {
        return Ok(r);
    }
    let (os, browser) = crate::views::access::describe(&user_agent(req));
    let name = format!("{os} {browser}").trim().to_owned();
    Ok(
        match app::register_finish(st, acc.account_id, &body.ceremony, &body.credential, name)
            .await?
        {
            Ok(()) => Json(json!({ "redirect": routes::ACCESS_SECURITY })).into_response(),
            Err(m) => refused(&m),
        },
    )
}

/// POST /access/passkeys/:id/remove
#[handler]
pub async fn remove(
    req: &Request,
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    app::remove(st, acc.account_id, id).await?;
    Ok(super::htmx::redirect(req, routes::ACCESS_SECURITY).into_response())
}

/// GET /login/passkey — «Войти с ключом доступа».
#[handler]
pub fn page(Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Response {
    auth_shell(
        &crate::web::ctx(st),
        &csrf.0,
        "Вход с ключом доступа",
        crate::views::second_factor::passkey_login_form(),
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginStart {
    #[serde(default)]
    login: String,
}

/// POST /login/passkey — the request options: the same for every login (discoverable
/// credentials: no account is looked up and no credential id goes out). The typed login is
/// only checked for its shape (the page keeps it for the browser's autofill).
#[handler]
pub async fn login_start(
    req: &Request,
    Data(st): Data<&SharedState>,
    Json(body): Json<LoginStart>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    // Limited like logins: per client IP.
    if let Err(wait) = st.limits.check_ip(&st.limits.login_ip, ip) {
        return Ok(refused(&crate::app::credentials::too_many(
            crate::app::credentials::Purpose::Login,
            wait,
        ))
        .with_status(StatusCode::TOO_MANY_REQUESTS)
        .into_response());
    }
    let typed: String = body.login.trim().chars().take(40).collect();
    let number = crate::domain::contract::normalize_number(&typed);
    let phone = crate::domain::outbox::normalize_phone(&typed);
    if number.is_none() && phone.is_none() {
        return Ok(refused("Введите номер договора или телефона"));
    }
    Ok(match app::login_start(st, ip).await? {
        Ok((ceremony, options)) => {
            Json(json!({ "ceremony": ceremony, "options": options })).into_response()
        }
        Err(m) => refused(&m),
    })
}

#[derive(Deserialize)]
pub struct LoginFinish {
    ceremony: String,
    credential: PublicKeyCredential,
}

/// POST /login/passkey/finish — verifies the assertion and logs in.
#[handler]
pub async fn login_finish(
    req: &Request,
    Data(st): Data<&SharedState>,
    Json(body): Json<LoginFinish>,
) -> poem::Result<Response> {
    let client = Client {
        ip: client_ip(req, &st.cfg).to_string(),
        user_agent: user_agent(req),
    };
    let previous = session::token_from(req);
    match app::login_finish(st, &body.ceremony, &body.credential, client, previous).await? {
        Ok(token) => {
            let secure = secure_cookies(req, &st.cfg);
            let cookie = session_cookie(&token, secure, st.cfg.sessions.cookie_days());
            csrf::rotate(req, secure);
            Ok(Json(json!({ "redirect": routes::HOME }))
                .with_header(header::SET_COOKIE, cookie.to_string())
                .into_response())
        }
        Err(m) => Ok(refused(&m)),
    }
}
