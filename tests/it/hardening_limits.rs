//! Issue 12, in-process: bodies bounded before they are read, test payments never money,
//! application merges that only add, API auth that does not lock out the billing system,
//! client IPs behind proxies, HSTS, demo SMS codes, session defaults.
use crate::{
    billing_api::{call, token},
    common::*,
    staff::staff_login,
};
use futures_util::StreamExt;
use kabinet::config::Config;
use poem::{http::StatusCode, Body};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

/// A body of `chunks` × 64 KiB sent chunked (no Content-Length); counts the chunks pulled.
fn chunked(chunks: usize, pulled: Arc<AtomicUsize>) -> Body {
    let s = futures_util::stream::iter(0..chunks).map(move |_| {
        pulled.fetch_add(1, Ordering::Relaxed);
        Ok::<_, std::io::Error>(vec![b'a'; 64 * 1024])
    });
    Body::from_bytes_stream(s)
}

fn cookies(app: &TestApp) -> String {
    ["kabinet_session", "kabinet_csrf"]
        .iter()
        .filter_map(|c| app.cookie(c).map(|v| format!("{c}={v}")))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn every_body_kind_over_its_limit_gets_413_before_it_is_read() {
    let app = TestApp::new().await;
    app.get("/login").await;

    // The attack: an url-encoded body, the CSRF token in the header, no length.
    let pulled = Arc::new(AtomicUsize::new(0));
    let r = app
        .client
        .post("/login")
        .header("cookie", cookies(&app))
        .header("x-csrf-token", app.csrf())
        .content_type("application/x-www-form-urlencoded")
        .body(chunked(4096, pulled.clone())) // 256 MiB offered
        .send()
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let text = r.0.into_body().into_string().await.unwrap();
    assert!(text.contains("Слишком большой запрос"), "{text}");
    let read = pulled.load(Ordering::Relaxed);
    assert!(
        read <= 8,
        "read only up to the limit, not 256 MiB: {read} chunks"
    );

    // Declared too large: refused without reading a byte (toast for htmx).
    let pulled = Arc::new(AtomicUsize::new(0));
    let r = app
        .client
        .post("/login")
        .header("cookie", cookies(&app))
        .header("hx-request", "true")
        .header("x-csrf-token", app.csrf())
        .header("content-length", (64u64 << 20).to_string())
        .content_type("application/x-www-form-urlencoded")
        .body(chunked(1024, pulled.clone()))
        .send()
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pulled.load(Ordering::Relaxed), 0);

    // Multipart (uploads) has its own larger limit: uploads.max_mb (10) + 1 MiB.
    app.login_demo().await;
    let r = app
        .client
        .post("/actions/requisites_change")
        .header("cookie", cookies(&app))
        .header("x-csrf-token", app.csrf())
        .header("content-length", (13u64 << 20).to_string())
        .content_type("multipart/form-data; boundary=xyz")
        .body(chunked(208, Arc::default()))
        .send()
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let text = r.0.into_body().into_string().await.unwrap();
    assert!(text.contains("11 МБ"), "{text}");

    // The billing API answers JSON {"error", "field"}.
    let t = token(&app, "billing");
    let r = app
        .client
        .put("/api/v1/contracts/11112222AB")
        .header("authorization", format!("Bearer {t}"))
        .content_type("application/json")
        .body(chunked(64, Arc::default())) // 4 MiB > 1 MiB
        .send()
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let v: serde_json::Value =
        serde_json::from_str(&r.0.into_body().into_string().await.unwrap()).unwrap();
    assert!(v["error"].as_str().unwrap().contains("1024 КиБ"), "{v}");
    assert!(v.get("field").is_some(), "{v}");

    // CSP reports: 8 KiB.
    let r = app
        .client
        .post("/csp-report")
        .header("content-length", "100000")
        .content_type("application/csp-report")
        .body(chunked(2, Arc::default()))
        .send()
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);

    // A normal form still works.
    app.clear_cookie("kabinet_session");
    app.login_demo().await;
}

#[tokio::test]
async fn no_demo_production_check_names_the_payments_provider_setting() {
    let e = Config::default()
        .check_production()
        .unwrap_err()
        .to_string();
    assert!(e.contains("payments.provider"), "{e}");
    // The sandbox takes no real money: in production only when said so on purpose.
    let cfg = Config::parse("[payments]\nprovider = \"sandbox\"\n").unwrap();
    let e = cfg.check_production().unwrap_err().to_string();
    assert!(e.contains("sandbox_in_production"), "{e}");
    let cfg = Config::parse("[payments]\nprovider = \"sandbox\"\nsandbox_in_production = true\n")
        .unwrap();
    assert!(cfg.check_production().is_ok());
    let cfg = Config::parse("[payments]\nprovider = \"yookassa\"\n[payments.yookassa]\nshop_id = \"1\"\nsecret_key = \"s\"\n");
    if let Ok(cfg) = cfg {
        assert!(cfg.check_production().is_ok());
    }
}

#[tokio::test]
async fn sandbox_payments_outside_the_demo_show_the_test_mode_banner_on_every_page() {
    let cfg = Config::parse("[payments]\nprovider = \"sandbox\"\nsandbox_in_production = true\n")
        .unwrap();
    let app = production_app(cfg);
    let r = app.get("/login").await;
    assert!(r.has_text("Тестовый режим оплаты"), "{}", r.body);
    app.login_demo().await;
    let r = app.get("/").await;
    assert!(r.has_text("Тестовый режим оплаты"), "{}", r.body);
    // The demo itself has no banner (its sandbox is obviously a demo).
    let demo = TestApp::new().await;
    assert!(!demo.get("/login").await.has_text("Тестовый режим оплаты"));
}

#[tokio::test]
async fn sandbox_payments_are_marked_test_and_left_out_of_the_money_export() {
    let app = TestApp::new().await;
    app.db()
        .execute_batch(
            "INSERT INTO payments(contract_id, amount_kop, status, provider, provider_payment_id, idempotency_key, created_at, updated_at)
             VALUES (1, 50000000, 'succeeded', 'sandbox', 'sb-x', 'k-x', 1700000000, 1700000100);
             INSERT INTO payments(contract_id, amount_kop, status, provider, provider_payment_id, idempotency_key, created_at, updated_at)
             VALUES (1, 120000, 'succeeded', 'yookassa', 'yk-1', 'k-y', 1700000000, 1700000100);
             INSERT INTO payments(contract_id, amount_kop, status, provider, provider_payment_id, idempotency_key, created_at, updated_at)
             VALUES (1, 700, 'pending', 'sandbox', 'sb-p', 'k-p', 1700000000, 1700000100);",
        )
        .unwrap();
    let t = token(&app, "billing");
    let (s, v) = call(&app, "GET", "/api/v1/payments", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK);
    let items = v["items"].as_array().unwrap();
    assert!(
        items.iter().all(|p| p["provider"] != "sandbox"),
        "test payments are not money: {v}"
    );
    assert!(items
        .iter()
        .any(|p| p["provider_payment_id"] == "yk-1" && p["test"] == false));
    let (_, v) = call(
        &app,
        "GET",
        "/api/v1/payments?include_test=true",
        Some(&t),
        None,
    )
    .await;
    let sb = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider_payment_id"] == "sb-x")
        .expect("asked for: included")
        .clone();
    assert_eq!(sb["test"], true);

    // Staff see the mark.
    staff_login(&app, "operator").await;
    let r = app.get(&format!("/staff/contracts/{DEMO_CONTRACT}")).await;
    assert!(r.has_text("Тестовый, не деньги"), "{}", r.body);

    // Metrics count them apart.
    let mut cfg = Config::default();
    cfg.security.metrics_token = Some("metrics-token-1".into());
    let app2 = TestApp::with_config(cfg).await;
    app2.db()
        .execute(
            "INSERT INTO payments(contract_id, amount_kop, status, provider, provider_payment_id, idempotency_key, created_at, updated_at)
             VALUES (1, 700, 'pending', 'sandbox', 'sb-p', 'k-p', 1700000000, 1700000100)",
            [],
        )
        .unwrap();
    let r = app2
        .client
        .get("/metrics")
        .header("authorization", "Bearer metrics-token-1")
        .send()
        .await;
    let text = r.0.into_body().into_string().await.unwrap();
    assert!(
        text.contains("kabinet_payments_pending{test=\"true\"} 1"),
        "{text}"
    );
    assert!(text.contains("kabinet_payments_test_gateway 1"), "{text}");
}

const FIRST: [(&str, &str); 5] = [
    ("address", "г. Уфа, ул. Пушкина, д. 10"),
    ("name", "Анна"),
    ("phone", "+7 (927) 555-45-67"),
    ("email", "anna@example.ru"),
    ("consent", "1"),
];

#[tokio::test]
async fn application_merge_keeps_the_first_visitors_data_and_referrer() {
    let app = TestApp::new().await;
    app.get("/join").await;
    app.post("/join", &FIRST).await;
    let id = app.count("SELECT id FROM applications WHERE phone = '79275554567'");
    app.db()
        .execute(
            "UPDATE applications SET referrer_contract_id = 3 WHERE id = ?1",
            [id],
        )
        .unwrap();

    // Another visitor, the same phone, another referral and other data.
    let other = TestApp::from_state(tempfile::tempdir().unwrap(), app.state.clone());
    let code: String = app
        .db()
        .query_row(
            "SELECT referral_code FROM contracts WHERE id = 2",
            [],
            |r| r.get(0),
        )
        .unwrap();
    other.get(&format!("/r/{code}")).await;
    other.get("/join").await;
    other
        .post(
            "/join",
            &[
                ("address", "г. Уфа, ул. Ленина, д. 5"),
                ("name", "Мошенник"),
                ("phone", "8 927 555 45 67"),
                ("email", "evil@example.ru"),
                ("consent", "1"),
            ],
        )
        .await;
    let (addr, name, email, referrer): (String, String, Option<String>, i64) = app
        .db()
        .query_row(
            "SELECT address, name, email, referrer_contract_id FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(addr, "г. Уфа, ул. Пушкина, д. 10");
    assert_eq!(name, "Анна");
    assert_ne!(email.as_deref(), Some("evil@example.ru"));
    assert_eq!(referrer, 3, "the referrer never changes");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79275554567'"),
        2,
        "the other data is an application of its own"
    );

    // A pure repeat that adds nothing new merges; the referrer stays.
    other.post("/join", &FIRST).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79275554567'"),
        2
    );
    assert_eq!(
        app.count(&format!(
            "SELECT referrer_contract_id FROM applications WHERE id = {id}"
        )),
        3
    );
}

#[tokio::test]
async fn failed_api_authentications_from_an_ip_do_not_block_a_valid_token() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let mut last = StatusCode::OK;
    for _ in 0..15 {
        last = call(
            &app,
            "GET",
            "/api/v1/requests",
            Some("kbt_guessguessguessguessguess"),
            None,
        )
        .await
        .0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "guessing is throttled");
    let (s, v) = call(&app, "GET", "/api/v1/requests", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

fn proxied() -> Config {
    let mut cfg = Config::default();
    cfg.security.trust_proxy_headers = true;
    cfg
}

#[tokio::test]
async fn client_ip_is_the_rightmost_hop_over_all_forwarded_for_lines() {
    let app = TestApp::with_config(proxied()).await;
    app.get("/login").await;
    // The client sent its own line; our proxy appended the real address as a second line.
    let r = app
        .client
        .post("/login")
        .header("cookie", cookies(&app))
        .header("x-csrf-token", app.csrf())
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-forwarded-for", "203.0.113.7")
        .form(&[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)])
        .send()
        .await;
    assert!(r.0.status().is_success() || r.0.status().is_redirection());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE ip = '203.0.113.7'"),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE ip = '6.6.6.6'"),
        0
    );
}

#[tokio::test]
async fn ipv6_addresses_of_one_64_share_a_rate_limit() {
    let app = TestApp::with_config(proxied()).await;
    app.get("/join").await;
    for i in 0..14 {
        let phone = format!("+7 927 000-00-{:02}", 10 + i);
        app.client
            .post("/join")
            .header("cookie", cookies(&app))
            .header("x-csrf-token", app.csrf())
            .header("x-forwarded-for", format!("2001:db8:1:2::{:x}", i + 1))
            .form(&[
                ("address", "г. Уфа, ул. Пушкина, д. 10"),
                ("name", "Анна"),
                ("phone", phone.as_str()),
                ("consent", "1"),
            ])
            .send()
            .await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone LIKE '79270000%'"),
        10,
        "limits.applications_per_ip_per_hour counts the whole /64"
    );
}

#[tokio::test]
async fn hsts_is_sent_over_tls_only() {
    let app = TestApp::with_config(proxied()).await;
    let r = app
        .client
        .get("/login")
        .header("x-forwarded-proto", "https")
        .send()
        .await;
    assert_eq!(
        r.0.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    let r = app.client.get("/login").send().await;
    assert!(r.0.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn demo_mode_shows_the_sms_code_only_for_demo_phones() {
    let app = TestApp::new().await;
    assert!(app.state.demo);
    app.get("/login/phone").await;
    let r = app
        .post("/login/phone", &[("phone", "+7 927 123-42-49")])
        .await;
    assert!(r.has_text("Демо-режим: код из SMS"), "{}", r.body);
    let r = app
        .post("/login/phone", &[("phone", "+7 912 345-67-89")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        !r.has_text("Демо-режим: код из SMS"),
        "a real number's code is not shown: {}",
        r.body
    );
}

#[tokio::test]
async fn session_lifetime_defaults_are_short_for_money() {
    let s = Config::default().sessions;
    assert!(s.idle_timeout_days <= 7, "{}", s.idle_timeout_days);
    assert!(s.absolute_max_days <= 30, "{}", s.absolute_max_days);
}
