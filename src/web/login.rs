//! Login by contract number, logout, and the other tabs of the login page.
use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Form, Html},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    auth::session::{
        self, client_ip, expired_cookie, new_token, secure_cookies, session_cookie, token_hash,
        user_agent,
    },
    db::{accounts, contracts, sessions},
    routes,
    state::SharedState,
    views::login::{self as view, LoginForm},
    web::htmx,
};

pub const GENERIC_ERROR: &str = "Неверный номер договора или пароль";

#[handler]
pub fn page(Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Html<String> {
    Html(view::login_page(st, &csrf.0, &LoginForm::default()).into_string())
}

#[derive(Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    contract: String,
    #[serde(default)]
    password: String,
}

fn form_reply(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    status: StatusCode,
    contract: &str,
    error: &str,
) -> Response {
    let f = LoginForm {
        contract,
        error: Some(error),
    };
    let markup: Markup = if htmx::is_htmx(req) {
        view::contract_form(csrf, &f)
    } else {
        view::login_page(st, csrf, &f)
    };
    Html(markup.into_string())
        .with_status(status)
        .into_response()
}

#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Form(input): Form<LoginInput>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    let typed = input.contract.trim().chars().take(40).collect::<String>();
    if let Err(wait) = st.limits.check_ip(&st.limits.login_ip, ip) {
        tracing::warn!(%ip, "login throttled by ip");
        let msg = format!("Слишком много попыток входа. Попробуйте {}", wait.human());
        return Ok(form_reply(
            req,
            st,
            &csrf.0,
            StatusCode::TOO_MANY_REQUESTS,
            &typed,
            &msg,
        ));
    }
    if typed.is_empty() || input.password.is_empty() {
        return Ok(form_reply(
            req,
            st,
            &csrf.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            &typed,
            "Введите номер договора и пароль",
        ));
    }
    let number = crate::domain::contract::normalize_number(&typed);
    let key = number.clone().unwrap_or_else(|| typed.to_uppercase());
    if let Err(wait) = st.limits.check_key(&st.limits.login_contract, &key) {
        tracing::warn!("login throttled by contract");
        let msg = format!("Слишком много попыток входа. Попробуйте {}", wait.human());
        return Ok(form_reply(
            req,
            st,
            &csrf.0,
            StatusCode::TOO_MANY_REQUESTS,
            &typed,
            &msg,
        ));
    }
    let found = match number {
        Some(n) => {
            st.db
                .run(move |c| Ok(contracts::login_lookup(c, &n)?))
                .await?
        }
        None => None,
    };
    let password: String = input.password.chars().take(256).collect();
    let (contract_id, hash) = match found {
        Some((id, h)) => (Some(id), Some(h)),
        None => (None, None),
    };
    let ok = st.passwords.verify(hash, password).await?;
    let contract_id = match (ok, contract_id) {
        (true, Some(id)) => id,
        _ => {
            tracing::info!(%ip, "login failed");
            return Ok(form_reply(
                req,
                st,
                &csrf.0,
                StatusCode::UNPROCESSABLE_ENTITY,
                &typed,
                GENERIC_ERROR,
            ));
        }
    };

    let token = new_token();
    let th = token_hash(&token);
    let ua = user_agent(req);
    let ip_s = ip.to_string();
    let now = st.clock.now();
    st.db
        .run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let account_id = accounts::contract_account(&tx, contract_id, now)?;
            sessions::insert(
                &tx,
                &sessions::NewSession {
                    token_hash: &th,
                    account_id: Some(account_id),
                    staff_id: None,
                    user_agent: &ua,
                    ip: &ip_s,
                    now,
                },
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    tracing::info!(contract_id, "login ok");
    let cookie = session_cookie(
        &token,
        secure_cookies(req, &st.cfg),
        st.cfg.sessions.absolute_max_days,
    );
    Ok(htmx::redirect(req, routes::HOME)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .into_response())
}

#[handler]
pub async fn logout(req: &Request, Data(st): Data<&SharedState>) -> poem::Result<Response> {
    if let Some(token) = session::token_from(req) {
        let th = token_hash(&token);
        let ended = st
            .db
            .run(move |c| {
                let id = sessions::by_token(c, &th)?.map(|s| s.id);
                if let Some(id) = id {
                    sessions::delete(c, id)?;
                }
                Ok(id)
            })
            .await?;
        st.sessions_ended(ended.into_iter().collect());
    }
    let cookie = expired_cookie(secure_cookies(req, &st.cfg));
    Ok(htmx::redirect(req, routes::LOGIN)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .into_response())
}
