//! The billing integration API under `/api/v1/`: token-authenticated JSON, no cookies, no CSRF
//! (mounted outside the page layers). Every error is JSON `{"error": .., "field": ..}`.
pub mod client;
pub mod documents;
pub mod export;
pub mod openapi;
pub mod schema;
pub mod writes;

use poem::{
    http::{header, HeaderValue, StatusCode},
    web::Json,
    Body, Endpoint, EndpointExt, IntoResponse, Response, Route,
};
use serde_json::Value;

use crate::{db::billing::Refused, domain::billing::Invalid, error::AppError};

pub use client::ApiClient;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// An API refusal: status, a clear message and the offending field (when there is one).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
    /// Seconds, for 429 (the `Retry-After` header).
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn response(&self) -> Response {
        let mut r = Json(schema::ErrorBody {
            error: self.message.clone(),
            field: self.field.clone(),
        })
        .with_status(self.status)
        .into_response();
        let h = r.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert("www-authenticate", HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }

    pub fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs);
        self
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }
    fn as_response(&self) -> Response {
        self.response()
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.message).field(e.field)
    }
}

impl From<Refused> for ApiError {
    fn from(e: Refused) -> ApiError {
        match e {
            Refused::NotFound { field, message } => {
                ApiError::new(StatusCode::NOT_FOUND, message).field(field)
            }
            Refused::Conflict { field, message } => {
                ApiError::new(StatusCode::CONFLICT, message).field(field)
            }
            Refused::Db(e) => AppError::Db(e).into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let status = poem::error::ResponseError::status(&e);
        if status.is_server_error() {
            tracing::error!(error = %e, "api: internal error");
        }
        ApiError::new(status, e.public_message())
    }
}

impl From<crate::db::SqlError> for ApiError {
    fn from(e: crate::db::SqlError) -> ApiError {
        AppError::Db(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Reads a JSON request body of at most [`BODY_LIMIT`] bytes.
pub async fn read_json(body: Body) -> ApiResult<Value> {
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Тело запроса больше {} КиБ", BODY_LIMIT / 1024),
        )
    };
    let bytes = body
        .into_bytes_limit(BODY_LIMIT)
        .await
        .map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => too_big(),
            _ => ApiError::new(StatusCode::BAD_REQUEST, "Не удалось прочитать тело запроса"),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Тело запроса — некорректный JSON: {e}"),
        )
    })
}

/// Any error that got past a handler (unknown route, wrong method, a rejected extractor)
/// as the API's JSON error.
async fn to_json(e: poem::Error) -> Response {
    if let Some(api) = e.downcast_ref::<ApiError>() {
        return api.response();
    }
    if let Some(app) = e.downcast_ref::<AppError>() {
        let status = poem::error::ResponseError::status(app);
        if status.is_server_error() {
            tracing::error!(error = %app, "api: internal error");
        }
        return ApiError::new(status, app.public_message()).response();
    }
    let status = e.status();
    let msg = match status {
        StatusCode::NOT_FOUND => "Нет такого метода API",
        StatusCode::METHOD_NOT_ALLOWED => "Метод HTTP не поддерживается для этого адреса",
        StatusCode::PAYLOAD_TOO_LARGE => "Тело запроса слишком большое",
        s if s.is_server_error() => {
            tracing::error!(error = %e, "api: internal error");
            "Внутренняя ошибка, повторите запрос позже"
        }
        _ => "Некорректный запрос",
    };
    ApiError::new(status, msg).response()
}

/// A route that answers a method it does not take with 405 and the `Allow` header (RFC 9110).
fn allow(methods: &'static str, ep: impl Endpoint + 'static) -> impl Endpoint<Output = Response> {
    ep.around(move |ep, req| async move {
        match ep.call(req).await {
            Ok(r) => Ok(r.into_response()),
            Err(e) if e.status() == StatusCode::METHOD_NOT_ALLOWED => {
                let mut r = ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("Метод HTTP не поддерживается для этого адреса; можно: {methods}"),
                )
                .response();
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(methods));
                Ok(r)
            }
            Err(e) => Err(e),
        }
    })
}

pub fn routes() -> impl Endpoint<Output = Response> {
    use crate::routes;
    use poem::{get, post, put};
    const GET: &str = "GET, HEAD";
    Route::new()
        .at(routes::API_OPENAPI, allow(GET, get(openapi::serve)))
        .at(
            routes::API_CONTRACT,
            allow("PUT", put(writes::put_contract)),
        )
        .at(
            routes::API_SERVICES,
            allow("PUT", put(writes::put_services)),
        )
        .at(
            routes::API_PASSWORD,
            allow("PUT", put(writes::put_password)),
        )
        .at(routes::API_LEDGER, allow("POST", post(writes::post_ledger)))
        .at(routes::API_REQUESTS, allow(GET, get(export::requests)))
        .at(
            routes::API_APPLICATIONS,
            allow(GET, get(export::applications)),
        )
        .at(routes::API_PAYMENTS, allow(GET, get(export::payments)))
        .at(
            routes::API_DOCUMENTS,
            allow(
                "GET, HEAD, POST",
                get(documents::list).post(documents::upload),
            ),
        )
        .at(routes::API_DOCUMENT_PDF, allow(GET, get(documents::pdf)))
        .at(
            routes::API_REQUISITES,
            allow("PUT", put(documents::put_requisites)),
        )
        .catch_all_error(to_json)
}
