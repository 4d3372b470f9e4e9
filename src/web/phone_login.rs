//! «По телефону»: phone → one-time SMS code → logged in as the phone's account.
use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Form},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::credentials::{self, Attempt, Checked, Proof, Purpose},
    auth::session::{
        self, client_ip, new_token, secure_cookies, session_cookie, token_hash, user_agent,
    },
    db::{
        phone_login::{self, Verified},
        sessions::NewSession,
    },
    routes,
    state::SharedState,
    views::phone_login::{self as view, CodeForm},
    web::{csrf, htmx},
};

const BAD_PHONE: &str = "Введите номер мобильного телефона, например +7 927 123-42-49";

fn reply(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    status: StatusCode,
    form: Markup,
) -> Response {
    let markup = htmx::page_or_partial(req, form, |f| view::page(&crate::web::ctx(st), csrf, f));
    markup.with_status(status).into_response()
}

/// Without an SMS gateway no code can arrive (outside the demo): the tab is hidden and its
/// routes lead back to the contract login.
fn unavailable(req: &Request, st: &SharedState) -> Option<Response> {
    (!crate::web::ctx(st).sms_login()).then(|| htmx::redirect(req, routes::LOGIN))
}

#[handler]
pub fn page(req: &Request, Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Response {
    if let Some(r) = unavailable(req, st) {
        return r;
    }
    view::page(
        &crate::web::ctx(st),
        &csrf.0,
        view::phone_form(&csrf.0, "", None),
    )
    .into_response()
}

#[derive(Deserialize)]
pub struct PhoneInput {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    resend: Option<String>,
}

/// POST /login/phone — sends (or re-sends) a code and shows the code form.
#[handler]
pub async fn send(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Form(input): Form<PhoneInput>,
) -> poem::Result<Response> {
    if let Some(r) = unavailable(req, st) {
        return Ok(r);
    }
    let typed: String = input.phone.trim().chars().take(30).collect();
    let Some(phone) = crate::domain::outbox::normalize_phone(&typed) else {
        let form = view::phone_form(&csrf.0, &typed, Some(BAD_PHONE));
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
        ));
    };
    let resend = input.resend.is_some();
    let refuse = |msg: &str| {
        let form = if resend {
            view::code_form(
                &csrf.0,
                &CodeForm {
                    phone: &phone,
                    error: Some(msg),
                    info: None,
                    demo_code: None,
                },
            )
        } else {
            view::phone_form(&csrf.0, &typed, Some(msg))
        };
        reply(req, st, &csrf.0, StatusCode::TOO_MANY_REQUESTS, form)
    };
    let ip = client_ip(req, &st.cfg);
    let brand = st.cfg.branding.name.clone();
    let sent = crate::app::sms_code::send(st, &phone, ip, |code| {
        format!("{code} — код для входа в личный кабинет {brand}. Никому его не сообщайте.")
    })
    .await?;
    match sent {
        Err(msg) => Ok(refuse(&msg)),
        Ok(code) => {
            let form = view::code_form(
                &csrf.0,
                &CodeForm {
                    phone: &phone,
                    error: None,
                    info: resend
                        .then_some("Мы отправили новый код. Предыдущий больше не действует."),
                    // Only the demo data set's own phones: a real number's code goes by SMS.
                    demo_code: (st.demo && crate::db::demo::PHONES.contains(&phone.as_str()))
                        .then_some(code.as_str()),
                },
            );
            Ok(reply(req, st, &csrf.0, StatusCode::OK, form))
        }
    }
}

#[derive(Deserialize)]
pub struct CodeInput {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    /// Demo only: the shown code, echoed back so it stays on screen after a wrong try.
    #[serde(default)]
    demo_code: String,
}

/// POST /login/phone/code — checks the code; a match logs in.
#[handler]
pub async fn verify(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Form(input): Form<CodeInput>,
) -> poem::Result<Response> {
    let Some(phone) = crate::domain::outbox::normalize_phone(&input.phone) else {
        let form = view::phone_form(&csrf.0, "", Some(BAD_PHONE));
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
        ));
    };
    let code: String = input.code.chars().filter(|c| !c.is_whitespace()).collect();
    let shown = &input.demo_code;
    let demo_code = (st.demo
        && crate::db::demo::PHONES.contains(&phone.as_str())
        && shown.len() == 6
        && shown.bytes().all(|b| b.is_ascii_digit()))
    .then_some(shown.as_str());
    let again = |status: StatusCode, msg: &str| {
        let form = view::code_form(
            &csrf.0,
            &CodeForm {
                phone: &phone,
                error: Some(msg),
                info: None,
                demo_code,
            },
        );
        reply(req, st, &csrf.0, status, form)
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Введите 6 цифр кода из SMS",
        ));
    }
    let ip = client_ip(req, &st.cfg);
    let hash = phone_login::code_hash(&st.csrf_key, &phone, &code);
    let token = new_token();
    let th = token_hash(&token);
    let ua = user_agent(req);
    let ip_s = ip.to_string();
    let now = st.clock.now();
    let p = phone.clone();
    // The code is checked by the database together with its attempt counter; the per-code
    // attempts are the per-login limit, so only the IP limit applies here.
    let attempt = Attempt {
        ip,
        key: None,
        purpose: Purpose::Login,
        device: None,
    };
    let checked = credentials::check(st, attempt, "", move |c| {
        let s = NewSession {
            token_hash: &th,
            account_id: None,
            staff_id: None,
            user_agent: &ua,
            ip: &ip_s,
            now,
        };
        Ok(Some((
            phone_login::verify(c, &p, &hash, &s)?,
            Proof::Checked,
        )))
    })
    .await?;
    let verified = match checked {
        Checked::Ok(v) => v,
        Checked::Throttled(msg) => return Ok(again(StatusCode::TOO_MANY_REQUESTS, &msg)),
        Checked::Wrong => Verified::NoCode,
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    match verified {
        Verified::Ok {
            account_id,
            has_contracts,
            invitations,
        } => {
            tracing::info!(account_id, phone = %crate::domain::outbox::mask_phone(&phone), "phone login ok");
            // A session this browser still had ends: one browser, one session (as the other
            // logins).
            if let Some(previous) = session::token_from(req).filter(|p| *p != token) {
                crate::app::sessions::end(st, &previous, ip.to_string()).await?;
            }
            crate::app::activity::after_login(st, account_id, user_agent(req), ip.to_string())
                .await;
            let secure = secure_cookies(req, &st.cfg);
            let cookie = session_cookie(&token, secure, st.cfg.sessions.cookie_days());
            csrf::rotate(req, secure);
            let to = if invitations > 0 {
                routes::INVITATIONS
            } else if has_contracts {
                routes::HOME
            } else {
                routes::CONTRACTS
            };
            Ok(htmx::redirect(req, to)
                .with_header(header::SET_COOKIE, cookie.to_string())
                .into_response())
        }
        Verified::Wrong { left } => {
            tracing::info!(phone = %crate::domain::outbox::mask_phone(&phone), "wrong sms code");
            Ok(again(
                unprocessable,
                &format!("Неверный код. Осталось попыток: {left}"),
            ))
        }
        Verified::TooMany => Ok(again(
            unprocessable,
            "Слишком много неверных попыток. Запросите новый код позже.",
        )),
        Verified::Expired => Ok(again(
            unprocessable,
            "Срок действия кода истёк. Отправьте код ещё раз.",
        )),
        Verified::NoCode => Ok(again(
            unprocessable,
            "Код недействителен или уже использован. Отправьте код ещё раз.",
        )),
    }
}
