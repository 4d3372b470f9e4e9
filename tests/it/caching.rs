//! Read caches and reused CSRF tokens: repeat views stay right after every write.
use crate::common::*;
use poem::http::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn cached_main_page_blocks_follow_every_change_to_services_and_requests() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let first = app.get("/").await;
    assert!(first.has_text("Бизнес 100"));
    // A change made outside the app (billing import, staff console) shows at once.
    app.db()
        .execute(
            "UPDATE services SET tariff_name = 'Бизнес 300 Плюс' WHERE id = 1",
            [],
        )
        .unwrap();
    assert!(app.get("/").await.has_text("Бизнес 300 Плюс"));
    app.db()
        .execute(
            "UPDATE requests SET title = 'Выдача копии договора (курьер)' WHERE id = 1",
            [],
        )
        .unwrap();
    assert!(app
        .get("/")
        .await
        .has_text("Выдача копии договора (курьер)"));
    app.db()
        .execute("DELETE FROM services WHERE id = 3", [])
        .unwrap();
    assert!(!app.get("/").await.has_text("Телефония Базовый"));
    app.db()
        .execute("UPDATE contracts SET status = 'suspended' WHERE id = 1", [])
        .unwrap();
    assert!(app.get("/").await.has_text("Возобновление договора"));
}

#[tokio::test]
async fn repeat_views_served_from_memory_still_follow_every_write() {
    let mut cfg = kabinet::config::Config::default();
    cfg.cache.ttl_ms = 100;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    // The second view comes from the read caches (no write happened in between).
    assert!(app.get("/").await.has_text("0,00 ₽"));
    assert!(app.get("/").await.has_text("0,00 ₽"));
    assert!(app.get_hx("/balance/pay").await.body.contains("1200.00"));
    assert!(app.get_hx("/balance/pay").await.body.contains("1200.00"));
    // Any commit through the app's connections invalidates them before the next request.
    app.db()
        .execute("UPDATE contracts SET balance_kop = 123456, recommended_payment_kop = 50050 WHERE id = 1", [])
        .unwrap();
    assert!(app.get("/").await.has_text("1 234,56 ₽"));
    let modal = app.get_hx("/balance/pay").await;
    assert!(modal.has_text("Оплата услуг") && modal.body.contains("500.50"));
    // Another process writing to the same file (not seen by our commit hook) shows once the
    // caches' time-to-live (`cache.ttl_ms`, 100 ms here) has passed.
    let other = rusqlite::Connection::open(app.dir.path().join("kabinet.db")).unwrap();
    other.busy_timeout(Duration::from_secs(5)).unwrap();
    other
        .execute("UPDATE contracts SET balance_kop = 777700 WHERE id = 1", [])
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(app.get("/").await.has_text("7 777,00 ₽"));
    // A session deleted behind the app's back (staff console, another device's reset) is
    // refused at once, by the page and by the partials.
    assert!(app.get_hx("/balance/pay").await.has_text("Оплата услуг"));
    app.db().execute("DELETE FROM sessions", []).unwrap();
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    assert!(!app.get_hx("/balance/pay").await.has_text("Оплата услуг"));
}

#[tokio::test]
async fn repeated_page_loads_reuse_the_csrf_cookie_and_its_token_stays_valid() {
    let app = TestApp::new().await;
    app.get("/login").await;
    let second = app.get("/login").await;
    assert!(
        !second
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("kabinet_csrf=")),
        "a known CSRF cookie is not re-issued on every page view"
    );
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/"),
        "the reused token is accepted"
    );
    // Another browser (no cookie) can't use that token.
    let token = app.csrf();
    app.clear_cookie("kabinet_csrf");
    app.clear_cookie("kabinet_session");
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
}
