//! Health, readiness, CSP reports.
use poem::{handler, http::StatusCode, web::Data, Body, IntoResponse, Response};
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

/// Browsers report Content-Security-Policy violations here.
#[handler]
pub async fn csp_report(Data(st): Data<&SharedState>, body: Body) -> StatusCode {
    let bytes = body.into_bytes_limit(8 * 1024).await.unwrap_or_default();
    st.csp_violations.fetch_add(1, Ordering::Relaxed);
    let text: String = String::from_utf8_lossy(&bytes).chars().take(600).collect();
    tracing::warn!(report = %text, "CSP violation reported");
    StatusCode::NO_CONTENT
}
