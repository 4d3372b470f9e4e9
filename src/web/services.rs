//! «Подключенные услуги» details, a request's details and its files.
use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Path},
    Response,
};

use crate::{
    db::{requests, services},
    error::AppError,
    state::SharedState,
    views,
    web::auth::{CurrentAccount, CurrentContract},
    web::page_cache::{self, Key, Screen},
};

/// GET /services/:id — the service's details as a modal (only the current contract's).
#[handler]
pub async fn service(
    Data(st): Data<&SharedState>,
    Data(web): Data<&super::SharedWeb>,
    cur: CurrentContract,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let k = cur.contract.id;
    let key = Key::of(Screen::Service, &cur, id as u64);
    let html = web
        .pages
        .get_or_render(key, &page_cache::scopes(&cur), async {
            let d = st.db.read(move |c| Ok(services::detail(c, k, id)?)).await?;
            let d = d.ok_or(AppError::NotFound)?;
            Ok(views::services::service_modal(&crate::web::ctx(st), &d).into_string())
        })
        .await?;
    Ok(page_cache::respond(html))
}

/// GET /requests/:id — the request's fields and status history (only the current contract's).
#[handler]
pub async fn request(
    Data(st): Data<&SharedState>,
    Data(web): Data<&super::SharedWeb>,
    cur: CurrentContract,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let k = cur.contract.id;
    let key = Key::of(Screen::Request, &cur, id as u64);
    let html = web
        .pages
        .get_or_render(key, &page_cache::scopes(&cur), async {
            let d = st.db.read(move |c| Ok(requests::detail(c, k, id)?)).await?;
            let d = d.ok_or(AppError::NotFound)?;
            Ok(views::actions::request_modal(&crate::web::ctx(st), &d).into_string())
        })
        .await?;
    Ok(page_cache::respond(html))
}

/// GET /uploads/:id — a stored scan, only for accounts linked to its contract.
#[handler]
pub async fn upload(
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let dir = st.cfg.uploads.dir();
    let account_id = acc.account_id;
    let found = st
        .db
        .run(move |c| {
            let Some((u, stored)) = requests::upload_for_account(c, account_id, id)? else {
                return Ok(None);
            };
            // Stored names are our own random hex; never a path from the client.
            if !stored.chars().all(|ch| ch.is_ascii_hexdigit()) {
                return Ok(None);
            }
            match std::fs::read(dir.join(&stored)) {
                Ok(bytes) => Ok(Some((u, bytes))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(AppError::Internal(format!("upload read: {e}"))),
            }
        })
        .await?;
    let (u, bytes) = found.ok_or(AppError::NotFound)?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .content_type(u.content_type.as_str())
        .header(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"scan\"; filename*=UTF-8''{}",
                percent_encode(&u.original_name)
            ),
        )
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(bytes))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// «Активные заявки» of the current contract, alone (the page re-fetches it when staff change a
/// request's status).
#[handler]
pub async fn active_requests(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
) -> poem::Result<Markup> {
    let id = cur.contract.id;
    let rows = st.db.run(move |c| Ok(requests::list(c, id)?)).await?;
    Ok(crate::views::actions::requests_list(
        &crate::web::ctx(st),
        &rows,
        None,
        false,
    ))
}
