//! «Автоплатеж»: connecting with a first payment, the scheduler, declines, restart.
use crate::{
    common::*,
    payments::{balance, between, sandbox_pay},
};
use kabinet::{app::jobs, build_state, config::Config};
use poem::http::StatusCode;

async fn connect_autopay(app: &TestApp, amount: &str) {
    let m = app.get_hx("/balance/autopay").await;
    for t in [
        "Автоплатеж - бесплатный сервис, благодаря которому всегда можно быть уверенным, что услуги будут работать",
        "В момент окончания услуги, при нехватке средств на счете для ее продления, оплата пройдет автоматически",
        "Нажимая \"Подключить\" вы соглашаетесь с",
        "*Сумма, которая спишется при подключении автоплатежа",
        "Сумма",
        "Отменить",
        "Подключить",
    ] {
        assert!(m.has_text(&maud::html! { (t) }.into_string()), "autopay modal lacks {t}");
    }
    let key = between(&m.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let bad = app
        .post(
            "/balance/autopay",
            &[
                ("amount", "abc"),
                ("email", "buh@example.ru"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/balance/autopay",
            &[
                ("amount", amount),
                ("email", "buh@example.ru"),
                ("key", &key),
            ],
        )
        .await;
    let checkout = r.header("hx-redirect").expect("checkout").to_owned();
    let page = app.get(&checkout).await;
    assert!(page.has_text("будет сохранена для автоплатежа"));
    let back = sandbox_pay(app, &checkout, "pay").await;
    // Back on the main page, which says what happened to the payment.
    let home = app.get(&back).await;
    assert!(home.header("location").unwrap().starts_with("/?payment="));
}

fn make_due(app: &TestApp) {
    app.db()
        .execute(
            "UPDATE services SET paid_until = '2020-01-31' WHERE contract_id = 1",
            [],
        )
        .unwrap();
}

#[tokio::test]
async fn autopay_connects_with_a_first_payment_and_charges_once_per_period() {
    let app = TestApp::new().await;
    app.login_demo().await;
    connect_autopay(&app, "100").await;
    assert_eq!(balance(&app, DEMO_CONTRACT), 10_000);
    let home = app.get("/").await;
    assert!(
        home.has_text("Автоплатеж подключен")
            && home.has_text("•••• 4242")
            && home.has_text("Отключить")
    );
    // Nothing due yet (demo services are paid until 2026-12-31 or later).
    app.db()
        .execute(
            "UPDATE services SET paid_until = '2999-01-01' WHERE contract_id = 1",
            [],
        )
        .unwrap();
    assert_eq!(jobs::autopay_tick(&app.state).await, 0);
    make_due(&app);
    let needed: i64 = app
        .db()
        .query_row("SELECT SUM(price_kop) FROM services WHERE contract_id = 1 AND status IN ('active','blocked_debt')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs::autopay_tick(&app.state).await, 1);
    assert_eq!(
        jobs::autopay_tick(&app.state).await,
        0,
        "never twice for the same period"
    );
    app.state.clock.advance(3 * 86_400);
    assert_eq!(
        jobs::autopay_tick(&app.state).await,
        0,
        "not even days later"
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), needed);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM autopay_attempts WHERE status = 'succeeded'"),
        1
    );
    let h = app.get_hx("/balance/history").await;
    assert!(h.has_text("Автоплатеж"));
    // The next period (a later paid_until) is charged again once the balance is short.
    app.db()
        .execute("UPDATE contracts SET balance_kop = 0 WHERE id = 1", [])
        .unwrap();
    app.db()
        .execute(
            "UPDATE services SET paid_until = '2020-02-29' WHERE contract_id = 1",
            [],
        )
        .unwrap();
    assert_eq!(jobs::autopay_tick(&app.state).await, 1);
    assert_eq!(jobs::autopay_tick(&app.state).await, 0);
    // «Отключить».
    let off = app.post("/balance/autopay/off", &[]).await;
    assert_eq!(off.status, StatusCode::OK);
    assert!(off.has_text("Автоплатеж отключен") && off.body.contains("hx-swap-oob"));
    assert!(!app.get("/").await.has_text("Автоплатеж подключен"));
    make_due(&app);
    app.db()
        .execute(
            "UPDATE services SET paid_until = '2020-03-31' WHERE contract_id = 1",
            [],
        )
        .unwrap();
    assert_eq!(jobs::autopay_tick(&app.state).await, 0, "off means off");
}

#[tokio::test]
async fn autopay_turns_off_with_a_notice_after_repeated_declines() {
    let mut cfg = Config::default();
    cfg.payments.sandbox_decline_saved = true;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    connect_autopay(&app, "100").await;
    app.db()
        .execute("UPDATE contracts SET balance_kop = 0 WHERE id = 1", [])
        .unwrap();
    make_due(&app);
    assert_eq!(jobs::autopay_tick(&app.state).await, 1);
    assert_eq!(
        jobs::autopay_tick(&app.state).await,
        0,
        "waits before retrying"
    );
    for _ in 0..2 {
        app.state.clock.advance(86_401);
        assert_eq!(jobs::autopay_tick(&app.state).await, 1);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM autopay_attempts WHERE status = 'declined'"),
        3
    );
    assert_eq!(
        app.count("SELECT enabled FROM autopay WHERE contract_id = 1"),
        0
    );
    let home = app.get("/").await;
    assert!(
        home.has_text("Автоплатеж отключен: банк 3 раза подряд отклонил списание"),
        "notice on the block"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Автоплатеж%отключен'"),
        1
    );
    app.state.clock.advance(86_401);
    assert_eq!(jobs::autopay_tick(&app.state).await, 0);
    assert_eq!(balance(&app, DEMO_CONTRACT), 0);
}

#[tokio::test]
async fn payments_and_autopay_survive_a_restart() {
    let app = TestApp::new().await;
    app.login_demo().await;
    connect_autopay(&app, "250").await;
    let path = app.dir.path().join("kabinet.db");
    let TestApp { dir, state, .. } = app;
    drop(state);
    let state = build_state(Config::default(), &path, true).expect("reopen");
    let app = TestApp::from_state(dir, state);
    app.login_demo().await;
    let home = app.get("/").await;
    assert!(home.has_text("250,00 ₽") && home.has_text("Автоплатеж подключен"));
    assert!(app.get_hx("/balance/history").await.has_text("+250,00 ₽"));
}
