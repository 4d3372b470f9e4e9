//! The YooKassa adapter against a stand-in server on 127.0.0.1; the pending re-check job.
use crate::{
    common::*,
    payments::{balance, between, notify, pay},
    yookassa_stub::*,
};
use poem::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yookassa_adapter_speaks_the_api_and_verifies_notifications() {
    let stub = Stub::start().await;
    let app = TestApp::with_config(stub.config()).await;
    app.login_demo().await;
    let (r, key) = pay(&app, "1200", "buh@example.ru").await;
    let url = r.header("hx-redirect").expect("redirect").to_owned();
    assert!(url.starts_with("https://yoomoney.test/checkout"), "{url}");
    let id = stub.last_id();
    {
        let s = stub.state.lock().unwrap();
        let (idem, body) = &s.creates[0];
        assert!(idem.ends_with(&key), "Idempotence-Key carries the form key");
        assert_eq!(body["amount"]["value"], "1200.00");
        assert_eq!(body["amount"]["currency"], "RUB");
        assert_eq!(body["capture"], true);
        assert_eq!(body["confirmation"]["type"], "redirect");
        assert!(body["confirmation"]["return_url"]
            .as_str()
            .unwrap()
            .starts_with("https://lk.example.ru/payments/return/"));
        assert_eq!(body["receipt"]["customer"]["email"], "buh@example.ru");
        assert_eq!(body["receipt"]["items"][0]["amount"]["value"], "1200.00");
        assert_eq!(body["receipt"]["items"][0]["quantity"], "1.00");
    }
    // A notification before the payer paid: fetched back, still pending → nothing.
    assert_eq!(
        notify(&app, "yookassa", &notification("payment.succeeded", &id)).await,
        StatusCode::OK
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), 0);
    stub.set_status(&id, "succeeded");
    for _ in 0..5 {
        assert_eq!(
            notify(&app, "yookassa", &notification("payment.succeeded", &id)).await,
            StatusCode::OK
        );
    }
    assert_eq!(balance(&app, DEMO_CONTRACT), 120_000);
    // A late «canceled» after «succeeded» is ignored.
    stub.set_status(&id, "canceled");
    assert_eq!(
        notify(&app, "yookassa", &notification("payment.canceled", &id)).await,
        StatusCode::OK
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), 120_000);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE status = 'succeeded'"),
        1
    );
    // Unknown to the gateway → 400, nothing stored.
    assert_eq!(
        notify(
            &app,
            "yookassa",
            &notification("payment.succeeded", "2d000099-000f-5000-9000-1b68e7b15f3f")
        )
        .await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE source LIKE 'payment:%'"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_settles_payments_stuck_in_pending() {
    let stub = Stub::start().await;
    let app = TestApp::with_config(stub.config()).await;
    app.login_demo().await;
    pay(&app, "300", "buh@example.ru").await;
    let id = stub.last_id();
    stub.set_status(&id, "succeeded");
    // Too fresh to re-check.
    assert_eq!(kabinet::app::jobs::recheck_pending(&app.state).await, 0);
    app.state.clock.advance(600);
    assert_eq!(kabinet::app::jobs::recheck_pending(&app.state).await, 1);
    assert_eq!(balance(&app, DEMO_CONTRACT), 30_000);
    assert_eq!(kabinet::app::jobs::recheck_pending(&app.state).await, 0);
}

#[tokio::test]
async fn provider_down_keeps_the_form_and_money_untouched() {
    let mut cfg = kabinet::config::Config::default();
    cfg.payments.provider = kabinet::config::ProviderKind::Yookassa;
    cfg.payments.yookassa.shop_id = SHOP.into();
    cfg.payments.yookassa.secret_key = SECRET.into();
    cfg.payments.yookassa.api_url = "http://127.0.0.1:9/v3".into();
    cfg.outbound.insecure_hosts = vec!["127.0.0.1".into()];
    cfg.payments.yookassa.timeout_secs = 2;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    let (r, _) = pay(&app, "300", "buh@example.ru").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.has_text("Платежная система сейчас недоступна"),
        "{}",
        r.body
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yookassa_saves_the_card_and_autopay_charges_it() {
    let stub = Stub::start().await;
    let app = TestApp::with_config(stub.config()).await;
    app.login_demo().await;
    let m = app.get_hx("/balance/autopay").await;
    let key = between(&m.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/balance/autopay",
            &[
                ("amount", "100"),
                ("email", "buh@example.ru"),
                ("key", &key),
            ],
        )
        .await;
    assert!(r
        .header("hx-redirect")
        .unwrap()
        .starts_with("https://yoomoney.test/"));
    let setup = stub.last_id();
    assert_eq!(
        stub.state.lock().unwrap().creates[0].1["save_payment_method"],
        true
    );
    stub.set_status(&setup, "succeeded");
    assert_eq!(
        notify(&app, "yookassa", &notification("payment.succeeded", &setup)).await,
        StatusCode::OK
    );
    let home = app.get("/").await;
    assert!(
        home.has_text("Автоплатеж подключен") && home.has_text("MasterCard •••• 4444"),
        "card mask shown"
    );
    app.db()
        .execute(
            "UPDATE services SET paid_until = '2020-01-31' WHERE contract_id = 1",
            [],
        )
        .unwrap();
    app.db()
        .execute("UPDATE contracts SET balance_kop = 0 WHERE id = 1", [])
        .unwrap();
    assert_eq!(kabinet::app::jobs::autopay_tick(&app.state).await, 1);
    assert_eq!(kabinet::app::jobs::autopay_tick(&app.state).await, 0);
    {
        let s = stub.state.lock().unwrap();
        let (_, body) = s.creates.last().unwrap();
        assert_eq!(
            body["payment_method_id"],
            format!("pm-{setup}"),
            "charges the saved method"
        );
        assert!(
            body.get("confirmation").is_none(),
            "no checkout page for a saved card"
        );
    }
    let needed: i64 = app
        .db()
        .query_row("SELECT SUM(price_kop) FROM services WHERE contract_id = 1 AND status IN ('active','blocked_debt')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(balance(&app, DEMO_CONTRACT), needed);
}

/// Issue 24, item 4: the gateway is called through the one outbound client. A gateway URL
/// whose name resolves to loopback (here `localhost`, with something listening) is refused
/// before any connection, and the payer sees the usual «недоступна» message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_url_resolving_to_loopback_is_never_connected_to() {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = accepted.clone();
    let task = tokio::spawn(async move {
        while let Ok((_s, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut cfg = kabinet::config::Config::default();
    cfg.payments.provider = kabinet::config::ProviderKind::Yookassa;
    cfg.payments.public_url = Some("https://lk.example.ru".into());
    cfg.payments.yookassa.shop_id = SHOP.into();
    cfg.payments.yookassa.secret_key = SECRET.into();
    cfg.payments.yookassa.api_url = format!("https://localhost:{port}/v3");
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    let (r, _) = pay(&app, "1200", "buh@example.ru").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.has_text("Платежная система сейчас недоступна"),
        "{}",
        r.body
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "no connection to loopback"
    );
    task.abort();
}
