//! API out: requests, applications and payments in pages.
//! - New rows by ascending id: `?after_id=N&limit=100` (limit at most 500) →
//!   `{"items": [...], "next_after_id": N}`. `next_after_id` is the last item's id (or `after_id`
//!   itself when the page is empty): pass it back to get the next page.
//! - Every change by (updated_at, id): `?changed_after=0` → `{"items": [...], "next_changed_after":
//!   "<opaque>"}`; pass it back as `changed_after`. A row comes again after each change to it;
//!   changes show about two seconds after they are made.
//!
//! A page shorter than `limit` means there is nothing more for now.
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json},
    Request,
};

use super::schema::{
    ApplicationItem, AuthErrors, ErrorBody, Page, PageQuery, PaymentItem, PaymentsQuery,
    RequestItem,
};
use super::{ApiClient, ApiError, ApiResult};
use crate::{db::billing_export as q, state::SharedState};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

/// (cursor, limit) from the query string.
fn cursor(req: &Request, now: i64) -> ApiResult<(q::Cursor, i64)> {
    let mut after_id = None;
    let mut changed = None;
    let mut limit = DEFAULT_LIMIT;
    let query = req.uri().query().unwrap_or("");
    let bad = |field: &str, msg: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, msg.to_owned()).field(field.to_owned())
    };
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "after_id" => {
                after_id = Some(
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| bad("after_id", "after_id: целое число не меньше 0"))?,
                );
            }
            "changed_after" => {
                let parsed = match v.split_once('.') {
                    None if v == "0" => Some((0, 0)),
                    Some((at, id)) => at.parse::<i64>().ok().zip(id.parse::<i64>().ok()),
                    None => None,
                };
                changed = Some(parsed.filter(|(at, id)| *at >= 0 && *id >= 0).ok_or_else(
                    || {
                        bad(
                            "changed_after",
                            "changed_after: 0 или значение next_changed_after из прошлого ответа",
                        )
                    },
                )?);
            }
            "limit" => {
                limit = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| bad("limit", "limit: целое число от 1 до 500"))?;
            }
            _ => {}
        }
    }
    let cur = match (after_id, changed) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "changed_after",
                "Укажите что-то одно: after_id или changed_after",
            ))
        }
        (_, Some((at, id))) => q::Cursor::Changed { at, id, now },
        (id, None) => q::Cursor::AfterId(id.unwrap_or(0)),
    };
    Ok((cur, limit))
}

type Query<T> = fn(&crate::db::Conn, q::Cursor, i64) -> crate::db::SqlResult<Vec<q::Item<T>>>;

pub(super) async fn page<T>(
    st: &SharedState,
    req: &Request,
    query: Query<T>,
) -> ApiResult<Json<Page<T>>>
where
    T: utoipa::ToSchema + Send + 'static,
{
    let (cur, limit) = cursor(req, st.clock.now())?;
    let rows = st.db.run(move |c| Ok(query(c, cur, limit)?)).await?;
    let last = rows.last().map(|(at, id, _)| (*at, *id));
    let items: Vec<T> = rows.into_iter().map(|(_, _, v)| v).collect();
    Ok(Json(match cur {
        q::Cursor::AfterId(after) => Page {
            items,
            next_after_id: Some(last.map_or(after, |(_, id)| id)),
            next_changed_after: None,
        },
        q::Cursor::Changed { at, id, .. } => {
            let (at, id) = last.unwrap_or((at, id));
            Page {
                items,
                next_after_id: None,
                next_changed_after: Some(format!("{at}.{id}")),
            }
        }
    }))
}

/// New requests, or every change to them.
#[utoipa::path(get, path = "/requests", tag = "export", params(PageQuery),
    responses(
        (status = 200, description = "A page of requests", body = Page<RequestItem>),
        (status = 422, description = "A bad cursor or limit", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn requests(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Page<RequestItem>>> {
    page(st, req, q::requests).await
}

/// New connection applications, or every change to them.
#[utoipa::path(get, path = "/applications", tag = "export", params(PageQuery),
    responses(
        (status = 200, description = "A page of applications", body = Page<ApplicationItem>),
        (status = 422, description = "A bad cursor or limit", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn applications(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Page<ApplicationItem>>> {
    page(st, req, q::applications).await
}

/// Payments made in the portal: real payments only; `include_test=true` adds the sandbox's
/// test payments (each item says `test`), which are never real money.
#[utoipa::path(get, path = "/payments", tag = "export", params(PageQuery, PaymentsQuery),
    responses(
        (status = 200, description = "A page of payments", body = Page<PaymentItem>),
        (status = 422, description = "A bad cursor or limit", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn payments(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Page<PaymentItem>>> {
    let query = req.uri().query().unwrap_or("");
    let mut with_test = false;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k == "include_test" {
            with_test = match v.as_ref() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "include_test: true или false",
                    )
                    .field("include_test"))
                }
            };
        }
    }
    if with_test {
        page(st, req, q::payments_with_test).await
    } else {
        page(st, req, q::payments).await
    }
}
