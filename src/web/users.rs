//! «Устройства и доступ» → «Пользователи» (issue 15): the owner invites a phone with a role
//! and changes roles. Removal is `web::access::revoke`. The routes' rule is `ManageUsers`
//! (see `web::roles`), checked by the extractors.
use maud::{html, Markup};
use poem::{
    handler,
    web::{CsrfToken, Data, Form, Path},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::company::{self, Owner},
    auth::session::client_ip,
    domain::ids::ContractId,
    error::AppError,
    state::SharedState,
    views::{components::toast_oob, users as view},
    web::auth::{CurrentContract, LinkedContract},
    web::htmx,
};

/// The owner behind a request on a contract it owns (the extractor checked the role).
pub fn owner(req: &Request, st: &SharedState, lc: &LinkedContract) -> Owner {
    Owner {
        account_id: lc.account.account_id,
        contract_id: lc.id(),
        contract_number: lc.link.number.clone(),
        ip: client_ip(req, &st.cfg),
    }
}

fn owner_of(req: &Request, st: &SharedState, cur: &CurrentContract) -> Owner {
    Owner {
        account_id: cur.account.account_id,
        contract_id: cur.contract.id,
        contract_number: cur.contract.number.clone(),
        ip: client_ip(req, &st.cfg),
    }
}

pub async fn panel(
    st: &SharedState,
    csrf: &str,
    o: &Owner,
    f: &view::InviteForm<'_>,
) -> Result<Markup, AppError> {
    let users = company::users(st, o.contract_id).await?;
    let pending = company::pending(st, o.contract_id).await?;
    Ok(view::users_panel(
        csrf,
        ContractId(o.contract_id),
        &o.contract_number,
        &users,
        &pending,
        f,
    ))
}

/// GET /access/users — the tab.
#[handler]
pub async fn page(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
) -> poem::Result<Response> {
    let o = owner_of(req, st, &cur);
    let p = panel(st, &csrf.0, &o, &Default::default()).await?;
    Ok(super::access::wrap(req, st, &csrf.0, p))
}

#[derive(Deserialize)]
pub struct InviteInput {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: String,
}

/// POST /access/users — «Пригласить».
#[handler]
pub async fn invite(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Form(input): Form<InviteInput>,
) -> poem::Result<Response> {
    // Inviting an owner hands over the company: it needs a fresh authentication.
    if input.role.trim() == crate::domain::role::Role::Owner.code() {
        if let Some(r) =
            super::step_up::guard(req, st, &cur.account, crate::routes::ACCESS_USERS).await?
        {
            return Ok(r);
        }
    }
    let o = owner_of(req, st, &cur);
    let done = company::invite(st, &o, &input.phone, &input.role).await?;
    match done {
        Ok(()) => {
            let p = panel(st, &csrf.0, &o, &Default::default()).await?;
            let text = "Приглашение отправлено по SMS. Доступ откроется, когда его примут";
            if htmx::is_htmx(req) {
                Ok(html! { (p) (toast_oob("ok", text)) }.into_response())
            } else {
                Ok(super::access::wrap(req, st, &csrf.0, p))
            }
        }
        Err(e) => {
            let msg = e.message();
            let phone: String = input.phone.chars().take(30).collect();
            let f = view::InviteForm {
                phone: &phone,
                role: if e.field() == "role" { "" } else { &input.role },
                phone_error: (e.field() == "phone").then_some(msg.as_str()),
                role_error: (e.field() == "role").then_some(msg.as_str()),
            };
            let p = panel(st, &csrf.0, &o, &f).await?;
            Ok(super::access::wrap(req, st, &csrf.0, p))
        }
    }
}

#[derive(Deserialize)]
pub struct RoleInput {
    #[serde(default)]
    role: String,
}

/// POST /access/:contract/:account/role — «Сохранить роль».
#[handler]
pub async fn role(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    lc: LinkedContract,
    Path((_, target)): Path<(i64, i64)>,
    Form(input): Form<RoleInput>,
) -> poem::Result<Response> {
    let o = owner(req, st, &lc);
    let done = company::change_role(st, &o, target, &input.role).await?;
    let (kind, text) = match &done {
        Ok(r) => ("ok", format!("Роль изменена: «{}»", r.label())),
        Err(e) => ("error", e.message()),
    };
    let p = panel(st, &csrf.0, &o, &Default::default()).await?;
    if htmx::is_htmx(req) {
        Ok(html! { (p) (toast_oob(kind, &text)) }.into_response())
    } else {
        let body = html! { (crate::views::components::toast(kind, &text)) (p) };
        Ok(super::access::wrap(req, st, &csrf.0, body))
    }
}

/// POST /access/invitations/:id/cancel — «Отменить» a pending invitation.
#[handler]
pub async fn cancel(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let o = owner_of(req, st, &cur);
    let text = match company::cancel(st, &o, id).await? {
        true => "Приглашение отменено",
        false => "Приглашения уже нет",
    };
    let p = panel(st, &csrf.0, &o, &Default::default()).await?;
    if htmx::is_htmx(req) {
        Ok(html! { (p) (toast_oob("ok", text)) }.into_response())
    } else {
        let body = html! { (crate::views::components::toast("ok", text)) (p) };
        Ok(super::access::wrap(req, st, &csrf.0, body))
    }
}

/// GET /access/journal — «Журнал действий» of the current contract.
#[handler]
pub async fn journal(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
) -> poem::Result<Response> {
    let rows = crate::app::activity::journal(st, cur.contract.id).await?;
    let p = view::journal_panel(&crate::web::ctx(st), &cur.contract.number, &rows);
    Ok(super::access::wrap(req, st, &csrf.0, p))
}
