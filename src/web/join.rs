//! «Стать абонентом»: the page, the request to a specialist, and storing applications (shared
//! with the self-connect wizard in `join_wizard`).
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data},
    IntoResponse, Request, Response,
};

use crate::{
    auth::session::client_ip,
    db::{applications, referral},
    domain::application::{clean, normalize_phone},
    state::SharedState,
    views::join::{self as view, SpecialistForm},
    web::{htmx, referral::remembered_code},
};

pub const ERR_ADDRESS: &str = "Укажите адрес подключения";
pub const ERR_NAME: &str = "Укажите, как к Вам обращаться";
pub const ERR_PHONE: &str = "Введите номер телефона, например +7 900 123-45-67";
pub const ERR_CONSENT: &str = "Нужно согласие с условиями оферты и обработкой персональных данных";

/// The contract whose personal link brought this visitor, if its code is still valid.
pub async fn referrer(req: &Request, st: &SharedState) -> poem::Result<Option<i64>> {
    let Some(code) = remembered_code(req) else {
        return Ok(None);
    };
    if !st.cfg.referral.enabled {
        return Ok(None);
    }
    Ok(st
        .db
        .run(move |c| Ok(referral::contract_by_code(c, &code)?))
        .await?)
}

/// Per-IP limit on stored applications; the message to show when refused.
pub fn rate_limited(req: &Request, st: &SharedState) -> Option<String> {
    let ip = client_ip(req, &st.cfg);
    match st.limits.check_ip(&st.limits.applications_ip, ip) {
        Ok(()) => None,
        Err(wait) => {
            tracing::warn!(%ip, "application throttled by ip");
            Some(format!(
                "Слишком много заявок с Вашего адреса. Попробуйте {} или позвоните нам.",
                wait.human()
            ))
        }
    }
}

/// An application ready to store (validated).
pub struct Ready {
    pub kind: &'static str,
    pub address: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub details_json: String,
    pub summary: String,
}

/// Stores it with the consent version, the referrer and the visitor's IP; queues the e-mail
/// to the sales desk.
pub async fn store(req: &Request, st: &SharedState, a: Ready) -> poem::Result<applications::Saved> {
    let referrer = referrer(req, st).await?;
    let ip = client_ip(req, &st.cfg).to_string();
    let now = st.clock.now();
    let consent_version = st.cfg.join.consent_version.clone();
    let sales = st.cfg.sales.email.clone();
    if sales.is_none() {
        tracing::warn!(
            "no [sales] email configured: the application is stored without a notification"
        );
    }
    let saved = st
        .db
        .run(move |c| {
            let new = applications::NewApplication {
                kind: a.kind,
                address: &a.address,
                name: &a.name,
                phone: &a.phone,
                email: a.email.as_deref(),
                details_json: &a.details_json,
                summary: &a.summary,
                referrer_contract_id: referrer,
                consent_version: &consent_version,
                ip: &ip,
            };
            Ok(applications::save(c, &new, sales.as_deref(), now)?)
        })
        .await?;
    tracing::info!(
        id = saved.id,
        merged = saved.merged,
        referred = referrer.is_some(),
        "application stored"
    );
    Ok(saved)
}

#[handler]
pub async fn page(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
) -> poem::Result<Markup> {
    let referred = referrer(req, st).await?.is_some();
    Ok(view::join_page(
        &crate::web::ctx(st),
        &csrf.0,
        referred,
        &SpecialistForm::default(),
    ))
}

fn reply(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    status: StatusCode,
    f: &SpecialistForm,
) -> Response {
    let markup = if htmx::is_htmx(req) {
        view::specialist_form(&crate::web::ctx(st), csrf, f)
    } else {
        view::join_page(&crate::web::ctx(st), csrf, false, f)
    };
    markup.with_status(status).into_response()
}

fn done(req: &Request, st: &SharedState, csrf: &str, merged: bool) -> Response {
    let markup = if htmx::is_htmx(req) {
        view::submitted(merged)
    } else {
        view::auth_card_page(&crate::web::ctx(st), csrf, view::submitted(merged))
    };
    markup.into_response()
}

/// «Оставить заявку» (to a specialist).
#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    let bytes = body
        .into_bytes_limit(16 * 1024)
        .await
        .map_err(|_| crate::error::AppError::BadRequest("Слишком большой запрос".into()))?;
    let mut address = String::new();
    let mut name = String::new();
    let mut phone = String::new();
    let mut consent = false;
    let mut honey = false;
    for (k, v) in form_urlencoded::parse(&bytes) {
        match k.as_ref() {
            "address" => address = clean(&v),
            "name" => name = clean(&v),
            "phone" => phone = clean(&v),
            "consent" => consent = v == "1" || v == "on",
            "website" => honey = !v.trim().is_empty(),
            _ => {}
        }
    }
    let mut f = SpecialistForm {
        address: &address,
        name: &name,
        phone: &phone,
        consent,
        ..Default::default()
    };
    if honey {
        // A bot: answer as if all went well, store nothing.
        tracing::info!("application dropped: honeypot filled");
        return Ok(done(req, st, &csrf.0, false));
    }
    let normalized = normalize_phone(&phone);
    if address.chars().count() < 5 {
        f.err_address = Some(ERR_ADDRESS);
    }
    if name.is_empty() {
        f.err_name = Some(ERR_NAME);
    }
    if normalized.is_none() {
        f.err_phone = Some(ERR_PHONE);
    }
    if !consent {
        f.err_consent = Some(ERR_CONSENT);
    }
    if f.has_errors() {
        return Ok(reply(
            req,
            st,
            &csrf.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            &f,
        ));
    }
    if let Some(msg) = rate_limited(req, st) {
        f.error = Some(msg);
        return Ok(reply(req, st, &csrf.0, StatusCode::TOO_MANY_REQUESTS, &f));
    }
    let saved = store(
        req,
        st,
        Ready {
            kind: "specialist",
            address: address.clone(),
            name: name.clone(),
            phone: normalized.unwrap_or_default(),
            email: None,
            details_json: "{}".into(),
            summary: String::new(),
        },
    )
    .await?;
    Ok(done(req, st, &csrf.0, saved.merged))
}
