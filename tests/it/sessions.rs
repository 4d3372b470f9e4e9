//! Sessions: logout, new tokens, hashed storage, expiry, the cookie's attributes.
use crate::common::*;
use kabinet::config::Config;
use poem::http::StatusCode;

#[tokio::test]
async fn logout_ends_the_session_for_good() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let token = app.cookie("kabinet_session").expect("session cookie");
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    let before = app.count("SELECT count(*) FROM sessions");
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    assert!(app.cookie("kabinet_session").is_none(), "cookie cleared");
    assert_eq!(app.count("SELECT count(*) FROM sessions"), before - 1);
    // The old token no longer works.
    app.set_cookie("kabinet_session", &token);
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
}

#[tokio::test]
async fn each_login_gets_a_new_token_and_sessions_store_only_its_hash() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let first = app.cookie("kabinet_session").unwrap();
    app.login_demo().await;
    let second = app.cookie("kabinet_session").unwrap();
    assert_ne!(first, second);
    let stored: i64 = app
        .db()
        .query_row(
            "SELECT count(*) FROM sessions WHERE token_hash = ?1 OR CAST(token_hash AS TEXT) = ?1",
            [&second],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0, "raw token must not be stored");
    let ua: String = app
        .db()
        .query_row(
            "SELECT user_agent FROM sessions ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let _ = ua; // TestClient sends no UA; the column exists and is filled from the header when present
}

#[tokio::test]
async fn unauthenticated_pages_send_you_to_login() {
    let app = TestApp::new().await;
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    let r = app.get_hx("/").await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    // A forged cookie is just "not logged in".
    app.set_cookie(
        "kabinet_session",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = TestApp::new().await;
    let idle = i64::from(app.state.cfg.sessions.idle_timeout_days) * 86_400;
    app.login_demo().await;
    app.state.clock.advance(idle - 86_400);
    assert_eq!(
        app.get("/").await.status,
        StatusCode::OK,
        "activity within the idle window"
    );
    app.state.clock.advance(idle + 86_400);
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_end_at_the_absolute_maximum_however_active() {
    let app = TestApp::new().await;
    let max = i64::from(app.state.cfg.sessions.absolute_max_days) * 86_400;
    let step = i64::from(app.state.cfg.sessions.idle_timeout_days - 1).max(1) * 86_400;
    app.login_demo().await;
    let mut elapsed = 0;
    while elapsed + step < max {
        app.state.clock.advance(step);
        elapsed += step;
        assert_eq!(app.get("/").await.status, StatusCode::OK);
    }
    app.state.clock.advance(max - elapsed + 86_400); // past the absolute maximum, active all along
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn session_cookie_is_httponly_samesite_and_secure_when_configured() {
    let mut cfg = Config::default();
    cfg.cookies.secure = kabinet::config::SecureCookies::Always;
    let app = TestApp::with_config(cfg).await;
    app.get("/login").await;
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    let c = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-kabinet_session="))
        .expect("cookie (over TLS under the __Host- prefix)");
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"),
        "{c}"
    );

    let app = TestApp::new().await; // auto mode over plain HTTP: not Secure
    app.get("/login").await;
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    let c = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("kabinet_session="))
        .expect("cookie");
    assert!(c.contains("HttpOnly") && !c.contains("Secure"), "{c}");
}
