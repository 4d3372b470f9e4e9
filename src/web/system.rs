//! Health, readiness, CSP reports.
use poem::{handler, http::StatusCode, web::Data, Body, IntoResponse, Request, Response};
use std::sync::atomic::Ordering;

use crate::state::SharedState;

/// Liveness: the process answers.
#[handler]
pub fn health() -> &'static str {
    "ok"
}

/// Readiness: the database answers and is writable, and no write failed lately for lack of
/// space, a read-only file or corruption (see `db::health`).
#[handler]
pub async fn ready(Data(st): Data<&SharedState>) -> Response {
    match st.db.readiness().await {
        Ok(()) => "ready".into_response(),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}")).into_response(),
    }
}

/// Browsers report Content-Security-Policy violations here. Anyone can post, so: the body is
/// capped (`web::limits`), reports are counted but logged only within a throttle, and the text
/// is escaped (no forged log lines, no terminal escapes).
#[handler]
pub async fn csp_report(req: &Request, Data(st): Data<&SharedState>, body: Body) -> StatusCode {
    st.csp_violations.fetch_add(1, Ordering::Relaxed);
    let ip = crate::auth::session::client_ip(req, &st.cfg);
    if !st.throttles.csp(ip) {
        return StatusCode::NO_CONTENT;
    }
    let limit = crate::web::limits::CSP_REPORT_LIMIT as usize;
    let bytes = body.into_bytes_limit(limit).await.unwrap_or_default();
    let text = crate::net::logsafe::esc(&String::from_utf8_lossy(&bytes), 600);
    tracing::warn!(report = %text, "CSP violation reported");
    StatusCode::NO_CONTENT
}
