//! The billing API sets a contract's password (support reset): old sessions and other holders
//! lose access at once.
use crate::{
    billing_api::{call, token},
    common::*,
};
use poem::http::StatusCode;

fn stored_hash(app: &TestApp) -> String {
    app.db()
        .query_row(
            "SELECT password_hash FROM contracts WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_password_set_by_billing_ends_every_session_and_every_other_holder() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    app.login_demo().await;
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    let holders_before = app.count(
        "SELECT count(*) FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
         WHERE ac.contract_id = 1 AND a.kind = 'phone'",
    );
    assert!(holders_before >= 1, "demo phones hold the contract");

    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/72845736UL/password",
        Some(&t),
        Some(r#"{"password": "novyi-parol-2026"}"#.into()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["sessions_ended"].as_i64().unwrap() >= 2,
        "this one and the demo's other device"
    );
    // The session open in the browser is refused at once.
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
             WHERE ac.contract_id = 1 AND a.kind = 'phone'"
        ),
        0,
        "phone accounts must add the contract again with the new password"
    );
    app.get("/login").await;
    let old = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert!(
        old.header("hx-redirect").is_none(),
        "the old password no longer works"
    );
    app.login(DEMO_CONTRACT, "novyi-parol-2026").await;
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'api.contract.password' AND target = '72845736UL'"),
        1
    );
}

#[tokio::test]
async fn a_bad_password_request_changes_nothing() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let before = stored_hash(&app);
    for (path, body, status, field) in [
        (
            "/api/v1/contracts/72845736UL/password",
            r#"{"password": "short"}"#,
            422,
            "password",
        ),
        (
            "/api/v1/contracts/72845736UL/password",
            r#"{"password": 12345678}"#,
            422,
            "password",
        ),
        (
            "/api/v1/contracts/00000000XX/password",
            r#"{"password": "long-enough-1"}"#,
            404,
            "number",
        ),
    ] {
        let (s, v) = call(&app, "PUT", path, Some(&t), Some(body.into())).await;
        assert_eq!(s.as_u16(), status, "{body}: {v}");
        assert_eq!(v["field"], field, "{v}");
    }
    let (s, _) = call(
        &app,
        "PUT",
        "/api/v1/contracts/72845736UL/password",
        None,
        Some(r#"{"password": "long-enough-1"}"#.into()),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(stored_hash(&app), before);
    app.login_demo().await;
}
