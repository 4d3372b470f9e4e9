//! API in: contracts, service lists and ledger entries from the billing system. Each request
//! is one IMMEDIATE transaction with its audit entry: all of it is stored, or nothing.
use super::schema::{
    AuthErrors, ContractBody, ContractOut, ErrorBody, InvitedUserOut, JsonWriteErrors, LedgerBody,
    LedgerOut, PasswordBody, PasswordOut, ServicesBody, ServicesOut,
};
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
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json, Path},
    Body, IntoResponse, Response,
};

fn actor(client: &ApiClient) -> Actor {
    Actor {
        token_id: client.token_id,
        ip: client.ip.clone(),
    }
}

/// Creates (201) or updates (200) a contract. Its password is used only on creation.
#[utoipa::path(put, path = "/contracts/{number}", tag = "contracts",
    params(("number" = String, Path, pattern = "^[A-Za-z0-9-]{4,20}$",
        description = "Contract number: 4–20 Latin letters, digits or «-»")),
    request_body = ContractBody,
    responses(
        (status = 200, description = "Updated", body = ContractOut),
        (status = 201, description = "Created", body = ContractOut),
        JsonWriteErrors, AuthErrors,
    ))]
#[handler]
pub async fn put_contract(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let value = read_json(body).await?;
    let input = contract_from_json(&number, &value)?;
    let (out, created): (ContractOut, bool) =
        billing::put_contract(st, actor(&client), input).await??;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Json(out).with_status(status).into_response())
}

/// Replaces the contract's whole service list.
#[utoipa::path(put, path = "/contracts/{number}/services", tag = "contracts",
    params(("number" = String, Path, pattern = "^[A-Za-z0-9-]{4,20}$", description = "Contract number")),
    request_body = ServicesBody,
    responses(
        (status = 200, description = "Stored", body = ServicesOut),
        (status = 404, description = "No such contract", body = ErrorBody),
        JsonWriteErrors, AuthErrors,
    ))]
#[handler]
pub async fn put_services(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Json<ServicesOut>> {
    let value = read_json(body).await?;
    let number = contract_number("number", &number)?;
    let services = services_from_json(&value)?;
    let count = services.len();
    billing::put_services(st, actor(&client), number.clone(), services).await??;
    Ok(Json(ServicesOut {
        contract: number,
        services: count,
    }))
}

/// A batch of ledger entries, idempotent per `external_id`, all or nothing.
#[utoipa::path(post, path = "/ledger", tag = "ledger",
    request_body = LedgerBody,
    responses(
        (status = 200, description = "Stored (each entry says created or duplicate)", body = LedgerOut),
        (status = 404, description = "An entry names a contract that does not exist", body = ErrorBody),
        (status = 409, description = "An external_id is already used for a different entry", body = ErrorBody),
        JsonWriteErrors, AuthErrors,
    ))]
#[handler]
pub async fn post_ledger(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    body: Body,
) -> ApiResult<Json<LedgerOut>> {
    let value = read_json(body).await?;
    let entries = ledger_from_json(&value, st.clock.now())?;
    let results = billing::post_ledger(st, actor(&client), entries).await??;
    let created = results.iter().filter(|r| r.result == "created").count();
    Ok(Json(LedgerOut {
        created,
        duplicates: results.len() - created,
        entries: results,
    }))
}

/// The operator sets a contract's
/// password (a subscriber who lost it called support). As when a subscriber changes it, every
/// account loses access and every session on the contract's own login ends at once.
#[utoipa::path(put, path = "/contracts/{number}/password", tag = "contracts",
    params(("number" = String, Path, pattern = "^[A-Za-z0-9-]{4,20}$", description = "Contract number")),
    request_body = PasswordBody,
    responses(
        (status = 200, description = "Set", body = PasswordOut),
        (status = 404, description = "No such contract", body = ErrorBody),
        JsonWriteErrors, AuthErrors,
    ))]
#[handler]
pub async fn put_password(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Json<PasswordOut>> {
    let value = read_json(body).await?;
    let number = contract_number("number", &number)?;
    let body = Obj::new(&value, "")?;
    let password = body.str("password")?;
    let remove_invited = body.bool_opt("remove_invited")?.unwrap_or(false);
    billing_rules::password(&password)?;
    let out = billing::put_password(st, actor(&client), number.clone(), password, remove_invited)
        .await??;
    Ok(Json(PasswordOut {
        contract: number,
        sessions_ended: out.sessions_ended,
        invited_users: out
            .invited
            .iter()
            .map(|u| InvitedUserOut {
                phone: u
                    .phone
                    .as_deref()
                    .map(crate::domain::outbox::mask_phone)
                    .unwrap_or_default(),
                role: u.role.code().to_owned(),
                added_at: u.added_at,
            })
            .collect(),
        invited_removed: out.removed,
    }))
}
