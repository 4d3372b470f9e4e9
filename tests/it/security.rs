//! CSRF tokens and security headers.
use crate::common::*;
use poem::http::StatusCode;

#[tokio::test]
async fn unsafe_requests_without_a_valid_csrf_token_are_rejected() {
    let app = TestApp::new().await;
    app.get("/login").await;
    let sessions = app.count("SELECT count(*) FROM sessions");
    let r = app
        .post_no_csrf(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.has_text("Страница устарела"));
    let r = app
        .post_no_csrf(
            "/login",
            &[
                ("contract", DEMO_CONTRACT),
                ("password", DEMO_PASSWORD),
                ("csrf_token", "Zm9vYmFy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT count(*) FROM sessions"),
        sessions,
        "nothing stored"
    );
    // Without the CSRF cookie even a real token is refused.
    let token = app.csrf();
    app.clear_cookie("kabinet_csrf");
    let r = app
        .post_no_csrf(
            "/login",
            &[
                ("contract", DEMO_CONTRACT),
                ("password", DEMO_PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A plain (no-JS) form post with the hidden field works.
    app.get("/login").await;
    let token = app.csrf();
    let r = app
        .post_no_csrf(
            "/login",
            &[
                ("contract", DEMO_CONTRACT),
                ("password", DEMO_PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/"));
    // Logout needs the token too.
    let r = app.post_no_csrf("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/").await.status, StatusCode::OK, "still logged in");
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::new().await;
    let login = app.get("/login").await;
    app.login_demo().await;
    let home = app.get("/").await;
    let css = app.get("/assets/app.css").await;
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.has_text("Страница не найдена"));
    for r in [&login, &home, &css, &missing] {
        let csp = r.header("content-security-policy").expect("csp");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert!(r.header("referrer-policy").is_some());
        assert!(r.header("x-request-id").is_some());
    }
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_eq!(login.header("cache-control"), Some("no-store"));
    // No inline scripts or styles anywhere in the pages.
    for r in [&login, &home] {
        assert!(
            !r.body.contains("<script>")
                && !r.body.contains("style=")
                && !r.body.contains("<style")
        );
        assert!(
            r.body.contains("\"allowEval\":false")
                || r.body.contains("&quot;allowEval&quot;:false")
        );
    }
    let session_cookie = app.get("/login").await;
    let _ = session_cookie;
}
