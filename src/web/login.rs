//! Login by contract number, logout, and the other tabs of the login page.
use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Form},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::{
        credentials::{self, Attempt, Checked, Proof, Purpose},
        sessions,
    },
    auth::device,
    auth::session::{self, client_ip, expired_cookie, secure_cookies, session_cookie, user_agent},
    db::contracts,
    routes,
    state::SharedState,
    views::login::{self as view, LoginForm},
    web::csrf,
    web::htmx,
};

pub const GENERIC_ERROR: &str = "Неверный номер договора или пароль";

#[handler]
pub fn page(Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Markup {
    view::login_page(&crate::web::ctx(st), &csrf.0, &LoginForm::default())
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
        view::login_page(&crate::web::ctx(st), csrf, &f)
    };
    markup.with_status(status).into_response()
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
    let refuse = |status, msg: &str| form_reply(req, st, &csrf.0, status, &typed, msg);
    if typed.is_empty() || input.password.is_empty() {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Введите номер договора и пароль",
        ));
    }
    let number = crate::domain::contract::normalize_number(&typed);
    let key = number.clone().unwrap_or_else(|| typed.to_uppercase());
    // The device cookie names the login and its account's device epoch (a reset ends it).
    let dkey = crate::app::lifecycle::device_login(st, &key).await?;
    let device = device::verified(req, device::COOKIE, &st.csrf_key, &dkey);
    let attempt = Attempt {
        ip,
        key: Some(&key),
        purpose: Purpose::Login,
        device,
    };
    let checked = credentials::check(st, attempt, &input.password, move |c| {
        Ok(match number {
            Some(n) => contracts::login_lookup(c, &n)?.map(|(id, h)| (id, Proof::Hash(h))),
            None => None,
        })
    })
    .await?;
    let contract_id = match checked {
        Checked::Ok(id) => id,
        Checked::Throttled(msg) => return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, &msg)),
        Checked::Wrong => {
            tracing::info!(%ip, "login failed");
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, GENERIC_ERROR));
        }
    };

    let client = sessions::Client {
        ip: ip.to_string(),
        user_agent: user_agent(req),
    };
    // A session this browser still had ends: one browser, one session.
    let previous = session::token_from(req);
    let token = sessions::start(st, sessions::Who::Contract(contract_id), client, previous).await?;
    let secure = secure_cookies(req, &st.cfg);
    let cookie = session_cookie(&token, secure, st.cfg.sessions.cookie_days());
    let earned = device::cookie(device::COOKIE, "/", &st.csrf_key, &dkey, secure);
    csrf::rotate(req, secure);
    Ok(htmx::redirect(req, routes::HOME)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .with_header(header::SET_COOKIE, earned.to_string())
        .into_response())
}

#[handler]
pub async fn logout(req: &Request, Data(st): Data<&SharedState>) -> poem::Result<Response> {
    if let Some(token) = session::token_from(req) {
        sessions::end(st, &token, client_ip(req, &st.cfg).to_string()).await?;
    }
    let secure = secure_cookies(req, &st.cfg);
    let cookie = expired_cookie(secure);
    csrf::rotate(req, secure);
    Ok(htmx::redirect(req, routes::LOGIN)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .into_response())
}
