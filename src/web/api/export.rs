//! API out: requests, applications and payments in pages by ascending id:
//! `?after_id=N&limit=100` (limit at most 500) → `{"items": [...], "next_after_id": N}`.
//! `next_after_id` is the last item's id (or `after_id` itself when the page is empty): pass it
//! back to get the next page; a page shorter than `limit` means there is nothing more for now.
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json},
    Request,
};
use serde_json::{json, Value};

use super::{ApiClient, ApiError, ApiResult};
use crate::{db::billing_export as q, state::SharedState};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

/// (after_id, limit) from the query string.
fn cursor(req: &Request) -> ApiResult<(i64, i64)> {
    let mut after_id = 0;
    let mut limit = DEFAULT_LIMIT;
    let query = req.uri().query().unwrap_or("");
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        let bad = |field: &str, msg: &str| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, msg.to_owned()).field(field.to_owned())
        };
        match k.as_ref() {
            "after_id" => {
                after_id = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| bad("after_id", "after_id: целое число не меньше 0"))?;
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
    Ok((after_id, limit))
}

type Query = fn(&rusqlite::Connection, i64, i64) -> rusqlite::Result<Vec<Value>>;

async fn page(st: &SharedState, req: &Request, query: Query) -> ApiResult<Json<Value>> {
    let (after_id, limit) = cursor(req)?;
    let items = st.db.run(move |c| Ok(query(c, after_id, limit)?)).await?;
    let next = items
        .last()
        .and_then(|v| v["id"].as_i64())
        .unwrap_or(after_id);
    Ok(Json(json!({"items": items, "next_after_id": next})))
}

/// `GET /api/v1/requests`
#[handler]
pub async fn requests(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Value>> {
    page(st, req, q::requests).await
}

/// `GET /api/v1/applications`
#[handler]
pub async fn applications(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Value>> {
    page(st, req, q::applications).await
}

/// `GET /api/v1/payments`
#[handler]
pub async fn payments(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Value>> {
    page(st, req, q::payments).await
}
