//! Every request body is bounded before anything reads it, and must arrive in time.
//!
//! One layer (inside `mw::Outer`) for all routes: a `Content-Length` above the route's limit is
//! refused with 413 before a byte of the body is read; any other body (chunked, HTTP/2) is
//! wrapped in a reader that stops at the limit or at the deadline. Whatever the handler made of
//! that read error, the answer is then 413 (or 408): a page or toast for the pages, JSON
//! `{"error", "field"}` under `/api/v1`.
//!
//! Limits: `server.max_form_kb` for pages and forms, `uploads.max_mb` (+1 MiB for the form
//! around the file) for `multipart/form-data`, `server.max_api_kb` for the billing API except
//! its document upload (`documents.max_upload_mb` in base64), 8 KiB for CSP reports, 64 KiB for
//! payment notifications.
use futures_util::Stream;
use poem::{
    http::{header, Method, StatusCode, Version},
    web::Json,
    Body, Endpoint, IntoResponse, Middleware, Request, Response,
};
use std::{
    future::Future,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::Duration,
};

use crate::{error::AppError, routes, state::SharedState};

pub const CSP_REPORT_LIMIT: u64 = 8 * 1024;
pub const NOTIFY_LIMIT: u64 = 64 * 1024;

const OK: u8 = 0;
const TOO_LARGE: u8 = 1;
const TIMED_OUT: u8 = 2;

/// What kind of body a request may carry, and how large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u64,
    pub api: bool,
    pub upload: bool,
}

pub fn allowance(req: &Request, st: &SharedState) -> Allowance {
    let path = req.uri().path();
    let api = path
        .strip_prefix(routes::API_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let multipart = req.header(header::CONTENT_TYPE).is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    });
    let kb = |n: usize| n as u64 * 1024;
    let (limit, upload) = if api {
        let upload = req.method() == Method::POST
            && path.strip_prefix(routes::API_PREFIX) == Some(routes::API_DOCUMENTS);
        if upload {
            // A document upload: `documents.max_upload_mb` in base64 (the handler reads it
            // with the same bound); every other API route keeps `server.max_api_kb`.
            (st.cfg.documents.max_upload_body_bytes() as u64, false)
        } else {
            (kb(st.cfg.server.max_api_kb), false)
        }
    } else if path == routes::CSP_REPORT {
        (CSP_REPORT_LIMIT, false)
    } else if path.starts_with(routes::PAYMENT_NOTIFY) {
        (NOTIFY_LIMIT, false)
    } else if multipart {
        (st.cfg.uploads.max_bytes() + 1024 * 1024, true)
    } else {
        (kb(st.cfg.server.max_form_kb), false)
    };
    Allowance { limit, api, upload }
}

fn human(limit: u64) -> String {
    if limit >= 1024 * 1024 {
        format!("{} МБ", limit / (1024 * 1024))
    } else {
        format!("{} КиБ", limit.div_ceil(1024))
    }
}

/// The refusal: JSON for the API, otherwise an `AppError` that `mw::Outer` renders as a page or
/// a toast with the request id.
fn refuse(a: Allowance, timed_out: bool) -> poem::Result<Response> {
    let (status, msg) = if timed_out {
        (
            StatusCode::REQUEST_TIMEOUT,
            "Запрос передавался слишком долго. Проверьте связь и попробуйте ещё раз".to_owned(),
        )
    } else if a.upload {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Слишком большой запрос: файл с формой — не больше {}",
                human(a.limit)
            ),
        )
    } else {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Слишком большой запрос: не больше {}", human(a.limit)),
        )
    };
    if a.api {
        let msg = if timed_out {
            msg
        } else {
            format!("Тело запроса больше {} КиБ", a.limit / 1024)
        };
        let body = serde_json::json!({"error": msg, "field": null});
        let mut r = Json(body).with_status(status).into_response();
        r.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        return Ok(r);
    }
    Err(AppError::TooLarge {
        status,
        message: msg,
    }
    .into())
}

/// Might this request carry a body at all? (GETs without a length have none; do not pay for
/// a timer on every page view.)
fn may_have_body(req: &Request) -> bool {
    if req.header(header::TRANSFER_ENCODING).is_some() {
        return true;
    }
    match req.header(header::CONTENT_LENGTH) {
        Some(v) => v.trim() != "0",
        None => {
            req.version() >= Version::HTTP_2
                && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        }
    }
}

pub struct BodyLimit<E>(pub E);

impl<E: Endpoint> Endpoint for BodyLimit<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let Some(st) = req.data::<SharedState>().cloned() else {
            return self.0.call(req).await.map(IntoResponse::into_response);
        };
        let a = allowance(&req, &st);
        if let Some(cl) = req.header(header::CONTENT_LENGTH) {
            match cl.trim().parse::<u64>() {
                Ok(n) if n > a.limit => return refuse(a, false),
                Ok(_) => {}
                Err(_) => return Err(AppError::BadRequest("Неверная длина запроса".into()).into()),
            }
        }
        let body = req.take_body();
        if body.is_empty() && !may_have_body(&req) {
            req.set_body(body);
            return self.0.call(req).await.map(IntoResponse::into_response);
        }
        let flag = Arc::new(AtomicU8::new(OK));
        let timeout = Duration::from_secs(st.cfg.server.body_read_timeout_secs);
        req.set_body(limited(body, a.limit, timeout, flag.clone()));
        let result = self.0.call(req).await.map(IntoResponse::into_response);
        match flag.load(Ordering::Acquire) {
            TOO_LARGE => refuse(a, false),
            TIMED_OUT => refuse(a, true),
            _ => result,
        }
    }
}

/// `.with(BodyLimitLayer)`
pub struct BodyLimitLayer;

impl<E: Endpoint> Middleware<E> for BodyLimitLayer {
    type Output = BodyLimit<E>;
    fn transform(&self, ep: E) -> BodyLimit<E> {
        BodyLimit(ep)
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = io::Result<hyper::body::Bytes>> + Send>>;

/// Yields the body until `limit` bytes or the deadline, then an error (and notes which).
struct Limited {
    inner: ByteStream,
    left: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
    flag: Arc<AtomicU8>,
}

pub fn limited(body: Body, limit: u64, timeout: Duration, flag: Arc<AtomicU8>) -> Body {
    Body::from_bytes_stream(Limited {
        inner: Box::pin(body.into_bytes_stream()),
        left: limit,
        deadline: Box::pin(tokio::time::sleep(timeout)),
        flag,
    })
}

impl Stream for Limited {
    type Item = io::Result<hyper::body::Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.flag.load(Ordering::Relaxed) {
            TOO_LARGE => return Poll::Ready(Some(Err(io::Error::other("request body too large")))),
            TIMED_OUT => {
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request body too slow",
                ))))
            }
            _ => {}
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let n = chunk.len() as u64;
                if n > self.left {
                    self.flag.store(TOO_LARGE, Ordering::Release);
                    return Poll::Ready(Some(Err(io::Error::other("request body too large"))));
                }
                self.left -= n;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Pending => {
                if self.deadline.as_mut().poll(cx).is_ready() {
                    self.flag.store(TIMED_OUT, Ordering::Release);
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "request body too slow",
                    ))));
                }
                Poll::Pending
            }
            other => other,
        }
    }
}
