//! «Уведомления»: the settings (gear menu), push subscriptions from the browser, the one-click
//! unsubscribe link of e-mails.
use maud::{html, Markup};
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Json, Path},
    IntoResponse, Request, Response,
};

use crate::{
    app::notify::{self as uc, Subscription},
    domain::notify::{PrefsError, SubscriptionError},
    state::SharedState,
    views::{
        components::toast_oob,
        contracts::standalone,
        notify::{self as view, Contacts, FormErrors},
    },
    web::{auth::CurrentAccount, htmx},
};

async fn render_form(
    st: &SharedState,
    csrf: &str,
    account: i64,
    errors: &FormErrors<'_>,
    typed: Option<(&str, &str)>,
) -> Result<Markup, crate::error::AppError> {
    let s = uc::settings(st, account).await?;
    let (email, phone) = match typed {
        Some((e, p)) => (e.to_owned(), p.to_owned()),
        None => (
            s.email.clone().unwrap_or_default(),
            s.phone.clone().unwrap_or_default(),
        ),
    };
    Ok(view::form(
        csrf,
        &s.prefs,
        &Contacts {
            email: &email,
            phone: &phone,
            default_email: s.default_email.as_deref(),
            devices: s.devices,
            vapid_public: &s.vapid_public,
            email_pending: s.email_pending,
            phone_pending: s.phone_pending,
        },
        errors,
    ))
}

/// GET /notifications — the modal (htmx) or a page of its own.
#[handler]
pub async fn page(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Markup> {
    let form = render_form(st, &csrf.0, acc.account_id, &FormErrors::default(), None).await?;
    Ok(htmx::page_or_partial(
        req,
        view::settings_modal(form.clone()),
        |_| standalone(&crate::web::ctx(st), &csrf.0, "Уведомления", form),
    ))
}

/// POST /notifications — saves the switches and contacts; unknown fields → 422.
#[handler]
pub async fn save(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Form(mut fields): Form<Vec<(String, String)>>,
) -> poem::Result<Response> {
    // The confirmation codes of contacts are not settings.
    let take = |fields: &mut Vec<(String, String)>, n: &str| {
        let v = fields
            .iter()
            .filter(|(k, _)| k == n)
            .map(|(_, v)| v.trim().to_owned())
            .next_back()
            .unwrap_or_default();
        fields.retain(|(k, _)| k != n);
        v
    };
    let email_code = take(&mut fields, "email_code");
    let phone_code = take(&mut fields, "phone_code");
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let typed = (get("email").to_owned(), get("phone").to_owned());
    let r = uc::save_settings(st, acc.account_id, fields.clone()).await?;
    let mut code_errors = FormErrors::default();
    if r.is_ok() && !email_code.is_empty() {
        code_errors.email_code = uc::confirm_contact(st, acc.account_id, true, &email_code)
            .await?
            .err();
    }
    if r.is_ok() && !phone_code.is_empty() {
        code_errors.phone_code = uc::confirm_contact(st, acc.account_id, false, &phone_code)
            .await?
            .err();
    }
    let code_failed = code_errors.email_code.is_some() || code_errors.phone_code.is_some();
    let errors = match &r {
        Ok(()) => code_errors,
        Err(PrefsError::Unknown(_)) => FormErrors {
            form: Some("Неизвестное уведомление или способ доставки. Обновите страницу."),
            ..Default::default()
        },
        Err(PrefsError::Email) => FormErrors {
            email: Some("Введите адрес электронной почты, например buh@company.ru"),
            ..Default::default()
        },
        Err(PrefsError::Phone) => FormErrors {
            phone: Some("Введите мобильный номер, например +7 927 123-45-67"),
            ..Default::default()
        },
    };
    let form = render_form(
        st,
        &csrf.0,
        acc.account_id,
        &errors,
        r.is_err().then_some((typed.0.as_str(), typed.1.as_str())),
    )
    .await?;
    if r.is_err() || code_failed {
        let body = if htmx::is_htmx(req) {
            form
        } else {
            standalone(&crate::web::ctx(st), &csrf.0, "Уведомления", form)
        };
        return Ok(body
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    if htmx::is_htmx(req) {
        Ok(html! { (form) (toast_oob("ok", "Настройки уведомлений сохранены")) }.into_response())
    } else {
        let body = html! { p .form-ok role="status" { "Настройки уведомлений сохранены" } (form) };
        Ok(standalone(&crate::web::ctx(st), &csrf.0, "Уведомления", body).into_response())
    }
}

fn json_error(status: StatusCode, msg: &str) -> Response {
    (status, Json(serde_json::json!({ "error": msg }))).into_response()
}

/// POST /notifications/push — `{endpoint, keys: {p256dh, auth}}` from `PushManager.subscribe`.
#[handler]
pub async fn subscribe(
    req: &Request,
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    body: poem::Body,
) -> poem::Result<Response> {
    let Ok(bytes) = body.into_bytes_limit(4096).await else {
        return Ok(json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "subscription too large",
        ));
    };
    let Ok(sub) = serde_json::from_slice::<Subscription>(&bytes) else {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected {endpoint, keys: {p256dh, auth}}",
        ));
    };
    let ua = req.header("user-agent").unwrap_or("").to_owned();
    match uc::subscribe(st, acc.account_id, acc.session_id, sub, ua).await? {
        Ok(()) => Ok(StatusCode::CREATED.into_response()),
        Err(SubscriptionError::Endpoint) => Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "endpoint must be an https URL of a known push service",
        )),
        Err(SubscriptionError::Keys) => Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "keys must be a P-256 key and a 16-byte auth secret (base64url)",
        )),
    }
}

#[derive(serde::Deserialize)]
struct Endpoint {
    endpoint: String,
}

/// POST /notifications/push/off — `{endpoint}`: this device no longer gets pushes.
#[handler]
pub async fn unsubscribe_device(
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    body: poem::Body,
) -> poem::Result<Response> {
    let Ok(bytes) = body.into_bytes_limit(4096).await else {
        return Ok(json_error(StatusCode::PAYLOAD_TOO_LARGE, "too large"));
    };
    let Ok(e) = serde_json::from_slice::<Endpoint>(&bytes) else {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "expected {endpoint}",
        ));
    };
    uc::unsubscribe_device(st, acc.account_id, e.endpoint).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /notifications/unsubscribe/:token — the link in every notice e-mail: one click turns
/// those e-mails off (no login needed; the token is signed).
#[handler]
pub async fn unsubscribe(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    link(st, &csrf.0, &token, false).await
}

/// POST on the same link: «Вернуть эти письма».
#[handler]
pub async fn resubscribe(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    link(st, &csrf.0, &token, true).await
}

async fn link(st: &SharedState, csrf: &str, token: &str, on: bool) -> poem::Result<Response> {
    let ctx = crate::web::ctx(st);
    match uc::unsubscribe(st, token, on).await? {
        Some(kind) => Ok(view::unsubscribed(&ctx, csrf, token, kind, on).into_response()),
        None => Ok(view::unknown_link(&ctx, csrf)
            .with_status(StatusCode::NOT_FOUND)
            .into_response()),
    }
}
