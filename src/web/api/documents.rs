//! Documents in the billing API:
//! - `POST /api/v1/documents` — upload an issued document (JSON with the PDF in base64),
//!   idempotent by `external_id`: 201 created, 200 the same upload again, 409 other content.
//! - `GET /api/v1/documents?changed_after=…` — every document by change, like the other exports.
//! - `GET /api/v1/documents/{id}/pdf` — the file.
//! - `PUT /api/v1/contracts/{number}/requisites` — the company's KPP, OGRN, legal address and
//!   the e-mail for monthly delivery.
use base64::Engine;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Json, Path},
    Body, IntoResponse, Request, Response,
};
use serde_json::Value;

use super::schema::{
    AuthErrors, DocumentBody, DocumentItem, DocumentOut, ErrorBody, Page, PageQuery, Requisites,
    RequisitesBody, RequisitesOut,
};
use super::{export, ApiClient, ApiError, ApiResult};
use crate::{
    app::documents::Actor,
    app::documents_api::{receive, Outcome},
    db,
    domain::{billing_json::Obj, documents as d},
    state::SharedState,
};

fn unprocessable(field: &str, msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, msg).field(field)
}

fn doc_out(doc: db::documents::Doc, result: &'static str) -> DocumentOut {
    DocumentOut {
        id: doc.id,
        external_id: doc.external_id,
        contract: doc.contract_number,
        kind: doc.kind.code().to_owned(),
        number: doc.number,
        date: doc.issued_on,
        amount_kop: doc.amount_kop,
        vat_kop: doc.vat_kop,
        sha256: doc.pdf_sha256,
        size: doc.pdf_size,
        result,
    }
}

/// Uploads an issued document, idempotent by `external_id`: 201 created, 200 the same upload
/// again, 409 other content under that id. Nothing is stored on any error.
#[utoipa::path(post, path = "/documents", tag = "documents",
    request_body = DocumentBody,
    responses(
        (status = 200, description = "The same upload again: nothing changed", body = DocumentOut),
        (status = 201, description = "Stored", body = DocumentOut),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "Receiving documents is switched off (documents.mode)", body = ErrorBody),
        (status = 404, description = "No such contract", body = ErrorBody),
        (status = 409, description = "Other content under this external_id or number, or a number in one of kabinet's own series (А-, У-, АС-, С-, Д-YYYY-NNNNN) while it generates documents", body = ErrorBody),
        (status = 413, description = "The file is over documents.max_upload_mb", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong: `field` names it; a file that does not parse as a PDF with pages, or carries JavaScript or automatic actions (/JS, /JavaScript, /OpenAction, /AA, /Launch)", body = ErrorBody),
        (status = 503, description = "The server cannot store it now (full disk, or free disk below documents.min_free_disk_mb): retry later", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn upload(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    body: Body,
) -> ApiResult<Response> {
    let dc = &st.cfg.documents;
    if !dc.mode.receives() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Приём документов выключен (documents.mode = \"generate\")",
        ));
    }
    let max = dc.max_upload_bytes();
    // base64 grows the file by a third; the rest of the JSON is small
    let limit = dc.max_upload_body_bytes();
    let bytes = body.into_bytes_limit(limit).await.map_err(|e| match e {
        poem::error::ReadBodyError::PayloadTooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Файл больше {} МБ", dc.max_upload_mb),
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "Не удалось прочитать тело запроса"),
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Тело запроса — некорректный JSON: {e}"),
        )
    })?;
    let o = Obj::new(&value, "")?;
    let b64 = o.str("pdf_base64")?;
    let file = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| unprocessable("pdf_base64", "pdf_base64: не base64"))?;
    if file.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Файл больше {} МБ", dc.max_upload_mb),
        )
        .field("pdf_base64"));
    }
    if !d::is_pdf(&file) {
        return Err(unprocessable(
            "pdf_base64",
            "pdf_base64: это не PDF (файл должен начинаться с %PDF-)",
        ));
    }
    // Parsed, not only sniffed (a 10 MB file: off the async workers).
    let (file, checked) = tokio::task::spawn_blocking(move || {
        let r = crate::services::pdf::inspect::check_received(&file);
        (file, r)
    })
    .await
    .map_err(|e| ApiError::from(crate::error::AppError::Internal(e.to_string())))?;
    if let Err(refusal) = checked {
        return Err(unprocessable("pdf_base64", refusal.message()));
    }
    let period_from = o.str_opt("period_from")?;
    let period_to = o.str_opt("period_to")?;
    let period = match (&period_from, &period_to) {
        (Some(f), Some(t)) => Some((f.as_str(), t.as_str())),
        (None, None) => None,
        _ => {
            return Err(unprocessable(
                "period_to",
                "period_from и period_to указываются вместе",
            ))
        }
    };
    let r = d::check_received(
        &o.str("external_id")?,
        &o.str("contract")?,
        &o.str("kind")?,
        &o.str("number")?,
        &o.str("date")?,
        period,
        o.int("amount_kop")?,
        o.int_opt("vat_kop")?.unwrap_or(0),
        &o.str_opt("title")?.unwrap_or_default(),
    )
    .map_err(|(f, m)| unprocessable(f, m))?;
    if dc.mode.generates() && d::in_generated_series(&r.number) {
        // A received number inside a generated series would take a number the generator needs.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "Номер {} — в формате нумерации кабинета (например, С-{}-00001): документы из учётной системы должны иметь свою серию",
                r.number.trim(),
                r.date.year()
            ),
        )
        .field("number"));
    }
    let now = st.clock.now();
    let actor = Actor::Api {
        token_id: client.token_id,
        ip: client.ip.clone(),
    };
    let min_disk = dc.min_free_disk_mb;
    let outcome = st
        .db
        .run(move |c| receive(c, &actor, &r, &file, now, min_disk))
        .await?;
    Ok(match outcome {
        Outcome::Created(doc) => {
            tracing::info!(number = %doc.number, contract = %doc.contract_number, "document received");
            Json(doc_out(doc, "created"))
                .with_status(StatusCode::CREATED)
                .into_response()
        }
        Outcome::Duplicate(doc) => Json(doc_out(doc, "duplicate")).into_response(),
        Outcome::UnknownContract(n) => {
            return Err(
                ApiError::new(StatusCode::NOT_FOUND, format!("Договор {n} не найден"))
                    .field("contract"),
            )
        }
        Outcome::Conflict(f, m) => return Err(ApiError::new(StatusCode::CONFLICT, m).field(f)),
    })
}

/// Every issued document (generated or received), new ones or by change.
#[utoipa::path(get, path = "/documents", tag = "documents", params(PageQuery),
    responses(
        (status = 200, description = "A page of documents", body = Page<DocumentItem>),
        (status = 422, description = "A bad cursor or limit", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn list(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    req: &Request,
) -> ApiResult<Json<Page<DocumentItem>>> {
    export::page(st, req, db::documents::export).await
}

/// The document's PDF file.
#[utoipa::path(get, path = "/documents/{id}/pdf", tag = "documents",
    params(("id" = i64, Path, minimum = 1, description = "The document's id (`id` in the feed)")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "No such document", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn pdf(
    _client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "Документ не найден"))?;
    let found = st
        .db
        .run(move |c| {
            Ok(match db::documents::get_any(c, id)? {
                Some(doc) => Some((db::documents::pdf(c, id)?, doc)),
                None => None,
            })
        })
        .await?;
    let (bytes, doc) =
        found.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Документ не найден"))?;
    Ok(crate::web::documents::pdf_response(
        doc.kind,
        &doc.number,
        bytes,
    ))
}

/// The company's KPP, OGRN, legal address and the e-mail for monthly delivery of documents;
/// a field left out stays as it is (`documents_email: null` clears it).
#[utoipa::path(put, path = "/contracts/{number}/requisites", tag = "documents",
    params(("number" = String, Path, pattern = "^[A-Za-z0-9-]{4,20}$", description = "Contract number")),
    request_body = RequisitesBody,
    responses(
        (status = 200, description = "Stored", body = RequisitesOut),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No such contract", body = ErrorBody),
        (status = 413, description = "The body is over 1 MiB", body = ErrorBody),
        (status = 422, description = "A field is wrong: `field` names it", body = ErrorBody),
        (status = 503, description = "The server cannot store it now (full disk): retry later", body = ErrorBody),
        AuthErrors,
    ))]
#[handler]
pub async fn put_requisites(
    client: ApiClient,
    Data(st): Data<&SharedState>,
    Path(number): Path<String>,
    body: Body,
) -> ApiResult<Json<RequisitesOut>> {
    let value = super::read_json(body).await?;
    let o = Obj::new(&value, "")?;
    let kpp = o.str_opt("kpp")?;
    let ogrn = o.str_opt("ogrn")?;
    let address = o.str_opt("legal_address")?;
    d::check_requisites(None, kpp.as_deref(), ogrn.as_deref())
        .map_err(|(f, m)| unprocessable(f, m))?;
    if address.as_deref().is_some_and(|a| a.chars().count() > 300) {
        return Err(unprocessable(
            "legal_address",
            "legal_address: до 300 символов",
        ));
    }
    let email = match value.get("documents_email") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s.trim().is_empty() => Some(None),
        Some(Value::String(s)) => Some(Some(
            crate::domain::validate::normalize_email(s).ok_or_else(|| {
                unprocessable(
                    "documents_email",
                    "documents_email: адрес электронной почты",
                )
            })?,
        )),
        Some(_) => return Err(unprocessable("documents_email", "Ожидается строка")),
    };
    let now = st.clock.now();
    let out = st
        .db
        .run(move |c| {
            let tx = db::begin_write(c)?;
            let Some(cid) = db::billing::contract_id(&tx, &number)? else {
                return Ok(None);
            };
            let has_org = db::documents::set_requisites(
                &tx,
                cid,
                kpp.as_deref(),
                ogrn.as_deref(),
                address.as_deref(),
            )?;
            if let Some(e) = &email {
                db::documents::set_documents_email(&tx, cid, e.as_deref())?;
            }
            client.audit(
                &tx,
                "api.requisites",
                &format!("contract:{number}"),
                "",
                now,
            )?;
            let k = db::documents::company(&tx, cid)?;
            tx.commit()?;
            Ok(Some((has_org, k)))
        })
        .await?;
    let Some((has_org, Some(k))) = out else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Договор не найден").field("number"));
    };
    Ok(Json(RequisitesOut {
        contract: k.contract_number,
        organization: has_org.then_some(Requisites {
            name: k.name,
            inn: k.inn,
            kpp: k.kpp,
            ogrn: k.ogrn,
            legal_address: k.legal_address,
        }),
        documents_email: k.documents_email,
    }))
}
