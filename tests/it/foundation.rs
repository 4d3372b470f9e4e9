//! Foundation: login, sessions, CSRF, headers, storage and demo data.
use crate::common::*;
use kabinet::{build_state, config::Config, StartError};
use poem::http::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn demo_login_shows_the_guides_main_page() {
    let app = TestApp::new().await;
    let login = app.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    for label in [
        "По договору",
        "По телефону",
        "Стать абонентом",
        "Номер договора",
        "Пароль",
        "Войти",
        "экспресс-оплатой",
    ] {
        assert!(login.has_text(label), "login page lacks {label}");
    }
    app.login_demo().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for text in [
        "72845736UL",
        "Уфа",
        "ИП Служебный для теста госсектора",
        "Баланс",
        "0,00 ₽",
        "Рекомендуемая сумма к оплате: <strong>1 200,00 ₽",
        "Выйти из личного кабинета",
    ] {
        assert!(home.has_text(text), "main page lacks {text}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_contract_give_the_same_generic_error() {
    let app = TestApp::new().await;
    app.get("/login").await;
    let wrong = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", "nope")],
        )
        .await;
    let unknown = app
        .post(
            "/login",
            &[("contract", "00000000ZZ"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = "Неверный номер договора или пароль";
    assert!(wrong.has_text(msg) && unknown.has_text(msg));
    // Same fragment apart from the echoed number and the fresh CSRF token.
    let strip = |r: &Resp, n: &str| {
        r.body
            .replace(n, "")
            .split("value=\"")
            .map(|p| p.split_once('"').map(|x| x.1).unwrap_or(p).to_owned())
            .collect::<String>()
    };
    assert_eq!(strip(&wrong, DEMO_CONTRACT), strip(&unknown, "00000000ZZ"));
    assert!(app.cookie("kabinet_session").is_none());
    assert_eq!(
        app.count(
            "SELECT count(*) FROM sessions WHERE account_id IS NOT NULL AND ip <> '92.50.141.12'"
        ),
        0
    );
}

#[tokio::test]
async fn contract_number_is_matched_loosely() {
    let app = TestApp::new().await;
    app.login(" 7284 5736ul ", DEMO_PASSWORD).await;
    assert!(app.get("/").await.has_text("72845736UL"));
}

#[tokio::test]
async fn login_is_throttled_per_contract_even_with_the_right_password() {
    let app = TestApp::new().await;
    app.get("/login").await;
    for _ in 0..5 {
        let r = app
            .post(
                "/login",
                &[("contract", DEMO_CONTRACT), ("password", "bad")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.has_text("Слишком много попыток входа"));
    assert!(app.cookie("kabinet_session").is_none());
    // Another contract from the same address is not locked by this one.
    let other = app
        .post(
            "/login",
            &[("contract", "78101424UL"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(other.header("hx-redirect"), Some("/"));
}

#[tokio::test]
async fn login_is_throttled_per_ip() {
    let mut cfg = Config::default();
    cfg.limits.login_per_ip_per_minute = 3;
    let app = TestApp::with_config(cfg).await;
    app.get("/login").await;
    for n in ["11111111AA", "22222222BB", "33333333CC"] {
        let r = app
            .post("/login", &[("contract", n), ("password", "x")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.has_text("Слишком много попыток входа"));
}

#[tokio::test]
async fn empty_and_hostile_input_get_a_clear_message_and_are_escaped() {
    let app = TestApp::new().await;
    app.get("/login").await;
    let r = app
        .post("/login", &[("contract", ""), ("password", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Введите номер договора и пароль"));
    let r = app
        .post(
            "/login",
            &[("contract", "<script>alert(1)</script>"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.body.contains("<script>alert(1)"));
    assert!(r.body.contains("&lt;script&gt;"));
    // A form without fields at all is not a 500 either.
    let r = app.post("/login", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

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
    app.login_demo().await;
    app.state.clock.advance(29 * 86_400);
    assert_eq!(
        app.get("/").await.status,
        StatusCode::OK,
        "activity within the idle window"
    );
    app.state.clock.advance(31 * 86_400);
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_end_at_the_absolute_maximum_however_active() {
    let app = TestApp::new().await;
    app.login_demo().await;
    for _ in 0..4 {
        app.state.clock.advance(20 * 86_400);
        assert_eq!(app.get("/").await.status, StatusCode::OK);
    }
    app.state.clock.advance(20 * 86_400); // 100 days since login > 90
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
}

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
        .find(|c| c.starts_with("kabinet_session="))
        .expect("cookie");
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

#[tokio::test]
async fn app_banner_shows_only_configured_store_links() {
    let app = TestApp::new().await;
    assert!(!app.get("/login").await.has_text("Установите приложение"));
    let mut cfg = Config::default();
    cfg.apps.google_play = Some("https://play.google.com/store/apps/details?id=example".into());
    let app = TestApp::with_config(cfg).await;
    let r = app.get("/login").await;
    assert!(r.has_text("Установите приложение и управляйте услугами прямо с телефона"));
    assert!(r.has_text("Google Play") && !r.has_text("App Store"));
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(kabinet::db::migrate::BASELINE).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = match build_state(Config::default(), &path, true) {
        Err(e) => e,
        Ok(_) => panic!("a too-new database must be refused"),
    };
    assert!(matches!(
        err,
        StartError::Open(kabinet::db::OpenError::TooNew { found: 99, .. })
    ));
    assert!(err.to_string().contains("newer kabinet"), "{err}");
}

#[test]
fn demo_data_is_seeded_only_into_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    {
        let st = build_state(Config::default(), &path, true).unwrap();
        let c = st.db.get().unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
        c.execute("DELETE FROM account_contracts WHERE contract_id = 4", [])
            .unwrap();
        c.execute("UPDATE contracts SET address = 'changed' WHERE id = 2", [])
            .unwrap();
    }
    let st = build_state(Config::default(), &path, true).unwrap();
    let c = st.db.get().unwrap();
    let links: i64 = c
        .query_row(
            "SELECT count(*) FROM account_contracts WHERE contract_id = 4",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(links, 0, "existing database left as it was");
    let addr: String = c
        .query_row("SELECT address FROM contracts WHERE id = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(addr, "changed");
    assert!(st.demo);

    let fresh = dir.path().join("prod.db");
    let st = build_state(Config::default(), &fresh, false).unwrap();
    let c = st.db.get().unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "--no-demo never seeds");
    assert!(!st.demo);
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, kabinet::db::migrate::VERSION);
}

#[test]
fn every_connection_gets_the_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let st = build_state(Config::default(), &dir.path().join("k.db"), false).unwrap();
    let c = st.db.get().unwrap();
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let fk: i64 = c
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    let sync: i64 = c
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    let busy: i64 = c
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .unwrap();
    assert_eq!((mode.as_str(), fk, sync), ("wal", 1, 2));
    assert!(busy >= 1000);
}

#[test]
fn demo_history_matches_the_guide() {
    let dir = tempfile::tempdir().unwrap();
    let st = build_state(Config::default(), &dir.path().join("k.db"), true).unwrap();
    let c = st.db.get().unwrap();
    // Opening balance of December 2022 = balance after the last entry before 1 Dec.
    let tz = &st.tz;
    let dec1 = kabinet::domain::time::local(tz, 2022, 12, 1, 0, 0, 0);
    let opening: i64 = c
        .query_row(
            "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = 1 AND occurred_at < ?1 ORDER BY occurred_at DESC, id DESC LIMIT 1",
            [dec1],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(opening, 1200, "«На начало месяца 12,00 ₽»");
    let (balance, rec): (i64, i64) = c
        .query_row("SELECT balance_kop, recommended_payment_kop FROM contracts WHERE number = '72845736UL'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((balance, rec), (0, 120_000));
    let note: String = c
        .query_row("SELECT note FROM account_contracts ac JOIN contracts k ON k.id = ac.contract_id WHERE k.number = '72718289UL' AND ac.account_id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "тест 1");
    let bonus: i64 = c
        .query_row(
            "SELECT sum(amount_kop) FROM referral_accruals WHERE contract_id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bonus, 1_518_000);
}

#[tokio::test]
async fn parallel_logins_all_complete() {
    let mut cfg = Config::default();
    cfg.limits.login_per_ip_per_minute = 1000;
    cfg.limits.login_per_contract_burst = 1000;
    let app = std::sync::Arc::new(TestApp::with_config(cfg).await);
    app.get("/login").await;
    let token = app.csrf();
    let csrf_cookie = app.cookie("kabinet_csrf").unwrap();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let app = app.clone();
        let token = token.clone();
        let csrf_cookie = csrf_cookie.clone();
        tasks.push(tokio::spawn(async move {
            let r = app
                .client
                .post("/login")
                .header("cookie", format!("kabinet_csrf={csrf_cookie}"))
                .header("x-csrf-token", token)
                .header("hx-request", "true")
                .form(&[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)])
                .send()
                .await;
            r.0.headers().get("hx-redirect").is_some()
        }));
    }
    for t in tasks {
        assert!(
            t.await.unwrap(),
            "every parallel login succeeds (queued, not refused)"
        );
    }
}

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
    let app = TestApp::new().await;
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
    // Another process writing to the same file (not seen by our commit hook) shows within a
    // second, the caches' time-to-live.
    let other = rusqlite::Connection::open(app.dir.path().join("kabinet.db")).unwrap();
    other.busy_timeout(Duration::from_secs(5)).unwrap();
    other
        .execute("UPDATE contracts SET balance_kop = 777700 WHERE id = 1", [])
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
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
