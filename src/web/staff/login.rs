//! «Вход для сотрудников»: argon2 verification on the bounded workers, throttled per IP and per
//! login (the same limiters as the subscriber login), audited.
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
    auth::session::{client_ip, secure_cookies, user_agent},
    db::staff as staff_db,
    routes,
    state::SharedState,
    views::staff::login as view,
    web::csrf,
    web::htmx,
    web::staff_auth as staff,
};

pub const GENERIC_ERROR: &str = "Неверный логин или пароль";

#[handler]
pub fn page(Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Markup {
    view::page_(&crate::web::ctx(st), &csrf.0, "", None)
}

#[derive(Deserialize)]
pub struct Input {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

fn reply(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    status: StatusCode,
    login: &str,
    e: &str,
) -> Response {
    let m = if htmx::is_htmx(req) {
        view::form(csrf, login, Some(e))
    } else {
        view::page_(&crate::web::ctx(st), csrf, login, Some(e))
    };
    m.with_status(status).into_response()
}

#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Form(input): Form<Input>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    let login: String = input.login.trim().chars().take(64).collect();
    let refuse = |status, msg: &str| reply(req, st, &csrf.0, status, &login, msg);
    if login.is_empty() || input.password.is_empty() {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Введите логин и пароль",
        ));
    }
    let key = format!("staff:{}", login.to_lowercase());
    let device = device::verified(req, device::STAFF_COOKIE, &st.csrf_key, &key);
    let attempt = Attempt {
        ip,
        key: Some(&key),
        purpose: Purpose::Login,
        device,
    };
    let l = login.clone();
    let checked = credentials::check(st, attempt, &input.password, move |c| {
        Ok(staff_db::login_lookup(c, &l)?.map(|(id, h)| (id, Proof::Hash(h))))
    })
    .await?;
    let staff_id = match checked {
        Checked::Ok(id) => id,
        Checked::Throttled(msg) => {
            tracing::warn!("staff login throttled");
            return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, &msg));
        }
        Checked::Wrong => {
            sessions::staff_login_failed(st, login.clone(), ip.to_string()).await?;
            tracing::info!(%ip, "staff login failed");
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, GENERIC_ERROR));
        }
    };
    let client = sessions::Client {
        ip: ip.to_string(),
        user_agent: user_agent(req),
    };
    let previous = staff::token_from(req);
    let token = sessions::start(st, sessions::Who::Staff(staff_id), client, previous).await?;
    let secure = secure_cookies(req, &st.cfg);
    let cookie = staff::cookie(&token, secure);
    let earned = device::cookie(
        device::STAFF_COOKIE,
        routes::STAFF,
        &st.csrf_key,
        &key,
        secure,
    );
    csrf::rotate(req, secure);
    Ok(htmx::redirect(req, routes::STAFF_CHAT)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .with_header(header::SET_COOKIE, earned.to_string())
        .into_response())
}

#[handler]
pub async fn logout(req: &Request, Data(st): Data<&SharedState>) -> poem::Result<Response> {
    if let Some(token) = staff::token_from(req) {
        sessions::end(st, &token, client_ip(req, &st.cfg).to_string()).await?;
    }
    let secure = secure_cookies(req, &st.cfg);
    let cookie = staff::expired_cookie(secure);
    csrf::rotate(req, secure);
    Ok(htmx::redirect(req, routes::STAFF_LOGIN)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .into_response())
}
