//! «Приглашения»: the invitee accepts or declines an owner's invitation (issue 24 #5). Plain
//! forms and a full page: they work without JavaScript.
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Path},
    IntoResponse, Request, Response,
};

use crate::{
    app::invitations as app,
    auth::session::client_ip,
    routes,
    state::SharedState,
    views::{contracts::standalone, users as view},
    web::{auth::CurrentAccount, htmx},
};

async fn render(
    st: &SharedState,
    csrf: &str,
    acc: &CurrentAccount,
    note: Option<&str>,
) -> poem::Result<Response> {
    let list = app::waiting(st, acc.account_id).await?;
    let body = view::invitations(csrf, &list, note);
    Ok(standalone(&crate::web::ctx(st), csrf, "Приглашения", body).into_response())
}

/// GET /invitations
#[handler]
pub async fn page(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    render(st, &csrf.0, &acc, None).await
}

/// POST /invitations/:id/accept — the contract opens with the invited role.
#[handler]
pub async fn accept(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let ip = client_ip(req, &st.cfg);
    match app::accept(st, acc.account_id, id, ip).await? {
        Some(_) => Ok(htmx::redirect(req, routes::HOME)),
        None => Ok(render(
            st,
            &csrf.0,
            &acc,
            Some("Приглашение уже недействительно: его отменили или приняли"),
        )
        .await?
        .with_status(StatusCode::NOT_FOUND)
        .into_response()),
    }
}

/// POST /invitations/:id/decline
#[handler]
pub async fn decline(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let note = match app::decline(st, acc.account_id, id).await? {
        true => "Приглашение отклонено",
        false => "Приглашение уже недействительно",
    };
    render(st, &csrf.0, &acc, Some(note)).await
}
