//! «Подтвердите, что это вы» (issue 24): the step-up screen, and [`guard`], which sends a
//! session that has not proved a secret within `app::lifecycle::FRESH_SECS` there before it
//! may bind a new authenticator (passkey, TOTP on/off) or invite an owner.
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Json, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    app::lifecycle::{self, StepUp},
    auth::session::client_ip,
    routes,
    state::SharedState,
    views::{contracts::standalone, step_up as view},
    web::{auth::CurrentAccount, htmx},
};

const TITLE: &str = "Подтверждение входа";

/// Only pages of «Устройства и доступ» are places to come back to.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with("/access")
        && !next.starts_with("//")
        && next
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b));
    if ok {
        next
    } else {
        routes::ACCESS_SECURITY
    }
}

fn confirm_url(next: &str) -> String {
    format!("{}?next={}", routes::ACCESS_CONFIRM, safe_next(next))
}

/// `None` when the session is fresh; otherwise the answer that sends the browser to the
/// step-up screen (a JSON error with `step_up` for the passkey script).
pub async fn guard(
    req: &Request,
    st: &SharedState,
    acc: &CurrentAccount,
    next: &str,
) -> poem::Result<Option<Response>> {
    if lifecycle::is_fresh(st, acc.session_id).await? {
        return Ok(None);
    }
    let url = confirm_url(next);
    let json = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"));
    Ok(Some(if json {
        Json(json!({
            "error": "Подтвердите вход, чтобы продолжить",
            "step_up": url,
        }))
        .with_status(StatusCode::FORBIDDEN)
        .into_response()
    } else {
        htmx::redirect(req, &url)
    }))
}

#[derive(Deserialize, Default)]
pub struct Next {
    #[serde(default)]
    next: String,
}

async fn render(
    st: &SharedState,
    csrf: &str,
    acc: &CurrentAccount,
    next: &str,
    sent: bool,
    error: Option<&str>,
    status: StatusCode,
) -> poem::Result<Response> {
    let how = lifecycle::method(st, acc.account_id).await?;
    let ask = match &how {
        StepUp::Password { number, totp } => view::Ask::Password {
            number,
            totp: *totp,
        },
        StepUp::Totp => view::Ask::Totp,
        StepUp::Sms { masked } => view::Ask::Sms { masked, sent },
    };
    let body = view::form(csrf, safe_next(next), &ask, error);
    Ok(standalone(&crate::web::ctx(st), csrf, TITLE, body)
        .with_status(status)
        .into_response())
}

/// GET /access/confirm
#[handler]
pub async fn page(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Query(q): Query<Next>,
) -> poem::Result<Response> {
    render(st, &csrf.0, &acc, &q.next, false, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct SecretInput {
    #[serde(default)]
    next: String,
    #[serde(default)]
    secret: String,
}

/// POST /access/confirm — the password or code; a right one returns to `next`.
#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Form(input): Form<SecretInput>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    match lifecycle::confirm(st, acc.account_id, acc.session_id, ip, &input.secret).await? {
        Ok(()) => Ok(htmx::redirect(req, safe_next(&input.next))),
        Err(m) => {
            let status = if m.starts_with("Слишком много") {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render(st, &csrf.0, &acc, &input.next, false, Some(&m), status).await
        }
    }
}

/// POST /access/confirm/code — sends the SMS code to a phone account's own phone.
#[handler]
pub async fn send_code(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Form(input): Form<Next>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    match lifecycle::send_code(st, acc.account_id, ip).await? {
        Ok(()) => render(st, &csrf.0, &acc, &input.next, true, None, StatusCode::OK).await,
        Err(m) => {
            render(
                st,
                &csrf.0,
                &acc,
                &input.next,
                false,
                Some(&m),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
    }
}
