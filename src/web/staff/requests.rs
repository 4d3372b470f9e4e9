//! Staff: contract requests and applications — lists with filters, details, status changes.
use maud::html;
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Path, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use super::actor;
use crate::{
    db::{
        self,
        backoffice::{self, Filter, Refused},
    },
    domain::states::WorkStatus,
    error::AppError,
    routes,
    state::SharedState,
    views::{
        components::{close_modal_oob, toast_oob},
        staff::{layout, requests as view},
    },
    web::staff_auth::CurrentStaff,
};

#[derive(Deserialize, Default)]
pub struct FilterQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
}

impl From<FilterQuery> for Filter {
    fn from(f: FilterQuery) -> Filter {
        Filter {
            status: f.status,
            q: crate::domain::validate::search_text(&f.q, 100),
        }
    }
}

#[handler]
pub async fn requests(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Query(q): Query<FilterQuery>,
) -> poem::Result<Markup> {
    let f: Filter = q.into();
    let f2 = f.clone();
    let rows = st
        .db
        .run(move |c| Ok(backoffice::requests(c, &f2)?))
        .await?;
    let body = html! {
        (view::filters(routes::STAFF_REQUESTS, &f, "Номер договора, организация или заявка"))
        (view::requests_list(&crate::web::ctx(st), &rows))
    };
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Requests,
        "Заявки по договорам",
        body,
    ))
}

#[handler]
pub async fn request(
    Data(st): Data<&SharedState>,
    _me: CurrentStaff,
    Path(id): Path<i64>,
) -> poem::Result<Markup> {
    let found = st
        .db
        .run(move |c| {
            let Some(cid) = backoffice::request_contract(c, id)? else {
                return Ok(None);
            };
            let number = db::contracts::number(c, cid)?;
            Ok(db::requests::detail(c, cid, id)?.map(|d| (number, d)))
        })
        .await?;
    let (number, d) = found.ok_or(AppError::NotFound)?;
    Ok(view::request_modal(&crate::web::ctx(st), &number, &d))
}

#[derive(Deserialize)]
pub struct StatusInput {
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

/// Checks the status form; Err is the message shown under the comment.
fn check(input: &StatusInput) -> Result<(WorkStatus, String), &'static str> {
    let comment = input.comment.trim().to_owned();
    let Some(status) = WorkStatus::parse(input.status.trim()) else {
        return Err("Выберите статус");
    };
    if comment.chars().count() > 1000 {
        return Err("Комментарий длиннее 1000 символов");
    }
    if status == WorkStatus::Rejected && comment.is_empty() {
        return Err("Напишите абоненту причину отказа");
    }
    Ok((status, comment))
}

fn refused(action: &str, current: WorkStatus, msg: &str, comment: &str) -> Response {
    view::status_form(action, current, Some(msg), comment)
        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response()
}

#[handler]
pub async fn request_status(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(input): Form<StatusInput>,
) -> poem::Result<Response> {
    let action = routes::staff_request(id);
    let (status, comment) = match check(&input) {
        Ok(v) => v,
        Err(m) => {
            let cur = st
                .db
                .run(move |c| Ok(backoffice::request_status(c, id)?))
                .await?
                .ok_or(AppError::NotFound)?;
            return Ok(refused(&action, cur, m, &input.comment));
        }
    };
    let a = actor(req, st, &me);
    let (s2, c2) = (status, comment.clone());
    let staff_id = me.id;
    let done = st
        .db
        .run(move |c| {
            let r = backoffice::set_request_status(c, id, s2, &c2, staff_id, a.now)?;
            if let Ok(from) = &r {
                a.log(
                    c,
                    "request.status",
                    &format!("request:{id}"),
                    &format!("{from} → {s2}: {c2}"),
                )?;
            }
            let row = backoffice::request_item(c, id)?;
            let holders = if r.is_ok() {
                db::requests::accounts_of_request(c, id)?
            } else {
                Vec::new()
            };
            Ok((r, row, holders))
        })
        .await?;
    let (result, row, holders) = done;
    // Subscribers looking at the contract see the new status without reloading.
    crate::chat::announce_requests_changed(&st.chat, &holders);
    match result {
        Err(Refused::NotFound) => Err(AppError::NotFound.into()),
        Err(Refused::Transition(from)) => Ok(refused(
            &action,
            from,
            "Такой переход статуса невозможен. Обновите страницу.",
            &comment,
        )),
        Ok(_) if !crate::web::htmx::is_htmx(req) => {
            Ok(crate::web::htmx::redirect(req, routes::STAFF_REQUESTS))
        }
        Ok(_) => Ok(html! {
            (close_modal_oob())
            (toast_oob("ok", &format!("Статус заявки: {}", status.label())))
            @if let Some(r) = row { (view::oob_row(view::request_row(&crate::web::ctx(st), &r, true))) }
        }
        .into_response()),
    }
}

#[handler]
pub async fn applications(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Query(q): Query<FilterQuery>,
) -> poem::Result<Markup> {
    let f: Filter = q.into();
    let f2 = f.clone();
    let rows = st
        .db
        .run(move |c| Ok(backoffice::applications(c, &f2)?))
        .await?;
    let body = html! {
        (view::filters(routes::STAFF_APPLICATIONS, &f, "Имя, телефон или адрес"))
        (view::applications_list(&crate::web::ctx(st), &rows))
    };
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Applications,
        "Заявки на подключение",
        body,
    ))
}

#[handler]
pub async fn application(
    Data(st): Data<&SharedState>,
    _me: CurrentStaff,
    Path(id): Path<i64>,
) -> poem::Result<Markup> {
    let a = st
        .db
        .run(move |c| Ok(backoffice::application(c, id)?))
        .await?;
    let a = a.ok_or(AppError::NotFound)?;
    Ok(view::application_modal(&crate::web::ctx(st), &a))
}

#[handler]
pub async fn application_status(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(input): Form<StatusInput>,
) -> poem::Result<Response> {
    let action = routes::staff_application(id);
    let (status, comment) = match check(&input) {
        Ok(v) => v,
        Err(m) => {
            let cur = st
                .db
                .run(move |c| Ok(backoffice::application(c, id)?.map(|a| a.status)))
                .await?
                .ok_or(AppError::NotFound)?;
            return Ok(refused(&action, cur, m, &input.comment));
        }
    };
    let a = actor(req, st, &me);
    let (s2, c2) = (status, comment.clone());
    let done = st
        .db
        .run(move |c| {
            let r = backoffice::set_application_status(c, id, s2, &c2, a.now)?;
            if let Ok(from) = &r {
                a.log(
                    c,
                    "application.status",
                    &format!("application:{id}"),
                    &format!("{from} → {s2}: {c2}"),
                )?;
            }
            Ok((r, backoffice::application(c, id)?))
        })
        .await?;
    match done {
        (Err(Refused::NotFound), _) => Err(AppError::NotFound.into()),
        (Err(Refused::Transition(from)), _) => Ok(refused(
            &action,
            from,
            "Такой переход статуса невозможен. Обновите страницу.",
            &comment,
        )),
        (Ok(_), _) if !crate::web::htmx::is_htmx(req) => {
            Ok(crate::web::htmx::redirect(req, routes::STAFF_APPLICATIONS))
        }
        (Ok(_), row) => Ok(html! {
            (close_modal_oob())
            (toast_oob("ok", &format!("Статус заявки: {}", status.label())))
            @if let Some(r) = row { (view::oob_row(view::application_row(&crate::web::ctx(st), &r, true))) }
        }
        .into_response()),
    }
}
