//! Two-factor login screens (issue 15): the code after a login (or enrolment when a contract
//! requires it), «Устройства и доступ» → «Вход», enrolment and switching off, and the owner's
//! requirement. Plain forms and full pages: they work without JavaScript.
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::second_factor::{self as app2, Step},
    auth::session::client_ip,
    db::{company, second_factor as db2},
    routes,
    state::SharedState,
    views::{
        contracts::standalone,
        second_factor::{self as view, Enrol, Security},
    },
    web::auth::{CurrentAccount, CurrentContract, SecondFactorSession},
    web::htmx,
};

#[derive(Deserialize)]
pub struct CodeInput {
    #[serde(default)]
    code: String,
}

fn enrol_view<'a>(step: &'a Step, action: &'a str, error: Option<&'a str>) -> Option<Enrol<'a>> {
    match step {
        Step::Enrol { qr_svg, secret } => Some(Enrol {
            qr_svg,
            secret,
            action,
            error,
        }),
        Step::Code => None,
    }
}

/// GET /login/second-factor
#[handler]
pub async fn page(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    s: SecondFactorSession,
) -> poem::Result<Response> {
    if !s.pending {
        return Ok(htmx::redirect(req, routes::HOME).into_response());
    }
    let step = app2::step(st, s.account_id, s.session_id, false).await?;
    let e = enrol_view(&step, routes::LOGIN_SECOND_FACTOR, None);
    let leavable = app2::leavable(st, s.account_id).await?;
    Ok(
        view::login_page(&crate::web::ctx(st), &csrf.0, e.as_ref(), None, &leavable)
            .into_response(),
    )
}

/// POST /login/second-factor — the code, or the first code of an enrolment.
#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    s: SecondFactorSession,
    Form(input): Form<CodeInput>,
) -> poem::Result<Response> {
    if !s.pending {
        return Ok(htmx::redirect(req, routes::HOME).into_response());
    }
    let ip = client_ip(req, &st.cfg);
    let step = app2::step(st, s.account_id, s.session_id, true).await?;
    let ctx = crate::web::ctx(st);
    let leavable = app2::leavable(st, s.account_id).await?;
    match &step {
        Step::Code => match app2::verify(st, ip, s.account_id, s.session_id, &input.code).await? {
            Ok(()) => Ok(htmx::redirect(req, routes::HOME).into_response()),
            Err(m) => Ok(view::login_page(&ctx, &csrf.0, None, Some(&m), &leavable)
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response()),
        },
        Step::Enrol { .. } => {
            match app2::confirm(st, ip, s.account_id, s.session_id, &input.code).await? {
                Ok(codes) => Ok(recovery_page(&ctx, &csrf.0, &codes)),
                Err(m) => {
                    let e = enrol_view(&step, routes::LOGIN_SECOND_FACTOR, Some(&m));
                    Ok(view::login_page(&ctx, &csrf.0, e.as_ref(), None, &leavable)
                        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                        .into_response())
                }
            }
        }
    }
}

/// POST /login/second-factor/leave/:contract — «Покинуть договор» instead of enrolling.
#[handler]
pub async fn leave(
    req: &Request,
    Data(st): Data<&SharedState>,
    s: SecondFactorSession,
    poem::web::Path(contract): poem::web::Path<i64>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    let free = app2::leave(st, s.account_id, s.session_id, contract, ip).await?;
    let to = if free {
        routes::HOME
    } else {
        routes::LOGIN_SECOND_FACTOR
    };
    Ok(htmx::redirect(req, to).into_response())
}

async fn security_panel(
    st: &SharedState,
    csrf: &str,
    account_id: i64,
    error: Option<&str>,
) -> poem::Result<maud::Markup> {
    let s = app2::status(st, account_id).await?;
    let keys = crate::app::passkeys::list(st, account_id).await?;
    // The switch is the current contract's owner's.
    let req = st
        .db
        .run(move |c| {
            let owner = company::owns_current(c, account_id)?;
            let k = crate::db::accounts::current_contract(c, account_id)?;
            Ok(match (owner, k) {
                (true, Some(k)) => Some((k.number.clone(), db2::contract_requires(c, k.id)?)),
                _ => None,
            })
        })
        .await?;
    Ok(view::security_panel(
        csrf,
        &Security {
            users_tab: req.is_some(),
            totp_on: s.totp_on,
            recovery_left: s.recovery_left,
            require: req.as_ref().map(|(n, on)| (n.as_str(), *on)),
            error,
            passkeys: &keys,
            tz: &st.tz,
        },
    ))
}

/// GET /access/security — the «Вход» tab.
#[handler]
pub async fn security(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    let p = security_panel(st, &csrf.0, acc.account_id, None).await?;
    Ok(super::access::wrap(req, st, &csrf.0, p))
}

/// GET /access/security/totp — enrolment page.
#[handler]
pub async fn setup(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    if let Some(r) = super::step_up::guard(req, st, &acc, routes::TOTP_SETUP).await? {
        return Ok(r);
    }
    let step = app2::enrolment(st, acc.account_id, acc.session_id, false).await?;
    let ctx = crate::web::ctx(st);
    let e = enrol_view(&step, routes::TOTP_SETUP, None);
    let body = match e {
        Some(e) => view::enrol_form(&csrf.0, &e),
        None => view::already_on(),
    };
    Ok(standalone(&ctx, &csrf.0, "Подключение второго фактора", body).into_response())
}

/// POST /access/security/totp — the first code.
#[handler]
pub async fn setup_confirm(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Form(input): Form<CodeInput>,
) -> poem::Result<Response> {
    if let Some(r) = super::step_up::guard(req, st, &acc, routes::TOTP_SETUP).await? {
        return Ok(r);
    }
    let ip = client_ip(req, &st.cfg);
    let ctx = crate::web::ctx(st);
    match app2::confirm(st, ip, acc.account_id, acc.session_id, &input.code).await? {
        Ok(codes) => Ok(recovery_page(&ctx, &csrf.0, &codes)),
        Err(m) => {
            let step = app2::enrolment(st, acc.account_id, acc.session_id, true).await?;
            let body = match enrol_view(&step, routes::TOTP_SETUP, Some(&m)) {
                Some(e) => view::enrol_form(&csrf.0, &e),
                None => view::already_on(),
            };
            Ok(
                standalone(&ctx, &csrf.0, "Подключение второго фактора", body)
                    .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                    .into_response(),
            )
        }
    }
}

/// POST /access/security/totp/off
#[handler]
pub async fn off(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Form(input): Form<CodeInput>,
) -> poem::Result<Response> {
    if let Some(r) = super::step_up::guard(req, st, &acc, routes::ACCESS_SECURITY).await? {
        return Ok(r);
    }
    let ip = client_ip(req, &st.cfg);
    let r = app2::disable(st, ip, acc.account_id, &input.code).await?;
    let p = security_panel(
        st,
        &csrf.0,
        acc.account_id,
        r.as_ref().err().map(String::as_str),
    )
    .await?;
    let status = if r.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(super::access::wrap(req, st, &csrf.0, p)
        .with_status(status)
        .into_response())
}

#[derive(Deserialize)]
pub struct RequireInput {
    #[serde(default)]
    on: String,
}

/// POST /access/security/require — the owner's switch (rule `ManageUsers`).
#[handler]
pub async fn require(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Form(input): Form<RequireInput>,
) -> poem::Result<Response> {
    let on = input.on == "1";
    let ip = client_ip(req, &st.cfg);
    app2::require(
        st,
        cur.account.account_id,
        cur.contract.id,
        cur.account.session_id,
        on,
        ip,
    )
    .await?;
    let p = security_panel(st, &csrf.0, cur.account.account_id, None).await?;
    Ok(super::access::wrap(req, st, &csrf.0, p))
}

/// The recovery codes, shown once after enrolment.
fn recovery_page(ctx: &crate::views::Ctx, csrf: &str, codes: &[String]) -> Response {
    standalone(
        ctx,
        csrf,
        "Второй фактор",
        view::recovery_codes(codes, routes::HOME),
    )
    .into_response()
}
