//! API in: contracts, service lists and ledger entries from the billing system. Each request
//! is one IMMEDIATE transaction with its audit entry: all of it is stored, or nothing.
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json, Path},
    Body, IntoResponse, Response,
};
use serde_json::json;

use super::{read_json, ApiClient, ApiResult};
use crate::{
    app::billing::{self, Actor},
    domain::{
        billing as billing_rules,
        billing::contract_number,
        billing_json::{contract_from_json, ledger_from_json, services_from_json, Obj},
    },
    state::SharedState,
};

fn actor(client: &ApiClient) -> Actor {
    Actor {
        token_id: client.token_id,
        ip: client.ip.clone(),
    }
}

/// `PUT /api/v1/contracts/{number}`: creates (201) or updates (200) a contract.
#[handler]
pub async fn put_contract(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let input = contract_from_json(&number, &value)?;
    let (out, created) = billing::put_contract(st, actor(&client), input).await??;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Json(out).with_status(status).into_response())
}

/// `PUT /api/v1/contracts/{number}/services`: replaces the contract's whole service list.
#[handler]
pub async fn put_services(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let number = contract_number("number", &number)?;
    let services = services_from_json(&value)?;
    let count = services.len();
    billing::put_services(st, actor(&client), number.clone(), services).await??;
    Ok(Json(json!({"contract": number, "services": count})).into_response())
}

/// `POST /api/v1/ledger`: a batch of ledger entries, idempotent per `external_id`.
#[handler]
pub async fn post_ledger(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let entries = ledger_from_json(&value, st.clock.now())?;
    let results = billing::post_ledger(st, actor(&client), entries).await??;
    let created = results.iter().filter(|r| r.result == "created").count();
    Ok(Json(json!({
        "created": created,
        "duplicates": results.len() - created,
        "entries": results,
    }))
    .into_response())
}

/// `PUT /api/v1/contracts/{number}/password` `{"password": "…"}`: the operator sets a contract's
/// password (a subscriber who lost it called support). As when a subscriber changes it, every
/// account loses access and every session on the contract's own login ends at once.
#[handler]
pub async fn put_password(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let number = contract_number("number", &number)?;
    let password = Obj::new(&value, "")?.str("password")?;
    billing_rules::password(&password)?;
    let count = billing::put_password(st, actor(&client), number.clone(), password).await??;
    Ok(Json(json!({"contract": number, "sessions_ended": count})).into_response())
}
