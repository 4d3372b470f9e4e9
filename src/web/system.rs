//! Health, readiness, CSP reports.
use poem::{handler, http::StatusCode, web::Data, Body, IntoResponse, Request, Response};
use std::sync::atomic::Ordering;

use crate::state::SharedState;

/// Liveness: the process answers.
#[handler]
pub fn health() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[handler]
pub async fn ready(Data(st): Data<&SharedState>) -> Response {
    match st
        .db
        .run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await
    {
        Ok(_) => "ready".into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
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
