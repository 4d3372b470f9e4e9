//! «Вход для сотрудников»: argon2 verification on the bounded workers, throttled per IP and per
//! login (the same limiters as the subscriber login), audited.
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Form, Html},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    auth::session::{client_ip, new_token, secure_cookies, token_hash, user_agent},
    db::{audit, sessions, staff as staff_db},
    routes,
    state::SharedState,
    views::staff::login as view,
    web::htmx,
    web::staff_auth as staff,
};

pub const GENERIC_ERROR: &str = "Неверный логин или пароль";

#[handler]
pub fn page(Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Html<String> {
    Html(view::page_(st, &csrf.0, "", None).into_string())
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
        view::page_(st, csrf, login, Some(e))
    };
    Html(m.into_string()).with_status(status).into_response()
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
    let too_many = |w: crate::auth::rate::RetryAfter| {
        format!("Слишком много попыток входа. Попробуйте {}", w.human())
    };
    if let Err(w) = st.limits.check_ip(&st.limits.login_ip, ip) {
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::TOO_MANY_REQUESTS,
            &login,
            &too_many(w),
        ));
    }
    if login.is_empty() || input.password.is_empty() {
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            &login,
            "Введите логин и пароль",
        ));
    }
    let key = format!("staff:{}", login.to_lowercase());
    if let Err(w) = st.limits.check_key(&st.limits.login_contract, &key) {
        tracing::warn!("staff login throttled");
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::TOO_MANY_REQUESTS,
            &login,
            &too_many(w),
        ));
    }
    let l = login.clone();
    let found = st
        .db
        .run(move |c| Ok(staff_db::login_lookup(c, &l)?))
        .await?;
    let (id, hash) = match found {
        Some((id, h)) => (Some(id), Some(h)),
        None => (None, None),
    };
    let password: String = input.password.chars().take(256).collect();
    let ok = st.passwords.verify(hash, password).await?;
    let ip_s = ip.to_string();
    let now = st.clock.now();
    let Some(staff_id) = id.filter(|_| ok) else {
        let l = login.clone();
        let ip2 = ip_s.clone();
        st.db
            .run(move |c| {
                c.execute(
                    "INSERT INTO audit_log(actor_kind, action, target, ip, created_at) VALUES ('system', 'staff.login_failed', ?1, ?2, ?3)",
                    rusqlite::params![format!("staff:{l}"), ip2, now],
                )?;
                Ok(())
            })
            .await?;
        tracing::info!(%ip, "staff login failed");
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            &login,
            GENERIC_ERROR,
        ));
    };
    let token = new_token();
    let th = token_hash(&token);
    let ua = user_agent(req);
    st.db
        .run(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            sessions::insert(
                &tx,
                &sessions::NewSession {
                    token_hash: &th,
                    account_id: None,
                    staff_id: Some(staff_id),
                    user_agent: &ua,
                    ip: &ip_s,
                    now,
                },
            )?;
            audit::staff(
                &tx,
                &audit::Entry {
                    staff_id,
                    action: "staff.login",
                    target: "",
                    details: "",
                    ip: &ip_s,
                    now,
                },
            )?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    let cookie = staff::cookie(&token, secure_cookies(req, &st.cfg));
    Ok(htmx::redirect(req, routes::STAFF_CHAT)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .into_response())
}

#[handler]
pub async fn logout(req: &Request, Data(st): Data<&SharedState>) -> poem::Result<Response> {
    if let Some(token) = staff::token_from(req) {
        let th = token_hash(&token);
        let ip = client_ip(req, &st.cfg).to_string();
        let now = st.clock.now();
        let ended = st
            .db
            .run(move |c| {
                let s = sessions::by_token(c, &th)?;
                if let Some(s) = &s {
                    sessions::delete(c, s.id)?;
                    if let Some(sid) = s.staff_id {
                        audit::staff(
                            c,
                            &audit::Entry {
                                staff_id: sid,
                                action: "staff.logout",
                                target: "",
                                details: "",
                                ip: &ip,
                                now,
                            },
                        )?;
                    }
                }
                Ok(s.map(|s| s.id))
            })
            .await?;
        st.sessions_ended(ended.into_iter().collect());
    }
    let cookie = staff::expired_cookie(secure_cookies(req, &st.cfg));
    Ok(htmx::redirect(req, routes::STAFF_LOGIN)
        .with_header(header::SET_COOKIE, cookie.to_string())
        .into_response())
}
