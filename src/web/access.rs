//! «Устройства и доступ»: sessions of the account, «Сбросить все устройства», other
//! accounts holding my contracts with «Удалить доступ», and changing a contract's password.
use crate::routes::ids;
use maud::{html, Markup};
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Path},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::credentials::{self, Attempt, Checked, Purpose},
    auth::session::client_ip,
    db::account_links::{self, Holder, Linked},
    error::AppError,
    state::SharedState,
    views::{
        access::{self as view, PasswordErrors},
        components::{toast, toast_oob},
        contracts::standalone,
    },
    web::auth::{CurrentAccount, LinkedContract},
    web::htmx,
};

fn html(m: Markup) -> Response {
    m.into_response()
}

async fn devices_panel(
    st: &SharedState,
    csrf: &str,
    acc: &CurrentAccount,
) -> Result<Markup, AppError> {
    let aid = acc.account_id;
    let (list, owner) = st
        .db
        .run(move |c| {
            Ok((
                account_links::devices(c, aid)?,
                crate::db::company::owns_current(c, aid)?,
            ))
        })
        .await?;
    let left = crate::domain::account::Remaining {
        passkeys: crate::app::passkeys::list(st, aid).await?,
        invited: crate::app::lifecycle::invited(st, aid).await?,
    };
    Ok(view::devices_panel(
        &crate::web::ctx(st),
        csrf,
        &list,
        acc.session_id,
        owner,
        &left,
    ))
}

type Held = Vec<(Linked, Vec<Holder>)>;

async fn contracts_panel(st: &SharedState, account_id: i64) -> Result<Markup, AppError> {
    let (rows, owner): (Held, bool) = st
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for l in account_links::list(c, account_id)? {
                let h = account_links::holders(c, account_id, l.id)?;
                out.push((l, h));
            }
            Ok((out, crate::db::company::owns_current(c, account_id)?))
        })
        .await?;
    Ok(view::contracts_panel(&rows, owner))
}

/// The panel alone when a tab is switched inside the modal, else the modal or a full page.
pub fn wrap(req: &Request, st: &SharedState, csrf: &str, panel: Markup) -> Response {
    if req.header("hx-target") == Some("access-body") {
        html(panel)
    } else if htmx::is_htmx(req) {
        html(view::modal_with(panel))
    } else {
        html(standalone(
            &crate::web::ctx(st),
            csrf,
            "Устройства и доступ",
            panel,
        ))
    }
}

/// GET /access — tab «Устройства».
#[handler]
pub async fn devices(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    let panel = devices_panel(st, &csrf.0, &acc).await?;
    Ok(wrap(req, st, &csrf.0, panel))
}

/// GET /access/contracts — tab «Договоры».
#[handler]
pub async fn contracts(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    let panel = contracts_panel(st, acc.account_id).await?;
    Ok(wrap(req, st, &csrf.0, panel))
}

/// POST /access/reset — «Сбросить все устройства»: the account lifecycle ends every other
/// session, device cookie, passkey, push subscription and pending enrolment; what still gives
/// access (invited users) is listed with one action each.
#[handler]
pub async fn reset(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    let r = crate::app::lifecycle::reset_devices(st, acc.account_id, acc.session_id, ip).await?;
    let panel = devices_panel(st, &csrf.0, &acc).await?;
    let n = r.ended.sessions.len();
    let mut text = if n == 0 {
        "Других устройств нет".to_owned()
    } else {
        format!("Авторизация сброшена на других устройствах: {n}")
    };
    if r.ended.passkeys > 0 {
        text.push_str(&format!(". Удалено ключей доступа: {}", r.ended.passkeys));
    }
    if !r.invited.is_empty() {
        text.push_str(". Проверьте приглашённых пользователей");
    }
    if htmx::is_htmx(req) {
        Ok(html(html! { (panel) (toast_oob("ok", &text)) }))
    } else {
        Ok(wrap(
            req,
            st,
            &csrf.0,
            html! { (toast("ok", &text)) (panel) },
        ))
    }
}

#[derive(Deserialize)]
pub struct RevokeInput {
    /// `users` when asked from «Пользователи» (that panel is redrawn).
    #[serde(default)]
    panel: String,
}

/// POST /access/:contract/:account/revoke — «Удалить доступ» (the owner only: the route's
/// rule is `ManageUsers`).
#[handler]
pub async fn revoke(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    lc: LinkedContract,
    Path((_, target)): Path<(i64, i64)>,
    Form(input): Form<RevokeInput>,
) -> poem::Result<Response> {
    let aid = lc.account.account_id;
    let owner = super::users::owner(req, st, &lc);
    let done = crate::app::company::remove(st, &owner, target).await?;
    let (kind, text) = match &done {
        Ok(()) => ("ok", "Доступ к договору удалён".to_owned()),
        Err(e) => ("error", e.message()),
    };
    let panel = if input.panel == "users" {
        super::users::panel(st, &csrf.0, &owner, &Default::default()).await?
    } else {
        contracts_panel(st, aid).await?
    };
    let status = if done.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if !htmx::is_htmx(req) {
        return Ok(
            wrap(req, st, &csrf.0, html! { (toast(kind, &text)) (panel) })
                .with_status(status)
                .into_response(),
        );
    }
    Ok(html(html! { (panel) (toast_oob(kind, &text)) }))
}

/// GET /contracts/:id/password — the small password form.
#[handler]
pub async fn password_form(lc: LinkedContract) -> poem::Result<Response> {
    let (id, l) = (lc.id(), lc.link);
    Ok(html(view::password_form(
        id,
        &l.number,
        &PasswordErrors::default(),
    )))
}

#[derive(Deserialize)]
pub struct PasswordInput {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// POST /contracts/:id/password — checks the current password (throttled like login),
/// stores the new one, removes every other account's access and ends their sessions.
#[handler]
pub async fn password_save(
    req: &Request,
    Data(st): Data<&SharedState>,
    lc: LinkedContract,
    Form(input): Form<PasswordInput>,
) -> poem::Result<Response> {
    let (aid, id, l) = (lc.account.account_id, lc.id(), lc.link);
    let session_id = lc.account.session_id;
    let hash = st
        .db
        .run(move |c| Ok(crate::db::contracts::password_hash(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let form = |status: StatusCode, e: &PasswordErrors| {
        view::password_form(id, &l.number, e)
            .with_status(status)
            .into_response()
    };
    let new_len = input.new.chars().count();
    let e_new = if new_len < 8 {
        Some("Не короче 8 символов")
    } else if new_len > 128 {
        Some("Не длиннее 128 символов")
    } else if input.new == input.current {
        Some("Новый пароль совпадает с текущим")
    } else {
        None
    };
    let e_repeat = (e_new.is_none() && input.repeat != input.new).then_some("Пароли не совпадают");
    let e_current = input.current.is_empty().then_some("Введите текущий пароль");
    if e_new.is_some() || e_repeat.is_some() || e_current.is_some() {
        let e = PasswordErrors {
            current: e_current,
            new: e_new,
            repeat: e_repeat,
        };
        return Ok(form(StatusCode::UNPROCESSABLE_ENTITY, &e));
    }
    let attempt = Attempt {
        ip: client_ip(req, &st.cfg),
        key: Some(&l.number),
        purpose: Purpose::Confirm,
        device: None,
    };
    let wrong = match credentials::verify_known(st, attempt, hash, &input.current).await? {
        Checked::Ok(()) => None,
        Checked::Throttled(msg) => Some((StatusCode::TOO_MANY_REQUESTS, msg)),
        Checked::Wrong => Some((StatusCode::UNPROCESSABLE_ENTITY, "Неверный пароль".into())),
    };
    if let Some((status, msg)) = wrong {
        let e = PasswordErrors {
            current: Some(&msg),
            ..Default::default()
        };
        return Ok(form(status, &e));
    }
    let new_hash = credentials::hash(st, input.new).await?;
    let now = st.clock.now();
    let ended = st
        .db
        .run(move |c| {
            Ok(account_links::change_password(
                c, aid, id, &new_hash, now, session_id,
            )?)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(
        account_id = aid,
        contract_id = id,
        sessions = ended.len(),
        "contract password changed"
    );
    st.sessions_ended(ended);
    crate::app::activity::record(
        st,
        aid,
        id,
        "contract.password",
        String::new(),
        String::new(),
        client_ip(req, &st.cfg).to_string(),
    )
    .await;
    let panel = contracts_panel(st, aid).await?;
    Ok(html! {
            (panel)
            (toast_oob("ok", &format!("Пароль договора {} изменён. Доступ других аккаунтов удалён.", l.number)))
        }
    .with_header("hx-retarget", ids::ACCESS_BODY_SEL)
    .with_header("hx-reswap", "outerHTML")
    .into_response())
}
