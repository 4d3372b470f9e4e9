//! Staff: contract lookup and one contract's page (every opened contract is audited).
use maud::html;
use maud::Markup;
use poem::{
    handler,
    web::{CsrfToken, Data, Path, Query},
    Request,
};
use serde::Deserialize;

use super::actor;
use crate::{
    db::staff_contracts,
    error::AppError,
    state::SharedState,
    views::staff::{contracts as view, layout},
    web::htmx,
    web::staff_auth::CurrentStaff,
};

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[handler]
pub async fn search(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Query(SearchQuery { q }): Query<SearchQuery>,
) -> poem::Result<Markup> {
    let q = crate::domain::validate::search_text(&q, 100);
    let q2 = q.clone();
    let rows = st
        .db
        .run(move |c| Ok(staff_contracts::search(c, &q2)?))
        .await?;
    let list = view::results(&crate::web::ctx(st), &q, &rows);
    if htmx::is_htmx(req) {
        return Ok(list);
    }
    let body = html! { (view::search_form(&q)) (list) };
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Contracts,
        "Договоры",
        body,
    ))
}

#[handler]
pub async fn contract(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Path(number): Path<String>,
) -> poem::Result<Markup> {
    if number.is_empty() || number.len() > 64 {
        return Err(AppError::NotFound.into());
    }
    let who = actor(req, st, &me);
    let found = st
        .db
        .run(move |c| {
            let card = staff_contracts::card(c, &number)?;
            if let Some(k) = &card {
                who.log(c, "staff.contract_view", &k.summary.number, "")?;
            }
            Ok(card)
        })
        .await?;
    let Some(card) = found else {
        return Err(AppError::NotFound.into());
    };
    let title = format!("Договор {}", card.summary.number);
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Contracts,
        &title,
        view::card(&crate::web::ctx(st), &csrf.0, &card),
    ))
}

#[derive(serde::Deserialize)]
pub struct RemoveInput {
    #[serde(default)]
    reason: String,
}

/// POST /staff/contracts/:number/users/:account/remove — on the owner's phoned request.
#[handler]
pub async fn remove_user(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path((number, target)): Path<(String, i64)>,
    poem::web::Form(input): poem::web::Form<RemoveInput>,
) -> poem::Result<poem::Response> {
    use poem::IntoResponse;
    if number.is_empty() || number.len() > 64 {
        return Err(AppError::NotFound.into());
    }
    let ip = crate::auth::session::client_ip(req, &st.cfg).to_string();
    let back = crate::routes::STAFF_CONTRACT.replace(":number", &number);
    match crate::app::company::staff_remove(st, me.id, number, target, &input.reason, ip).await? {
        Ok(()) => Ok(crate::web::htmx::redirect(req, &back).into_response()),
        Err(e) => Err(AppError::BadRequest(e.message()).into()),
    }
}
