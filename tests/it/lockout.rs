//! Login hardening: strangers cannot lock the owner out, one browser holds one session, a
//! password change by the owner ends the owner's other devices, and CSRF secrets rotate at
//! login and logout.
use crate::common::*;
use poem::http::StatusCode;

/// Wrong guesses until the login's attempts are used up (at most the burst of 5).
async fn burn_attempts(app: &TestApp, path: &str, login_field: &str, login: &str) {
    app.get(path).await;
    for _ in 0..6 {
        let r = app
            .post(path, &[(login_field, login), ("password", "wrong-guess")])
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            return;
        }
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    panic!("the stranger was never throttled");
}

#[tokio::test]
async fn strangers_burning_the_attempts_do_not_lock_out_the_owner_who_logged_in_here_before() {
    let app = TestApp::new().await;
    // The owner logged in from this browser before: it earned the device cookie.
    app.login_demo().await;
    let device = app
        .cookie("kabinet_device")
        .expect("a device cookie after login");
    app.post("/logout", &[]).await;
    // A stranger (no device cookie) burns the contract's attempts.
    app.clear_cookie("kabinet_device");
    burn_attempts(&app, "/login", "contract", DEMO_CONTRACT).await;
    // The stranger stays throttled even with the right password…
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // …but the owner's browser gets in.
    app.set_cookie("kabinet_device", &device);
    app.get("/login").await;
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/"),
        "{} {}",
        r.status,
        r.body
    );
    // A forged or foreign device cookie counts for nothing.
    app.post("/logout", &[]).await;
    app.set_cookie("kabinet_device", "AAAAAAAAAAAAAAAAAAAAAA.forged");
    app.get("/login").await;
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_staff_admin_is_not_locked_out_by_strangers_either() {
    let app = TestApp::new().await;
    app.get("/staff/login").await;
    let r = app
        .post(
            "/staff/login",
            &[("login", "admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/staff/chat"), "{}", r.body);
    let device = app
        .cookie("kabinet_staff_device")
        .expect("staff device cookie");
    app.clear_cookie("kabinet_staff_device");
    app.clear_cookie("kabinet_staff");
    burn_attempts(&app, "/staff/login", "login", "admin").await;
    app.set_cookie("kabinet_staff_device", &device);
    app.get("/staff/login").await;
    let r = app
        .post(
            "/staff/login",
            &[("login", "admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/staff/chat"),
        "{} {}",
        r.status,
        r.body
    );
}

#[tokio::test]
async fn a_new_login_ends_the_session_this_browser_had() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let first = app.cookie("kabinet_session").unwrap();
    app.login_demo().await;
    let second = app.cookie("kabinet_session").unwrap();
    assert_ne!(first, second);
    let sessions = app.count("SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL");
    app.set_cookie("kabinet_session", &first);
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the old session is gone");
    assert_eq!(r.header("location"), Some("/login"));
    app.set_cookie("kabinet_session", &second);
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    // Only the demo data's sessions and this one are left.
    assert_eq!(
        sessions,
        app.count("SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL")
    );
}

#[tokio::test]
async fn a_password_change_by_the_owner_logs_out_the_owners_other_devices() {
    let app = TestApp::new().await;
    // Device 1 and device 2 of the owner (the contract's own login).
    app.login_demo().await;
    let other_device = app.cookie("kabinet_session").unwrap();
    app.clear_cookie("kabinet_session");
    app.login_demo().await;
    let this_device = app.cookie("kabinet_session").unwrap();
    let id: i64 = app
        .db()
        .query_row(
            "SELECT id FROM contracts WHERE number = ?1",
            [DEMO_CONTRACT],
            |r| r.get(0),
        )
        .unwrap();
    app.get_hx(&format!("/contracts/{id}/password")).await;
    let r = app
        .post(
            &format!("/contracts/{id}/password"),
            &[
                ("current", DEMO_PASSWORD),
                ("new", "a-new-secret-42"),
                ("repeat", "a-new-secret-42"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.has_text("Пароль договора"), "{}", r.body);
    // This device stays in; the other one is out.
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    app.set_cookie("kabinet_session", &other_device);
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
    app.set_cookie("kabinet_session", &this_device);
}

#[tokio::test]
async fn csrf_tokens_from_before_login_or_logout_stop_working() {
    let app = TestApp::new().await;
    app.get("/login").await;
    let before_login = app.csrf();
    let cookie_before = app.cookie("kabinet_csrf").expect("csrf cookie");
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"));
    // The response to the login expired the old CSRF cookie; a token bound to it is refused.
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("kabinet_csrf=;") && c.contains("Max-Age=0")),
        "rotated at login: {:?}",
        r.set_cookies()
    );
    app.get("/").await;
    let after_login = app.csrf();
    assert_ne!(
        app.cookie("kabinet_csrf").as_deref(),
        Some(cookie_before.as_str())
    );
    let replay = app
        .client
        .post("/logout")
        .header(
            "cookie",
            format!(
                "kabinet_session={}; kabinet_csrf={}",
                app.cookie("kabinet_session").unwrap(),
                app.cookie("kabinet_csrf").unwrap()
            ),
        )
        .header("x-csrf-token", &before_login)
        .send()
        .await;
    assert_eq!(
        replay.0.status(),
        StatusCode::FORBIDDEN,
        "old token refused"
    );
    let out = app.post("/logout", &[]).await;
    assert!(out.status.is_redirection() || out.header("hx-redirect").is_some());
    assert!(app.cookie("kabinet_csrf").is_none(), "rotated at logout");
    assert_ne!(before_login, after_login);
}

#[tokio::test]
async fn over_tls_the_cookies_carry_the_host_prefix_and_still_work() {
    let mut cfg = kabinet::config::Config::default();
    cfg.cookies.secure = kabinet::config::SecureCookies::Always;
    let app = TestApp::with_config(cfg).await;
    let page = app.get("/login").await;
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("__Host-kabinet_csrf=")),
        "{:?}",
        page.set_cookies()
    );
    let r = app
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
    let cookies = r.set_cookies();
    for name in ["__Host-kabinet_session=", "__Host-kabinet_device="] {
        let c = cookies.iter().find(|c| c.starts_with(name)).expect(name);
        assert!(
            c.contains("Secure") && c.contains("Path=/") && !c.contains("Domain"),
            "{c}"
        );
    }
    assert_eq!(
        app.get("/").await.status,
        StatusCode::OK,
        "the prefixed session is read back"
    );
    app.get("/staff/login").await;
    let r = app
        .post(
            "/staff/login",
            &[("login", "admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("__Secure-kabinet_staff=")),
        "{:?}",
        r.set_cookies()
    );
    assert_eq!(app.get("/staff/chat").await.status, StatusCode::OK);
}

// Issue 24, item 9: only failures spend the per-login budget.

fn behind_proxy() -> kabinet::config::Config {
    let mut cfg = kabinet::config::Config::default();
    cfg.security.trust_proxy_headers = true;
    cfg
}

const OWNER_IP: &str = "198.51.100.2";
const RIGHT: [(&str, &str); 2] = [("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)];
const WRONG: [(&str, &str); 2] = [("contract", DEMO_CONTRACT), ("password", "wrong-guess")];

#[tokio::test]
async fn six_people_of_one_office_log_in_from_six_new_browsers_within_a_minute() {
    let app = TestApp::new().await;
    for person in 0..8 {
        let browser = app.other_browser();
        browser.get("/login").await;
        let r = browser.post("/login", &RIGHT).await;
        assert_eq!(
            r.header("hx-redirect"),
            Some("/"),
            "person {person}: {} {}",
            r.status,
            r.body
        );
    }
}

#[tokio::test]
async fn a_strangers_failures_from_another_ip_do_not_lock_out_the_owner_in_a_new_browser() {
    let app = TestApp::with_config(behind_proxy()).await;
    app.get("/login").await;
    let stranger = "203.0.113.7";
    let mut refused = false;
    for _ in 0..6 {
        let r = app.post_from("/login", &WRONG, stranger).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused = true;
            break;
        }
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    assert!(refused, "the stranger was never throttled");
    // The stranger stays refused, even with the right password …
    let r = app.post_from("/login", &RIGHT, stranger).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // … the owner, in a new browser elsewhere, gets in at once.
    let owner = app.other_browser();
    owner.get("/login").await;
    let r = owner.post_from("/login", &RIGHT, OWNER_IP).await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/"),
        "{} {}",
        r.status,
        r.body
    );
}

#[tokio::test]
async fn guessing_from_many_ips_slows_new_ips_but_the_owner_gets_in_after_a_short_wait() {
    // The defaults: 20 failures from all addresses, then a new address waits 10 s.
    let app = TestApp::with_config(behind_proxy()).await;
    app.get("/login").await;
    // One wrong guess each from twenty addresses spends the login's total.
    for i in 1..=20 {
        let r = app
            .post_from("/login", &WRONG, &format!("203.0.113.{i}"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    // A new address (and the owner's) is asked to wait a moment first.
    let r = app.post_from("/login", &WRONG, "203.0.113.99").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.has_text("через 10 сек."), "{}", r.body);
    let owner = app.other_browser();
    owner.get("/login").await;
    let r = owner.post_from("/login", &RIGHT, OWNER_IP).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    tokio::time::sleep(std::time::Duration::from_millis(10_100)).await;
    // An address that guessed before stays refused after the wait …
    let r = app.post_from("/login", &RIGHT, "203.0.113.1").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // … the owner's new browser gets in.
    let r = owner.post_from("/login", &RIGHT, OWNER_IP).await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/"),
        "{} {}",
        r.status,
        r.body
    );
    // The new address gets its one guess after its wait, and is refused after it.
    let r = app.post_from("/login", &WRONG, "203.0.113.99").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app.post_from("/login", &WRONG, "203.0.113.99").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

#[tokio::test]
async fn a_known_browser_spends_its_own_budget_only() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.post("/logout", &[]).await;
    // The known browser guesses wrong until refused …
    burn_attempts(&app, "/login", "contract", DEMO_CONTRACT).await;
    // … a new browser from the same address is not affected.
    let other = app.other_browser();
    other.get("/login").await;
    let r = other.post("/login", &RIGHT).await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/"),
        "{} {}",
        r.status,
        r.body
    );
}

// Issue 24, item 11.

#[tokio::test]
async fn a_phone_login_ends_the_session_this_browser_had_and_rotates_csrf() {
    use crate::accounts::{login_phone, PHONE_MAIN_AND_WAREHOUSE};
    let app = TestApp::new().await;
    app.login_demo().await;
    let first = app.cookie("kabinet_session").unwrap();
    let r = login_phone(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("kabinet_csrf=;") && c.contains("Max-Age=0")),
        "CSRF secret rotated: {:?}",
        r.set_cookies()
    );
    let second = app.cookie("kabinet_session").unwrap();
    assert_ne!(first, second);
    app.set_cookie("kabinet_session", &first);
    let r = app.get("/").await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "the contract session ended"
    );
    app.set_cookie("kabinet_session", &second);
    assert_eq!(app.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_csrf_token_of_one_session_is_refused_with_another() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let other = app.other_browser();
    other.login_demo().await;
    // A's CSRF cookie and token, with B's session: refused.
    let forged = app
        .client
        .post("/logout")
        .header(
            "cookie",
            format!(
                "kabinet_session={}; kabinet_csrf={}",
                other.cookie("kabinet_session").unwrap(),
                app.cookie("kabinet_csrf").unwrap()
            ),
        )
        .header("x-csrf-token", app.csrf())
        .send()
        .await;
    assert_eq!(forged.0.status(), StatusCode::FORBIDDEN);
    assert_eq!(other.get("/").await.status, StatusCode::OK, "B still in");
    // With its own session the token works.
    let r = app.post("/logout", &[]).await;
    assert!(r.header("hx-redirect").is_some(), "{} {}", r.status, r.body);
}

#[tokio::test]
async fn the_session_cookie_ends_with_the_browser_unless_configured() {
    let app = TestApp::new().await;
    app.get("/login").await;
    let r = app.post("/login", &RIGHT).await;
    let c = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("kabinet_session="))
        .expect("a session cookie");
    let lower = c.to_ascii_lowercase();
    assert!(
        !lower.contains("max-age") && !lower.contains("expires"),
        "{c}"
    );
    app.get("/staff/login").await;
    let r = app
        .post(
            "/staff/login",
            &[("login", "admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    let c = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("kabinet_staff="))
        .expect("a staff session cookie");
    assert!(!c.to_ascii_lowercase().contains("max-age"), "{c}");

    // (parsed, as an operator writes it)
    let cfg = kabinet::config::Config::parse("[sessions]\npersistent_cookie = true\n")
        .expect("the setting exists");
    let app = TestApp::with_config(cfg).await;
    app.get("/login").await;
    let r = app.post("/login", &RIGHT).await;
    let c = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("kabinet_session="))
        .expect("a session cookie");
    assert!(c.contains("Max-Age=2592000"), "{c}");
}
