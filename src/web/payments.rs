//! «Оплата услуг»: the payment modal, its submission, the return from the checkout page,
//! gateway notifications and the sandbox checkout page.
use maud::{html, Markup};
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Form, Path},
    Body, IntoResponse, Request, Response,
};
use rand::RngCore;
use serde::Deserialize;

use crate::{
    app::payments::{self as flow, FlowError, Started},
    config::ProviderKind,
    db::{self, payments::NewPayment},
    domain::{money, payment},
    error::AppError,
    routes,
    services::payments::{notification_body, sandbox, ProviderError},
    state::SharedState,
    views::{self, balance::PayForm, components},
    web::auth::CurrentContract,
    web::htmx,
};

pub const PROVIDER_DOWN: &str =
    "Платежная система сейчас недоступна. Попробуйте через несколько минут.";

pub fn random_key() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The form's idempotency key if it looks like one we issued; a fresh one otherwise.
pub fn form_key(k: &str) -> String {
    if (16..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_hexdigit()) {
        k.to_ascii_lowercase()
    } else {
        random_key()
    }
}

/// Base for the gateway's return link: relative for the in-app sandbox, absolute otherwise.
pub fn base_url(req: &Request, st: &SharedState) -> String {
    if st.cfg.payments.provider == ProviderKind::Sandbox {
        return String::new();
    }
    if let Some(u) = &st.cfg.payments.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let scheme = if crate::auth::session::secure_cookies(req, &st.cfg) {
        "https"
    } else {
        "http"
    };
    let host = req.header(header::HOST).unwrap_or("localhost");
    format!("{scheme}://{host}")
}

pub fn amount_input(kop: i64) -> String {
    if kop > 0 {
        money::to_input(kop)
    } else {
        String::new()
    }
}

#[derive(Deserialize, Default)]
pub struct PayInput {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub consent: Option<String>,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub t: Option<String>,
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// 422 with the re-rendered form.
pub fn form_reply(f: &PayForm, status: StatusCode) -> Response {
    views::balance::pay_form(f)
        .with_status(status)
        .into_response()
}

/// Validates, then starts the payment. `Err` is the re-rendered form.
pub async fn submit_payment(
    req: &Request,
    st: &SharedState,
    input: &PayInput,
    action: &str,
    contract_id: i64,
    account_id: Option<i64>,
    kind: &'static str,
) -> Response {
    let p = &st.cfg.payments;
    let key = form_key(&input.key);
    let consent = input.consent.is_some();
    let amount_s = clip(&input.amount);
    let email_s = clip(&input.email);
    let form = |errors: &payment::FormErrors, error: Option<&str>| {
        let f = PayForm {
            action,
            amount: &amount_s,
            email: &email_s,
            consent,
            key: &key,
            token: input.t.as_deref(),
            errors,
            error,
        };
        form_reply(&f, StatusCode::UNPROCESSABLE_ENTITY)
    };
    let (amount, email) = match payment::validate(
        &input.amount,
        &input.email,
        consent,
        p.min_amount_kop,
        p.max_amount_kop,
        &st.cfg.branding.currency_symbol,
    ) {
        Ok(v) => v,
        Err(errors) => return form(&errors, None),
    };
    let np = NewPayment {
        contract_id,
        account_id,
        purpose: "topup",
        amount_kop: amount,
        email: Some(email),
        provider: st.money.provider.name(),
        idempotency_key: format!("{kind}:{contract_id}:{key}"),
        return_token: random_key(),
        now: st.clock.now(),
    };
    let number = st
        .db
        .run(move |c| Ok(db::contracts::summary(c, contract_id)?.map(|k| k.number)))
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let description = format!("Оплата услуг по договору № {number}");
    match flow::start(st, np, &base_url(req, st), description, false, None).await {
        Ok(Started::Redirect(url)) => htmx::redirect(req, &url),
        Ok(Started::Settled(p)) => {
            let to = flow::return_path(p.return_token.as_deref().unwrap_or(""));
            htmx::redirect(req, &to)
        }
        Err(FlowError::Provider(e)) => {
            tracing::warn!(error = %e, "payment provider failed");
            form(&Default::default(), Some(PROVIDER_DOWN))
        }
        Err(FlowError::App(e)) => {
            tracing::error!(error = %e, "payment not started");
            form(
                &Default::default(),
                Some("Не удалось начать оплату. Попробуйте еще раз."),
            )
        }
    }
}

/// The e-mail the contract paid with last time (to prefill the receipt field).
pub async fn last_email(st: &SharedState, contract_id: i64) -> String {
    st.db
        .run(move |c| Ok(crate::db::payments::last_email(c, contract_id)?))
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[handler]
pub async fn modal(cur: CurrentContract) -> poem::Result<Response> {
    // One database round trip (the session check) and no more: this partial is on the hot path.
    let email = "";
    let amount = amount_input(cur.contract.recommended_kop);
    let key = random_key();
    let f = PayForm {
        action: routes::PAYMENT,
        amount: &amount,
        email,
        consent: false,
        key: &key,
        token: None,
        errors: &Default::default(),
        error: None,
    };
    Ok(views::balance::pay_modal(&f).into_response())
}

#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Form(input): Form<PayInput>,
) -> Response {
    let r = submit_payment(
        req,
        st,
        &input,
        routes::PAYMENT,
        cur.contract.id,
        Some(cur.account.account_id),
        "topup",
    )
    .await;
    // «Журнал действий» (issue 15): a payment was started (a form error answers 422).
    if r.headers().contains_key("hx-redirect") || r.status() == poem::http::StatusCode::SEE_OTHER {
        let amount = clip(&input.amount);
        let ip = crate::auth::session::client_ip(req, &st.cfg).to_string();
        crate::app::activity::record(
            st,
            cur.account.account_id,
            cur.contract.id,
            "payment.start",
            String::new(),
            format!("на {amount} ₽"),
            ip,
        )
        .await;
    }
    r
}

/// Where the checkout page sends the payer back. Asks the provider once (the notification
/// may still be on its way), then shows the result.
#[handler]
pub async fn payment_return(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Path(token): Path<String>,
) -> poem::Result<Response> {
    let t = token.clone();
    let found = st
        .db
        .run(move |c| Ok(db::payments::by_return_token(c, &t)?))
        .await?;
    let Some(mut p) = found else {
        return Err(AppError::NotFound.into());
    };
    if p.status == "pending" {
        if let Some(rid) = p.provider_payment_id.clone() {
            if let Err(e) = flow::refresh(st, rid).await {
                tracing::warn!(error = %e, "return: provider check failed");
            }
            let id = p.id;
            if let Some(fresh) = st.db.run(move |c| Ok(db::payments::by_id(c, id)?)).await? {
                p = fresh;
            }
        }
    }
    if p.account_id.is_some() {
        // The main page says what happened (paid, refused, still processing).
        return Ok(htmx::redirect(req, &routes::home_after_payment(&token)));
    }
    Ok(
        views::express::done(&crate::web::ctx(st), &csrf.0, &p.status, p.amount_kop)
            .into_response(),
    )
}

/// The payment of `token` when it is the current contract's (anything else: None).
pub async fn own_payment(
    st: &SharedState,
    cur: &CurrentContract,
    token: String,
) -> poem::Result<Option<db::payments::PaymentRow>> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let cid = cur.contract.id;
    let p = st
        .db
        .run(move |c| Ok(db::payments::by_return_token(c, &token)?))
        .await?;
    Ok(p.filter(|p| p.contract_id == cid && p.account_id.is_some()))
}

/// The main page's notice while a payment is pending (polled): the notice again, and once the
/// payment settles the balance block too.
#[handler]
pub async fn payment_status(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Path(token): Path<String>,
) -> poem::Result<Markup> {
    let p = own_payment(st, &cur, token.clone())
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = crate::web::ctx(st);
    let notice = views::payment_result::notice(&ctx, &p.status, p.amount_kop, &token);
    if p.status == "pending" {
        return Ok(notice);
    }
    let cid = cur.contract.id;
    let (k, ap) = st
        .db
        .run(move |c| Ok((db::contracts::summary(c, cid)?, db::autopay::get(c, cid)?)))
        .await?;
    Ok(html! {
        (notice)
        @if let Some(k) = k { (views::balance::card(&ctx, &k, cur.role, ap.as_ref(), true)) }
    })
}

/// Gateway notifications (outside the CSRF guard). The body only names a payment; its status
/// is fetched back from the provider, so a forged notification changes nothing.
#[handler]
pub async fn notify(
    req: &Request,
    Data(st): Data<&SharedState>,
    Path(provider): Path<String>,
    body: Body,
) -> StatusCode {
    let ip = crate::auth::session::client_ip(req, &st.cfg);
    if provider != st.money.provider.name() {
        return StatusCode::NOT_FOUND;
    }
    let Ok(bytes) = body.into_bytes_limit(64 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    match flow::notify(st, &bytes).await {
        Ok(db::payments::Applied::Unknown) => {
            if !st.throttles.unknown_notification(ip) {
                return StatusCode::TOO_MANY_REQUESTS;
            }
            tracing::warn!(%ip, "notification for an unknown payment ignored");
            StatusCode::BAD_REQUEST
        }
        Ok(_) => StatusCode::OK,
        Err(FlowError::Provider(ProviderError::Transport(e))) => {
            tracing::warn!(error = %e, "notification: provider unreachable");
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(e) => {
            tracing::error!(error = %e, "notification failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

fn sandbox_only(st: &SharedState) -> Result<(), AppError> {
    if st.cfg.payments.provider == ProviderKind::Sandbox {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[handler]
pub async fn sandbox_page(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Path(id): Path<String>,
) -> poem::Result<Markup> {
    sandbox_only(st)?;
    let p = st
        .db
        .run(move |c| Ok(sandbox::checkout(c, &id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views::sandbox::checkout(&crate::web::ctx(st), &csrf.0, &p))
}

async fn sandbox_decide(st: &SharedState, id: String, pay: bool) -> poem::Result<Response> {
    sandbox_only(st)?;
    let id2 = id.clone();
    let p = st
        .db
        .run(move |c| {
            let Some(p) = sandbox::checkout(c, &id2)? else {
                return Ok(None);
            };
            sandbox::decide(c, &id2, pay)?;
            Ok(Some(p))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    // Reported like a real gateway would: a notification naming the payment.
    let event = if pay {
        "payment.succeeded"
    } else {
        "payment.canceled"
    };
    if let Err(e) = flow::notify(st, notification_body(event, &id).as_bytes()).await {
        tracing::warn!(error = %e, "sandbox notification failed");
    }
    Ok(Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, p.return_url)
        .finish())
}

#[handler]
pub async fn sandbox_pay(
    Data(st): Data<&SharedState>,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    sandbox_decide(st, id, true).await
}

#[handler]
pub async fn sandbox_cancel(
    Data(st): Data<&SharedState>,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    sandbox_decide(st, id, false).await
}

/// After a change: close the modal, show a toast, redraw the balance block.
pub fn updated(
    st: &SharedState,
    k: &db::contracts::ContractSummary,
    role: crate::domain::role::Role,
    ap: Option<&db::autopay::Autopay>,
    toast: &str,
) -> Markup {
    html! {
        (components::close_modal_oob())
        (components::toast_oob("ok", toast))
        (views::balance::card(&crate::web::ctx(st), k, role, ap, true))
    }
}
