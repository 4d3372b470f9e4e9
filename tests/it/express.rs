//! Issue 24, items 7 and 12: «Экспресс-оплата» (pay without a login). One lookup starts one
//! payment; starts are limited per IP and per contract; the site has a ceiling of pending
//! express payments; the lookup's token is opaque (no contract id in it).
use crate::{common::*, payments::between};
use poem::http::StatusCode;

const MAIN: &str = "72845736UL";
const OTHERS: [&str; 2] = ["78101424UL", "72718289UL"];

/// Looks a business contract up; returns the token of the «Оплатить» button.
async fn lookup(app: &TestApp, number: &str) -> String {
    app.get("/pay").await;
    let r = app
        .post(
            "/pay/find",
            &[("segment", "business"), ("contract", number)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    between(&r.body, "/pay/form?t=", "\"")
        .unwrap_or_else(|| panic!("no token in {}", r.body))
        .to_owned()
}

/// Starts a payment; the amount differs per key (as an attacker's would: the same amount again
/// reuses the pending payment).
async fn start(app: &TestApp, token: &str, key: &str) -> Resp {
    let amount = format!(
        "{}",
        100 + u64::from_str_radix(&key[key.len() - 4..], 16).unwrap()
    );
    app.post(
        "/pay/form",
        &[
            ("amount", &amount),
            ("email", "a@b.ru"),
            ("consent", "1"),
            ("key", key),
            ("t", token),
        ],
    )
    .await
}

fn key(i: usize) -> String {
    format!("{i:032x}")
}

fn payments(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM payments")
}

/// The finding: 30 provider payments in 0.1 s from one anonymous lookup.
#[tokio::test]
async fn thirty_payment_starts_from_one_express_lookup_make_one_payment() {
    let app = TestApp::new().await;
    let t = lookup(&app, MAIN).await;
    let first = start(&app, &t, &key(0)).await;
    assert!(first.header("hx-redirect").is_some(), "{}", first.body);
    let mut refused = 0;
    for i in 1..30 {
        let r = start(&app, &t, &key(i)).await;
        if r.status == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(r.has_text("платеж уже начат"), "{}", r.body);
            refused += 1;
        }
    }
    assert_eq!(refused, 29);
    assert_eq!(payments(&app), 1);
    // The same form again (a double click, a retry) is the same payment.
    let again = start(&app, &t, &key(0)).await;
    assert_eq!(again.header("hx-redirect"), first.header("hx-redirect"));
    assert_eq!(payments(&app), 1);
}

#[tokio::test]
async fn express_payment_starts_are_limited_per_contract() {
    let app = TestApp::new().await;
    for i in 0..5 {
        let t = lookup(&app, MAIN).await;
        let r = start(&app, &t, &key(i)).await;
        assert!(r.header("hx-redirect").is_some(), "start {i}: {}", r.body);
    }
    let t = lookup(&app, MAIN).await;
    let r = start(&app, &t, &key(99)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.has_text("Слишком много попыток. Попробуйте через"),
        "{}",
        r.body
    );
    assert_eq!(payments(&app), 5);
    // Another contract is not affected.
    let t = lookup(&app, OTHERS[0]).await;
    assert!(start(&app, &t, &key(100))
        .await
        .header("hx-redirect")
        .is_some());
}

#[tokio::test]
async fn express_payment_starts_are_limited_per_ip() {
    let mut cfg = kabinet::config::Config::default();
    cfg.payments.express_per_ip_per_minute = 100;
    let app = TestApp::with_config(cfg).await;
    let mut n = 0;
    for number in [MAIN, OTHERS[0], OTHERS[1]] {
        for _ in 0..4 {
            if n == 10 {
                break;
            }
            let t = lookup(&app, number).await;
            let r = start(&app, &t, &key(n)).await;
            assert!(r.header("hx-redirect").is_some(), "start {n}: {}", r.body);
            n += 1;
        }
    }
    let t = lookup(&app, OTHERS[1]).await;
    let r = start(&app, &t, &key(99)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.has_text("Слишком много попыток"), "{}", r.body);
    assert_eq!(payments(&app), 10);
}

#[tokio::test]
async fn a_site_wide_ceiling_on_pending_express_payments() {
    let app = TestApp::new().await;
    let now = app.state.clock.now();
    {
        let db = app.db();
        for i in 0..200 {
            db.execute(
                "INSERT INTO payments(contract_id, amount_kop, status, provider, idempotency_key,
                     created_at, updated_at)
                 VALUES (2, 10000, 'pending', 'sandbox', ?1, ?2, ?2)",
                rusqlite::params![format!("express:2:{i:032x}"), now],
            )
            .unwrap();
        }
    }
    let t = lookup(&app, MAIN).await;
    let r = start(&app, &t, &key(1)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.has_text("слишком много незавершенных оплат"),
        "{}",
        r.body
    );
    assert_eq!(payments(&app), 200);
    // A logged-in subscriber still pays.
    app.login_demo().await;
    let (r, _) = crate::payments::pay(&app, "100", "a@b.ru").await;
    assert!(r.header("hx-redirect").is_some(), "{}", r.body);
}

#[tokio::test]
async fn the_express_token_does_not_carry_the_contract_id() {
    let app = TestApp::new().await;
    let id = app.count(&format!("SELECT id FROM contracts WHERE number = '{MAIN}'"));
    let t1 = lookup(&app, MAIN).await;
    let t2 = lookup(&app, MAIN).await;
    for t in [&t1, &t2] {
        assert!(
            t.len() >= 32 && t.bytes().all(|b| b.is_ascii_hexdigit()),
            "an opaque random token: {t}"
        );
        assert!(
            !t.contains('.') && !t.starts_with(&format!("{id}.")),
            "{t} carries the contract id {id}"
        );
    }
    assert_ne!(t1, t2);
    let m = app.get_hx(&format!("/pay/form?t={t1}")).await;
    assert!(m.has_text("value=\"1200.00\""), "{}", m.body);
    // Unknown tokens (and the old signed form) are refused.
    for bad in [
        format!("{id}.9999999999.00000000000000000000000000000000"),
        "0".repeat(48),
    ] {
        let r = start(&app, &bad, &key(1)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.has_text("Найдите договор заново"), "{}", r.body);
    }
    assert_eq!(payments(&app), 0);
}
