//! Login by contract number: the demo login, generic errors, throttling, hostile input, the app
//! banner, parallel logins. Sessions are in `sessions`, CSRF and headers in `security`.
use crate::common::*;
use kabinet::config::Config;
use poem::http::StatusCode;

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
async fn app_banner_shows_only_configured_store_links() {
    // Without store apps the banner offers the web app itself (issue 16), no store badges.
    let app = TestApp::new().await;
    let r = app.get("/login").await;
    assert!(r.has_text("Установите приложение"));
    assert!(r.has_text("Установить") && r.has_text("Как установить на iPhone или iPad"));
    assert!(!r.has_text("Google Play") && !r.has_text("App Store"));
    let mut cfg = Config::default();
    cfg.apps.google_play = Some("https://play.google.com/store/apps/details?id=example".into());
    let app = TestApp::with_config(cfg).await;
    let r = app.get("/login").await;
    assert!(r.has_text("Установите приложение и управляйте услугами прямо с телефона"));
    assert!(r.has_text("Google Play") && !r.has_text("App Store"));
    assert!(!r.has_text("Как установить на iPhone или iPad"));
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
