//! Staff: «Объявления» — broadcasts to chosen contracts or all (admins), audited.
use maud::{html, Markup};
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form},
    IntoResponse, Request, Response,
};

use super::actor;
use crate::{
    app::notify::{self as uc, BroadcastForm, Publisher},
    domain::notify::BroadcastErrors,
    state::SharedState,
    views::{
        components::toast,
        staff::{broadcasts as view, layout},
    },
    web::staff_auth::StaffAdmin,
};

async fn page(
    st: &SharedState,
    csrf: &str,
    me: &crate::domain::staff::CurrentStaff,
    top: Markup,
) -> Result<Markup, crate::error::AppError> {
    let rows = uc::broadcasts(st).await?;
    let body = html! {
        div .staff-two {
            div { (top) }
            (view::list(&crate::web::ctx(st), &rows))
        }
    };
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        csrf,
        me,
        layout::Section::Broadcasts,
        "Объявления",
        body,
    ))
}

#[handler]
pub async fn list(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    StaffAdmin(me): StaffAdmin,
) -> poem::Result<Markup> {
    let form = view::form(
        &csrf.0,
        &view::Typed::default(),
        &BroadcastErrors::default(),
    );
    Ok(page(st, &csrf.0, &me, form).await?)
}

#[handler]
pub async fn create(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    StaffAdmin(me): StaffAdmin,
    Form(f): Form<BroadcastForm>,
) -> poem::Result<Response> {
    let a = actor(req, st, &me);
    let who = Publisher {
        staff_id: a.staff_id,
        ip: a.ip,
    };
    let typed = (
        f.title.clone(),
        f.body.clone(),
        f.to_all,
        f.contracts.clone(),
        f.until.clone(),
    );
    match uc::broadcast(st, who, f).await? {
        Ok((_, n)) => {
            let top = html! {
                (toast("ok", &format!("Объявление отправлено: договоров {n}")))
                (view::form(&csrf.0, &view::Typed::default(), &BroadcastErrors::default()))
            };
            Ok(page(st, &csrf.0, &me, top).await?.into_response())
        }
        Err(e) => {
            let t = view::Typed {
                title: &typed.0,
                body: &typed.1,
                to_all: typed.2,
                contracts: &typed.3,
                until: &typed.4,
            };
            let top = view::form(&csrf.0, &t, &e);
            Ok(page(st, &csrf.0, &me, top)
                .await?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}
