//! «История баланса» and «Автоплатеж».
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Form, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use super::payments::{
    amount_input, base_url, form_key, last_email, random_key, updated, PROVIDER_DOWN,
};
use crate::{
    app::payments::{self as flow, FlowError, Started},
    db::{self, payments::NewPayment},
    domain::payment::{self, FormErrors},
    error::AppError,
    routes,
    state::SharedState,
    views::{self, balance::AutopayForm},
    web::auth::CurrentContract,
    web::htmx,
    web::page_cache::{self, Key, Screen},
};

#[handler]
pub async fn history(
    Data(st): Data<&SharedState>,
    Data(web): Data<&super::SharedWeb>,
    cur: CurrentContract,
) -> poem::Result<Response> {
    let cid = cur.contract.id;
    let tz = st.tz.clone();
    let key = Key::of(Screen::History, &cur, 0);
    let html = web
        .pages
        .get_or_render(key, &page_cache::scopes_with_money(&cur), async {
            let months = st
                .db
                .read(move |c| {
                    let mut v = Vec::new();
                    let mut before = i64::MAX;
                    // The two newest months; older ones load on demand.
                    for _ in 0..2 {
                        match db::ledger::month_before(c, cid, before, &tz)? {
                            Some(m) => {
                                let older = m.older;
                                v.push(m);
                                match older {
                                    Some(o) => before = o,
                                    None => break,
                                }
                            }
                            None => break,
                        }
                    }
                    Ok(v)
                })
                .await?;
            Ok(views::history::history_modal(&crate::web::ctx(st), &months).into_string())
        })
        .await?;
    Ok(page_cache::respond(html))
}

#[derive(Deserialize)]
pub struct More {
    before: i64,
}

#[handler]
pub async fn history_more(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Query(q): Query<More>,
) -> poem::Result<Markup> {
    let cid = cur.contract.id;
    let tz = st.tz.clone();
    let m = st
        .db
        .run(move |c| Ok(db::ledger::month_before(c, cid, q.before, &tz)?))
        .await?;
    Ok(views::history::page(&crate::web::ctx(st), m.as_ref()))
}

#[handler]
pub async fn autopay_modal(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
) -> poem::Result<Response> {
    let cid = cur.contract.id;
    let ap = st.db.run(move |c| Ok(db::autopay::get(c, cid)?)).await?;
    let email = match ap.as_ref().and_then(|a| a.email.clone()) {
        Some(e) => e,
        None => last_email(st, cid).await,
    };
    let amount = amount_input(
        ap.as_ref()
            .map(|a| a.amount_kop)
            .unwrap_or(cur.contract.recommended_kop),
    );
    let key = random_key();
    let f = AutopayForm {
        amount: &amount,
        email: &email,
        key: &key,
        errors: &FormErrors::default(),
        error: None,
    };
    Ok(views::balance::autopay_modal(&crate::web::ctx(st), ap.as_ref(), &f).into_response())
}

#[derive(Deserialize)]
pub struct AutopayInput {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    key: String,
}

/// «Подключить»: a first payment that saves the card; autopay turns on when it succeeds.
#[handler]
pub async fn autopay_connect(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Form(input): Form<AutopayInput>,
) -> poem::Result<Response> {
    let p = &st.cfg.payments;
    let key = form_key(&input.key);
    let amount_s: String = input.amount.chars().take(64).collect();
    let email_s: String = input.email.chars().take(64).collect();
    let reply = |errors: &FormErrors, error: Option<&str>| {
        let f = AutopayForm {
            amount: &amount_s,
            email: &email_s,
            key: &key,
            errors,
            error,
        };
        views::balance::autopay_form(&crate::web::ctx(st), &f)
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response()
    };
    let sym = &st.cfg.branding.currency_symbol;
    let a = payment::amount(&input.amount, p.min_amount_kop, p.max_amount_kop, sym);
    let e = payment::email(&input.email);
    let (amount, email) = match (a, e) {
        (Ok(a), Ok(e)) => (a, e),
        (a, e) => {
            let errors = FormErrors {
                amount: a.err(),
                email: e.err(),
                consent: None,
            };
            return Ok(reply(&errors, None));
        }
    };
    let cid = cur.contract.id;
    let provider = st.money.provider.name();
    let now = st.clock.now();
    let em = email.clone();
    st.db
        .run(move |c| Ok(db::autopay::prepare(c, cid, amount, &em, provider, now)?))
        .await?;
    let np = NewPayment {
        contract_id: cid,
        account_id: Some(cur.account.account_id),
        purpose: "autopay_setup",
        amount_kop: amount,
        email: Some(email),
        provider,
        idempotency_key: format!("autopay_setup:{cid}:{key}"),
        return_token: random_key(),
        now,
    };
    let description = format!(
        "Подключение автоплатежа по договору № {}",
        cur.contract.number
    );
    Ok(
        match flow::start(st, np, &base_url(req, st), description, true, None).await {
            Ok(Started::Redirect(url)) => htmx::redirect(req, &url),
            Ok(Started::Settled(_)) => htmx::redirect(req, routes::HOME),
            Err(FlowError::Provider(e)) => {
                tracing::warn!(error = %e, "autopay set-up: provider failed");
                reply(&FormErrors::default(), Some(PROVIDER_DOWN))
            }
            Err(FlowError::App(e)) => return Err(e.into()),
        },
    )
}

#[handler]
pub async fn autopay_off(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
) -> poem::Result<Response> {
    let cid = cur.contract.id;
    let now = st.clock.now();
    let ap = st
        .db
        .run(move |c| {
            db::autopay::disable(c, cid, now)?;
            Ok(db::autopay::get(c, cid)?)
        })
        .await
        .map_err(|e: AppError| e)?;
    tracing::info!(contract_id = cid, "autopay turned off");
    if !htmx::is_htmx(req) {
        // A plain form post: back to the main page, which shows the block without autopay.
        return Ok(htmx::redirect(req, routes::HOME));
    }
    Ok(updated(
        st,
        &cur.contract,
        cur.role,
        ap.as_ref(),
        "Автоплатеж отключен",
    )
    .into_response())
}
