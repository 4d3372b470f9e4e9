//! API in: contracts, service lists and ledger entries from the billing system. Each request
//! is one IMMEDIATE transaction with its audit entry: all of it is stored, or nothing.
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json, Path},
    Body, IntoResponse, Response,
};
use rusqlite::TransactionBehavior::Immediate;
use serde_json::json;

use super::{read_json, ApiClient, ApiError, ApiResult};
use crate::{
    db::billing,
    domain::{
        billing as billing_rules,
        billing::contract_number,
        billing_json::{contract_from_json, ledger_from_json, services_from_json, Obj},
    },
    state::SharedState,
};

/// `PUT /api/v1/contracts/{number}`: creates (201) or updates (200) a contract.
#[handler]
pub async fn put_contract(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let mut input = contract_from_json(&number, &value)?;
    // The password counts only for a new contract: hashed (on the argon2 workers, before the
    // transaction) only when the contract does not exist yet.
    let password = match input.password.take() {
        Some(p) => {
            let number = input.number.clone();
            let exists = st
                .db
                .run(move |c| Ok(billing::contract_id(c, &number)?.is_some()))
                .await?;
            (!exists).then_some(p)
        }
        None => None,
    };
    let hash = match password {
        Some(p) => Some(st.passwords.hash(p).await?),
        None => None,
    };
    let now = st.clock.now();
    let (out, created) = st
        .db
        .run(move |c| {
            let tx = c.transaction_with_behavior(Immediate)?;
            let r = billing::upsert_contract(&tx, &input, hash.as_deref(), now);
            let (id, created) = match r {
                Ok(v) => v,
                Err(e) => return Ok(Err(ApiError::from(e))),
            };
            let action = if created {
                "api.contract.create"
            } else {
                "api.contract.update"
            };
            client.audit(&tx, action, &input.number, "", now)?;
            let out = billing::contract_out(&tx, id)?;
            tx.commit()?;
            Ok(Ok((out, created)))
        })
        .await??;
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
    let now = st.clock.now();
    let count = services.len();
    let number2 = number.clone();
    st.db
        .run(move |c| {
            let tx = c.transaction_with_behavior(Immediate)?;
            let Some(id) = billing::contract_id(&tx, &number)? else {
                return Ok(Err(ApiError::from(billing::Refused::unknown_contract(
                    "number", &number,
                ))));
            };
            billing::replace_services(&tx, id, &services)?;
            let details = format!("{} services", services.len());
            client.audit(&tx, "api.services.replace", &number, &details, now)?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await??;
    Ok(Json(json!({"contract": number2, "services": count})).into_response())
}

/// `POST /api/v1/ledger`: a batch of ledger entries, idempotent per `external_id`.
#[handler]
pub async fn post_ledger(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let now = st.clock.now();
    let entries = ledger_from_json(&value, now)?;
    let results = st
        .db
        .run(move |c| {
            let tx = c.transaction_with_behavior(Immediate)?;
            let mut out = Vec::with_capacity(entries.len());
            for (i, e) in entries.iter().enumerate() {
                match billing::ledger_entry(&tx, e, &format!("entries[{i}]."), now) {
                    Ok(r) => out.push(r),
                    // Dropping the transaction rolls back the entries before this one.
                    Err(e) => return Ok(Err(ApiError::from(e))),
                }
            }
            let created = out.iter().filter(|r| r.result == "created").count();
            if created > 0 {
                let details = format!("{created} created, {} duplicate", out.len() - created);
                // The contracts whose balance moved.
                let mut numbers: Vec<&str> = out
                    .iter()
                    .filter(|r| r.result == "created")
                    .map(|r| r.contract.as_str())
                    .collect();
                numbers.sort_unstable();
                numbers.dedup();
                let mut target = numbers.join(",");
                if target.len() > 300 {
                    target = format!("{} contracts", numbers.len());
                }
                client.audit(&tx, "api.ledger.post", &target, &details, now)?;
            }
            tx.commit()?;
            Ok(Ok(out))
        })
        .await??;
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
    let n2 = number.clone();
    if st
        .db
        .run(move |c| Ok(billing::contract_id(c, &n2)?))
        .await?
        .is_none()
    {
        return Err(billing::Refused::unknown_contract("number", &number).into());
    }
    let hash = st.passwords.hash(password).await?;
    let now = st.clock.now();
    let n2 = number.clone();
    let ended = st
        .db
        .run(move |c| {
            let tx = c.transaction_with_behavior(Immediate)?;
            let Some(id) = billing::contract_id(&tx, &n2)? else {
                return Ok(Err(ApiError::from(billing::Refused::unknown_contract(
                    "number", &n2,
                ))));
            };
            let ended = crate::db::account_links::reset_password(&tx, id, &hash, now)?;
            let details = format!("{} sessions ended", ended.len());
            client.audit(&tx, "api.contract.password", &n2, &details, now)?;
            tx.commit()?;
            Ok(Ok(ended))
        })
        .await??;
    let count = ended.len();
    st.sessions_ended(ended);
    Ok(Json(json!({"contract": number, "sessions_ended": count})).into_response())
}
