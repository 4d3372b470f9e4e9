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
    behind_the_apps_back(
        &app,
        "UPDATE contracts SET balance_kop = 777700 WHERE id = 1",
    );
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

/// Logs in with `contract` and returns its session cookie (the jar keeps the last one).
/// Runs `sql` on a connection of another process's kind (no commit hook of the app sees it);
/// returns that connection.
fn behind_the_apps_back(app: &TestApp, sql: &str) -> rusqlite::Connection {
    let other = rusqlite::Connection::open(app.dir.path().join("kabinet.db")).unwrap();
    other.busy_timeout(Duration::from_secs(5)).unwrap();
    other.execute_batch(sql).unwrap();
    other
}

/// An app whose cached reads never expire during a test: what is served shows what was
/// invalidated.
async fn with_long_lived_caches() -> TestApp {
    let mut cfg = kabinet::config::Config::default();
    cfg.cache.ttl_ms = 600_000;
    TestApp::with_config(cfg).await
}

/// The demo contract's (id 1) first service and first request.
fn demo_card_ids(app: &TestApp) -> (i64, i64) {
    app.db()
        .query_row(
            "SELECT (SELECT MIN(id) FROM services WHERE contract_id = 1),
                    (SELECT MIN(id) FROM requests WHERE contract_id = 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

async fn session_of(app: &TestApp, contract: &str) -> String {
    app.clear_cookie("kabinet_session");
    app.login(contract, DEMO_PASSWORD).await;
    app.cookie("kabinet_session").expect("session cookie")
}

#[tokio::test]
async fn every_cached_screen_follows_its_own_writes_and_an_import_but_not_anothers() {
    let app = with_long_lived_caches().await;
    // B is the demo contract (id 1, with services and requests), A another one (id 2).
    let a = session_of(&app, "78101424UL").await;
    let b = session_of(&app, DEMO_CONTRACT).await;
    let (service, request) = demo_card_ids(&app);
    let screens = [
        "/".to_owned(),
        "/balance/history".to_owned(),
        format!("/services/{service}"),
        format!("/requests/{request}"),
        "/contracts".to_owned(),
    ];
    // B's screens, read once: now cached.
    let mut seen = Vec::new();
    for s in &screens {
        let r = app.get_hx(s).await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.body);
        seen.push(r.body);
    }
    // Another process changes B's data behind the app's back (no commit hook sees it)...
    let other = behind_the_apps_back(
        &app,
        "UPDATE services SET tariff_name = 'Тариф из биллинга' WHERE contract_id = 1",
    );
    // ...and A writes through the app: B's screens are still the cached ones. (A's page first:
    // CSRF tokens are bound to the session.)
    app.set_cookie("kabinet_session", &a);
    app.get("/contracts").await;
    let r = app.post("/contracts/2/note", &[("note", "офис")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.set_cookie("kabinet_session", &b);
    for (s, before) in screens.iter().zip(&seen).skip(1) {
        assert_eq!(&app.get_hx(s).await.body, before, "{s} left cached");
    }
    // (the main page differs only in its fresh CSRF token)
    assert!(!app.get("/").await.has_text("Тариф из биллинга"));
    // B's own note shows in its contract list at once; its other screens stay cached (a note
    // shows nowhere else).
    let r = app
        .post("/contracts/1/note", &[("note", "бухгалтерия")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(app.get_hx("/contracts").await.has_text("бухгалтерия"));
    let card = app.get_hx(&screens[2]).await;
    assert!(!card.has_text("Тариф из биллинга"), "{}", card.body);
    // The other process records its write (as `kabinet import` does): the server's next
    // look drops every cached page, and B sees the new tariff.
    let seen_writes = kabinet::watch_external_writes(&app.state, None).await;
    kabinet::db::note_external_write(&other).unwrap();
    kabinet::watch_external_writes(&app.state, seen_writes).await;
    assert!(app.get_hx(&screens[2]).await.has_text("Тариф из биллинга"));
    assert!(app.get("/").await.has_text("Тариф из биллинга"));
}

#[tokio::test]
async fn the_main_page_from_memory_carries_this_requests_csrf_token() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let first = app.get("/").await;
    let second = app.get("/").await;
    for page in [&first, &second] {
        let token = extract_csrf(&page.body).expect("a CSRF token in the page");
        assert!(!token.contains('\u{1}'), "the placeholder never leaves");
    }
    // The cached page's forms still post: a form with the page's token is accepted.
    let token = extract_csrf(&second.body).unwrap();
    let r = app
        .post_no_csrf(
            "/contracts/1/note",
            &[("note", "склад у рампы"), ("csrf_token", &token)],
        )
        .await;
    assert_ne!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_contracts WHERE note = 'склад у рампы'"),
        1
    );
}

#[tokio::test]
async fn a_payment_shows_at_once_wherever_money_shows_and_leaves_the_cards_cached() {
    use crate::payments::{pay, sandbox_pay};
    let app = with_long_lived_caches().await;
    app.login_demo().await;
    let (service, request) = demo_card_ids(&app);
    let cards = [
        format!("/services/{service}"),
        format!("/requests/{request}"),
        "/contracts".to_owned(),
    ];
    let money = ["/", "/balance/history"];
    let mut before = Vec::new();
    for s in money
        .iter()
        .map(|s| s.to_string())
        .chain(cards.iter().cloned())
    {
        let r = app.get_hx(&s).await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.body);
        before.push(r.body);
    }
    // A change the app does not see (another process), then a payment through the app.
    behind_the_apps_back(
        &app,
        "UPDATE services SET tariff_name = 'Тариф из биллинга' WHERE contract_id = 1;
         UPDATE requests SET title = 'Из биллинга' WHERE contract_id = 1;",
    );
    let (r, _) = pay(&app, "777", "buh@example.ru").await;
    sandbox_pay(&app, r.header("hx-redirect").expect("checkout"), "pay").await;
    // The balance and its history show the payment on the next request...
    let history = app.get_hx("/balance/history").await;
    assert!(history.has_text("777,00"), "{}", history.body);
    for (s, old) in money.iter().zip(&before) {
        assert_ne!(&app.get_hx(s).await.body, old, "{s} shows the payment");
    }
    // ...while the service and request cards and the contract list (no money on them) stay
    // the cached ones.
    for (s, old) in cards.iter().zip(&before[money.len()..]) {
        let now = app.get_hx(s).await;
        assert_eq!(&now.body, old, "{s} left cached");
        assert!(!now.has_text("из биллинга") && !now.has_text("Из биллинга"));
    }
}

#[tokio::test]
async fn another_subscribers_login_leaves_cached_pages_valid() {
    let app = with_long_lived_caches().await;
    // A has logged in before (its first login creates its account), B is the demo contract.
    session_of(&app, "78101424UL").await;
    let b = session_of(&app, DEMO_CONTRACT).await;
    let (service, _) = demo_card_ids(&app);
    let card = format!("/services/{service}");
    let before = app.get_hx(&card).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    // A change the app does not see, then A logs in again (from a new browser)...
    behind_the_apps_back(
        &app,
        "UPDATE services SET tariff_name = 'Тариф из биллинга' WHERE contract_id = 1",
    );
    session_of(&app, "78101424UL").await;
    // ...and B's card is still the cached one: a login touches only its own account.
    app.set_cookie("kabinet_session", &b);
    let after = app.get_hx(&card).await;
    assert_eq!(after.body, before.body);
    assert!(!after.has_text("Тариф из биллинга"));
}
