//! Middleware: request ids, security headers, error rendering. CSRF lives in `web::csrf`.
use crate::routes::ids;
use poem::{
    http::{header, HeaderValue, Method, StatusCode},
    Endpoint, IntoResponse, Middleware, Request, Response,
};
use rand::RngCore;
use std::time::Instant;
use tracing::Instrument;

use crate::{error::AppError, routes, state::SharedState, views};

/// Strict CSP: scripts and styles only from our own origin, nothing inline, no framing.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'; report-uri /csp-report";

#[derive(Clone)]
pub struct RequestId(pub String);

fn new_request_id() -> String {
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Outermost layer: request id, logging, errors → pages/toasts/redirects, security headers.
pub struct Outer<E>(pub E);

impl<E: Endpoint> Endpoint for Outer<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let rid = new_request_id();
        req.extensions_mut().insert(RequestId(rid.clone()));
        let is_hx = req.header("hx-request").is_some();
        let st = req.data::<SharedState>().cloned();
        let web = req.data::<super::SharedWeb>().cloned();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let started = Instant::now();
        // HSTS only on responses that came over TLS (the browser ignores it over plain HTTP).
        let hsts = st
            .as_ref()
            .is_some_and(|st| st.cfg.security.hsts && crate::auth::session::is_tls(&req, &st.cfg));
        let in_flight = web.as_ref().map(|w| w.http.begin());
        let span = tracing::info_span!("http", rid = %rid);
        let result = self.0.call(req).instrument(span).await;
        let mut resp = match result {
            Ok(r) => r.into_response(),
            Err(e) => error_response(e, is_hx, &rid, st.as_ref(), &method, &path),
        };
        let status = resp.status();
        if let Some(w) = &web {
            w.http.end(status, started.elapsed());
        }
        drop(in_flight);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(rid = %rid, %method, %path, status = status.as_u16(), ms, "request failed");
        } else if status.is_client_error() && status != StatusCode::UNPROCESSABLE_ENTITY {
            tracing::info!(rid = %rid, %method, %path, status = status.as_u16(), ms, "request refused");
        } else {
            tracing::debug!(rid = %rid, %method, %path, status = status.as_u16(), ms, "request");
        }
        let h = resp.headers_mut();
        // A 503 is a moment's overload (a full write queue, a busy database) or a storage
        // problem: clients and proxies are told when to try again.
        if status == StatusCode::SERVICE_UNAVAILABLE && !h.contains_key(header::RETRY_AFTER) {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        h.insert(
            "x-request-id",
            HeaderValue::from_str(&rid).unwrap_or(HeaderValue::from_static("-")),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        h.insert(
            "permissions-policy",
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(self)"),
        );
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
        if hsts {
            h.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            );
        }
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        Ok(resp)
    }
}

fn error_response(
    e: poem::Error,
    is_hx: bool,
    rid: &str,
    st: Option<&SharedState>,
    method: &Method,
    path: &str,
) -> Response {
    let (status, message) = match e.downcast_ref::<AppError>() {
        Some(a @ (AppError::Unauthorized | AppError::StaffUnauthorized)) => {
            let to = if matches!(a, AppError::StaffUnauthorized) {
                routes::STAFF_LOGIN
            } else {
                routes::LOGIN
            };
            return if is_hx {
                Response::builder()
                    .status(StatusCode::OK)
                    .header("hx-redirect", to)
                    .finish()
            } else {
                Response::builder()
                    .status(StatusCode::SEE_OTHER)
                    .header(header::LOCATION, to)
                    .finish()
            };
        }
        Some(a @ (AppError::NoContract | AppError::SecondFactor)) => {
            let to = if matches!(a, AppError::SecondFactor) {
                routes::LOGIN_SECOND_FACTOR
            } else {
                routes::CONTRACTS
            };
            return if is_hx {
                Response::builder()
                    .status(StatusCode::OK)
                    .header("hx-redirect", to)
                    .finish()
            } else {
                Response::builder()
                    .status(StatusCode::SEE_OTHER)
                    .header(header::LOCATION, to)
                    .finish()
            };
        }
        Some(app) => {
            if matches!(
                app,
                AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_)
            ) {
                tracing::error!(rid, %method, path, error = %app, "internal error");
            }
            (e.status(), app.public_message())
        }
        None => {
            let status = e.status();
            let msg = match status {
                StatusCode::NOT_FOUND => "Страница не найдена".to_owned(),
                StatusCode::METHOD_NOT_ALLOWED => "Так сделать нельзя".to_owned(),
                StatusCode::PAYLOAD_TOO_LARGE => "Слишком большой запрос".to_owned(),
                s if s.is_server_error() => {
                    tracing::error!(rid, %method, path, error = %e, "internal error");
                    "Что-то пошло не так. Мы уже разбираемся, попробуйте позже.".to_owned()
                }
                _ => {
                    "Не удалось обработать запрос. Проверьте данные и попробуйте снова.".to_owned()
                }
            };
            (status, msg)
        }
    };
    if is_hx {
        // Shown as a toast; the page stays as it was.
        let body = views::components::toast("error", &format!("{message} (код {rid})"));
        return Response::builder()
            .status(status)
            .header("hx-retarget", ids::TOASTS_SEL)
            .header("hx-reswap", "beforeend")
            .content_type("text/html; charset=utf-8")
            .body(body.into_string());
    }
    let html = match st {
        Some(st) => {
            let staff = path.starts_with(routes::STAFF_PREFIX);
            views::error::page(&crate::web::ctx(st), status.as_u16(), &message, rid, staff)
                .into_string()
        }
        None => format!("{} — {message} ({rid})", status.as_u16()),
    };
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// Allows `Middleware` use of `Outer` with `.with(OuterLayer)`.
pub struct OuterLayer;

impl<E: Endpoint> Middleware<E> for OuterLayer {
    type Output = Outer<E>;
    fn transform(&self, ep: E) -> Outer<E> {
        Outer(ep)
    }
}
