//! Two-factor login (issue 15): enrolment with a code computed here, the code after every
//! login, replays refused, single-use recovery codes, attempt limits and the owner's switch.
use crate::accounts::{login_phone, second_client, PHONE_MAIN_ONLY};
use crate::common::*;
use kabinet::{auth::totp, routes};

fn secret_of(body: &str) -> Vec<u8> {
    let i = body
        .find("id=\"totp-secret\"")
        .expect("the secret on the page");
    let rest = &body[i..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find('<').unwrap();
    totp::from_base32(&rest[start..end]).expect("base32 secret")
}

fn code(app: &TestApp, secret: &[u8]) -> String {
    totp::code_at(secret, app.state.clock.now())
}

/// Enrols the logged-in account from «Вход»; returns the secret and the recovery codes.
async fn enrol(app: &TestApp) -> (Vec<u8>, Vec<String>) {
    let r = app.get(routes::TOTP_SETUP).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg"), "a QR code");
    let secret = secret_of(&r.body);
    let r = app.post(routes::TOTP_SETUP, &[("code", "000000")]).await;
    assert!(r.has_text("Неверный код") || code(app, &secret) == "000000");
    let c = code(app, &secret);
    let r = app.post(routes::TOTP_SETUP, &[("code", &c)]).await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Второй фактор подключён"));
    let codes: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Logs in again; returns the main page's answer (the second-factor page is then loaded,
/// as the browser follows the redirect).
async fn login_again(app: &TestApp) -> Resp {
    app.clear_cookie("kabinet_session");
    app.login_demo().await;
    let r = app.get("/").await;
    app.get(routes::LOGIN_SECOND_FACTOR).await;
    r
}

#[tokio::test]
async fn totp_enrolment_then_every_login_needs_a_fresh_code() {
    // Room for this test's eight code attempts (five per account otherwise).
    let mut cfg = kabinet::config::Config::default();
    cfg.limits.login_per_contract_burst = 20;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    let (secret, codes) = enrol(&app).await;
    // Stored: the secret, and only hashes of the recovery codes.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_codes WHERE account_id = 1"),
        10
    );
    for c in &codes {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM recovery_codes WHERE instr(code_hash, '{c}') > 0"
            )),
            0
        );
    }
    let r = login_again(&app).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some(routes::LOGIN_SECOND_FACTOR));
    assert_eq!(
        app.get_hx(routes::PAYMENT).await.header("hx-redirect"),
        Some(routes::LOGIN_SECOND_FACTOR)
    );
    let r = app.get(routes::LOGIN_SECOND_FACTOR).await;
    assert!(r.has_text("Код подтверждения"));
    // The code used at enrolment (same step): a replay, refused.
    let used = code(&app, &secret);
    let r = app
        .post(routes::LOGIN_SECOND_FACTOR, &[("code", &used)])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Неверный код"));
    // The next step's code passes.
    app.state.clock.advance(30);
    let next = code(&app, &secret);
    let r = app
        .post(routes::LOGIN_SECOND_FACTOR, &[("code", &next)])
        .await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/"),
        "{} {}",
        r.status,
        r.body
    );
    assert_eq!(app.get("/").await.status, 200);

    // A recovery code works once.
    login_again(&app).await;
    let r = app
        .post(
            routes::LOGIN_SECOND_FACTOR,
            &[("code", &codes[0].to_uppercase())],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
    login_again(&app).await;
    let r = app
        .post(routes::LOGIN_SECOND_FACTOR, &[("code", &codes[0])])
        .await;
    assert_eq!(r.status, 422, "a recovery code is single-use");
    let r = app
        .post(routes::LOGIN_SECOND_FACTOR, &[("code", &codes[1])])
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"));
    let r = app.get_hx(routes::ACCESS_SECURITY).await;
    assert!(r.has_text("Кодов восстановления осталось: 8"), "{}", r.body);
}

#[tokio::test]
async fn wrong_codes_are_limited_like_logins() {
    let app = TestApp::new().await;
    app.login_demo().await;
    enrol(&app).await;
    login_again(&app).await;
    let mut throttled = false;
    for _ in 0..30 {
        let r = app
            .post(routes::LOGIN_SECOND_FACTOR, &[("code", "123456")])
            .await;
        if r.has_text("Слишком много попыток") {
            throttled = true;
            break;
        }
    }
    assert!(throttled);
}

#[tokio::test]
async fn the_owners_switch_makes_every_user_of_the_contract_give_a_second_factor() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let other = second_client(&app);
    login_phone(&other, PHONE_MAIN_ONLY).await;
    // Account 11 holds contract 1 as «Наблюдатель».
    crate::roles::set_role(&app, 11, 1, kabinet::domain::role::Role::Viewer);
    assert_eq!(other.get("/").await.status, 200);
    let r = app.get_hx(routes::ACCESS_SECURITY).await;
    assert!(
        r.has_text("Требовать второй фактор для всех пользователей договора"),
        "{}",
        r.body
    );
    let r = app
        .post(routes::REQUIRE_SECOND_FACTOR, &[("on", "1")])
        .await;
    assert!(r.has_text("второй фактор обязателен"), "{}", r.body);
    // The owner's own session goes on; the other user's open session waits for the factor,
    // and as it has none it enrols.
    assert_eq!(app.get("/").await.status, 200);
    let r = other.get("/").await;
    assert_eq!(r.header("location"), Some(routes::LOGIN_SECOND_FACTOR));
    let r = other.get(routes::LOGIN_SECOND_FACTOR).await;
    assert!(r.has_text("Владелец договора требует второй фактор"));
    let secret = secret_of(&r.body);
    let c = code(&other, &secret);
    let r = other
        .post(routes::LOGIN_SECOND_FACTOR, &[("code", &c)])
        .await;
    assert!(r.has_text("Второй фактор подключён"));
    assert_eq!(other.get("/").await.status, 200);
    other.get(routes::ACCESS_SECURITY).await;
    // A non-owner has no switch and cannot flip it.
    let r = other.get_hx(routes::ACCESS_SECURITY).await;
    assert!(!r.has_text("Требовать второй фактор"));
    assert_eq!(
        other
            .post(routes::REQUIRE_SECOND_FACTOR, &[("on", "0")])
            .await
            .status,
        403
    );
    // It cannot switch its own factor off while the contract requires it.
    other.state.clock.advance(30);
    let c = code(&other, &secret);
    let r = other.post(routes::TOTP_OFF, &[("code", &c)]).await;
    assert!(
        r.has_text("Владелец договора требует второй фактор"),
        "{}",
        r.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.require'"),
        1
    );
}

#[tokio::test]
async fn right_codes_never_use_up_the_budget_six_people_of_one_office_get_in() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (secret, _) = enrol(&app).await;
    for person in 0..6 {
        let b = crate::accounts::second_client(&app);
        b.login_demo().await;
        b.get(routes::LOGIN_SECOND_FACTOR).await;
        // Each code's 30-second step is accepted once: the next person types the next one.
        app.state.clock.advance(30);
        let r = b
            .post(
                routes::LOGIN_SECOND_FACTOR,
                &[("code", &code(&app, &secret))],
            )
            .await;
        assert_eq!(
            r.header("hx-redirect"),
            Some("/"),
            "person {person}: {}",
            r.body
        );
    }
}
