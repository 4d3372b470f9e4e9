//! The billing API's change feed (`changed_after`): every change comes out, in order, once per
//! change.
use crate::{
    billing_api::{call, token},
    common::*,
    staff::staff_login,
};
use poem::http::StatusCode;
use serde_json::Value;

async fn poll(app: &TestApp, t: &str, what: &str, cursor: &str) -> (Vec<Value>, String) {
    let (s, v) = call(
        app,
        "GET",
        &format!("/api/v1/{what}?changed_after={cursor}&limit=500"),
        Some(t),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        v["items"].as_array().unwrap().clone(),
        v["next_changed_after"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_payment_comes_out_again_when_it_succeeds() {
    // A real-gateway payment: sandbox (test) payments are left out of the export (issue 12).
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let now = app.state.clock.now();
    app.db()
        .execute(
            "INSERT INTO payments(contract_id, amount_kop, status, provider, provider_payment_id, idempotency_key, created_at, updated_at)
             VALUES (1, 120000, 'pending', 'yookassa', 'sb-7', 'k-7', ?1, ?1)",
            [now - 100],
        )
        .unwrap();
    let (items, cursor) = poll(&app, &t, "payments", "0").await;
    let p = items
        .iter()
        .find(|p| p["provider_payment_id"] == "sb-7")
        .unwrap();
    assert_eq!(p["status"], "pending");
    // Nothing new: an empty page keeps the cursor.
    let (items, same) = poll(&app, &t, "payments", &cursor).await;
    assert!(items.is_empty());
    assert_eq!(same, cursor);
    // The payment succeeds: it comes out again, with its new status, and only it.
    app.db()
        .execute(
            "UPDATE payments SET status = 'succeeded', updated_at = ?1 WHERE provider_payment_id = 'sb-7'",
            [now],
        )
        .unwrap();
    let (items, _) = poll(&app, &t, "payments", &cursor).await;
    assert!(
        items.is_empty(),
        "a change from this very second waits a moment"
    );
    app.state.clock.advance(3);
    let (items, next) = poll(&app, &t, "payments", &cursor).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], "succeeded");
    assert_ne!(next, cursor);
}

#[tokio::test]
async fn a_request_done_by_staff_shows_in_the_feed() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let (all, cursor) = poll(&app, &t, "requests", "0").await;
    assert_eq!(all.len() as i64, app.count("SELECT count(*) FROM requests"));
    let id = app.count(
        "SELECT id FROM requests WHERE kind = 'call_details' AND status = 'new' AND contract_id = 1",
    );
    staff_login(&app, "operator").await;
    let r = app
        .post(
            &format!("/staff/requests/{id}"),
            &[("status", "in_progress"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.state.clock.advance(3);
    let (items, _) = poll(&app, &t, "requests", &cursor).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["status"], "in_progress");
}

#[tokio::test]
async fn a_bad_change_cursor_gets_a_clear_json_error() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    for bad in [
        "changed_after=yesterday",
        "changed_after=-1.0",
        "changed_after=1.2.3",
        "changed_after=0&after_id=5",
    ] {
        let (s, v) = call(
            &app,
            "GET",
            &format!("/api/v1/applications?{bad}"),
            Some(&t),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert_eq!(v["field"], "changed_after", "{bad}: {v}");
    }
}
