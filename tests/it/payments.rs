//! Top-up: the payment modal, validation, the sandbox and YooKassa flows, idempotent crediting.
use crate::common::*;
use poem::http::StatusCode;
pub fn between<'a>(s: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let i = s.find(a)? + a.len();
    let j = s[i..].find(b)? + i;
    Some(&s[i..j])
}

pub fn balance(app: &TestApp, contract: &str) -> i64 {
    app.db()
        .query_row(
            "SELECT balance_kop FROM contracts WHERE number = ?1",
            [contract],
            |r| r.get(0),
        )
        .unwrap()
}

/// Opens the modal and submits it; returns the response and the form key used.
pub async fn pay(app: &TestApp, amount: &str, email: &str) -> (Resp, String) {
    let m = app.get_hx("/balance/pay").await;
    let key = between(&m.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/balance/pay",
            &[
                ("amount", amount),
                ("email", email),
                ("consent", "1"),
                ("key", &key),
            ],
        )
        .await;
    (r, key)
}

pub async fn notify(app: &TestApp, provider: &str, body: &str) -> StatusCode {
    let r = app
        .client
        .post(format!("/payments/notify/{provider}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await;
    r.0.status()
}

/// Pays on the sandbox checkout page the submit redirected to; returns where it sends us.
pub async fn sandbox_pay(app: &TestApp, checkout: &str, button: &str) -> String {
    let page = app.get(checkout).await;
    assert!(
        page.has_text("Оплатить") && page.has_text("Отказаться"),
        "{}",
        page.body
    );
    let r = app.post(&format!("{checkout}/{button}"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.header("location").unwrap().to_owned()
}

#[tokio::test]
async fn balance_block_has_topup_autopay_and_history() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let home = app.get("/").await;
    for t in [
        "Баланс",
        "Рекомендуемая сумма к оплате",
        "Пополнить",
        "Автоплатеж",
        "История баланса",
    ] {
        assert!(home.has_text(t), "main page lacks {t}");
    }
    let m = app.get_hx("/balance/pay").await;
    assert_eq!(m.status, StatusCode::OK);
    for t in [
        "Оплата услуг",
        "Сумма",
        "value=\"1200.00\"",
        "Получить чек по электронной почте",
        "Я согласен на списание средств с моей банковской карты и оплату услуг за указанного абонента",
        "Отменить",
        "Продолжить",
    ] {
        assert!(m.has_text(t), "payment modal lacks {t}");
    }
}

#[tokio::test]
async fn bad_amounts_give_clear_messages_and_create_no_payment() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let long = "1".repeat(10_000);
    let cases: [(&str, &str); 7] = [
        ("0", "больше нуля"),
        ("-5", "больше нуля"),
        ("1,005", "Не больше двух знаков после запятой"),
        ("abc", "Сумма должна быть числом"),
        ("1e9", "Сумма должна быть числом"),
        (&long, "Максимальная сумма"),
        ("", "Введите сумму"),
    ];
    for (amount, msg) in cases {
        let (r, _) = pay(&app, amount, "buh@example.ru").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount {amount:.20}"
        );
        assert!(
            r.has_text(msg),
            "amount {amount:.20}: no «{msg}» in {}",
            &r.body[..r.body.len().min(3000)]
        );
        assert!(
            r.body.len() < 20_000,
            "the 10 000 characters are not echoed back"
        );
    }
    let (r, _) = pay(&app, "600000", "buh@example.ru").await;
    assert!(
        r.has_text("Максимальная сумма — 500 000,00 ₽"),
        "{}",
        r.body
    );
    let (r, _) = pay(&app, "0,5", "buh@example.ru").await;
    assert!(r.has_text("Минимальная сумма — 1,00 ₽"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM payments"), 0);
}

#[tokio::test]
async fn email_and_consent_are_required() {
    let app = TestApp::new().await;
    app.login_demo().await;
    for email in ["", "buh@", "buh example.ru", "buh@example"] {
        let (r, _) = pay(&app, "100", email).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.has_text("электронной почт"), "email {email}: {}", r.body);
    }
    let m = app.get_hx("/balance/pay").await;
    let key = between(&m.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/balance/pay",
            &[
                ("amount", "100"),
                ("email", "buh@example.ru"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Нужно ваше согласие"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM payments"), 0);
}

#[tokio::test]
async fn sandbox_topup_credits_the_balance_history_and_queues_a_receipt() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "1 500,50", "buh@example.ru").await;
    let checkout = r
        .header("hx-redirect")
        .expect("redirect to checkout")
        .to_owned();
    assert!(checkout.starts_with("/sandbox/checkout/sb_"), "{checkout}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE status = 'pending' AND amount_kop = 150050"),
        1
    );
    let back = sandbox_pay(&app, &checkout, "pay").await;
    assert!(back.starts_with("/payments/return/"), "{back}");
    let r = app.get(&back).await;
    assert!(r.header("location").unwrap().starts_with("/?payment="));
    assert_eq!(balance(&app, DEMO_CONTRACT), 150050);
    let home = app.get("/").await;
    assert!(
        home.has_text("1 500,50 ₽"),
        "main page shows the new balance"
    );
    let h = app.get_hx("/balance/history").await;
    assert!(h.has_text("Пополнение баланса"));
    assert!(h.has_text("+1 500,50 ₽"), "history shows the payment");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE source LIKE 'payment:%'"),
        1
    );
    let (to, body): (String, String) = app
        .db()
        .query_row(
            "SELECT recipient, body FROM outbox WHERE channel = 'email'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(to, "buh@example.ru");
    let body = normalize(&body);
    assert!(
        body.contains("1 500,50 ₽") && body.contains(DEMO_CONTRACT),
        "{body}"
    );
    assert!(body.contains("зачислен"), "{body}");
    // The checkout page cannot be paid twice.
    let again = app.post(&format!("{checkout}/pay"), &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(balance(&app, DEMO_CONTRACT), 150050);
}

#[tokio::test]
async fn refusing_on_the_checkout_page_cancels_without_money() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "100", "buh@example.ru").await;
    let checkout = r.header("hx-redirect").unwrap().to_owned();
    sandbox_pay(&app, &checkout, "cancel").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE status = 'canceled'"),
        1
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), 0);
}

#[tokio::test]
async fn double_submit_and_second_tab_make_one_payment() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (first, key) = pay(&app, "700", "buh@example.ru").await;
    let again = app
        .post(
            "/balance/pay",
            &[
                ("amount", "700"),
                ("email", "buh@example.ru"),
                ("consent", "1"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(first.header("hx-redirect"), again.header("hx-redirect"));
    // Another tab: a different form key, same payment still pending → same checkout.
    let (tab, _) = pay(&app, "700", "buh@example.ru").await;
    assert_eq!(first.header("hx-redirect"), tab.header("hx-redirect"));
    assert_eq!(app.count("SELECT COUNT(*) FROM payments"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM sandbox_payments"), 1);
}

#[tokio::test]
async fn five_sequential_and_five_concurrent_notifications_credit_once() {
    let app = TestApp::new().await;
    app.login_demo().await;
    for round in 0..2 {
        let (r, _) = pay(&app, "100", "buh@example.ru").await;
        let checkout = r.header("hx-redirect").unwrap().to_owned();
        let id = checkout.rsplit('/').next().unwrap().to_owned();
        // The payer paid; the result is not reported yet.
        kabinet::services::payments::sandbox::decide(&app.db(), &id, true).unwrap();
        let body = kabinet::services::payments::notification_body("payment.succeeded", &id);
        if round == 0 {
            for _ in 0..5 {
                assert_eq!(notify(&app, "sandbox", &body).await, StatusCode::OK);
            }
        } else {
            let (a, b, c, d, e) = tokio::join!(
                notify(&app, "sandbox", &body),
                notify(&app, "sandbox", &body),
                notify(&app, "sandbox", &body),
                notify(&app, "sandbox", &body),
                notify(&app, "sandbox", &body)
            );
            for s in [a, b, c, d, e] {
                assert_eq!(s, StatusCode::OK);
            }
        }
        assert_eq!(balance(&app, DEMO_CONTRACT), 10_000 * (round + 1));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE source LIKE 'payment:%'"),
        2
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_events"), 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 2);
}

#[tokio::test]
async fn forged_or_unknown_notifications_change_nothing() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "100", "buh@example.ru").await;
    let id = r
        .header("hx-redirect")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    // Claims success, but the provider still says pending.
    let forged = kabinet::services::payments::notification_body("payment.succeeded", &id);
    assert_eq!(notify(&app, "sandbox", &forged).await, StatusCode::OK);
    let unknown = kabinet::services::payments::notification_body("payment.succeeded", "sb_nope");
    assert_eq!(
        notify(&app, "sandbox", &unknown).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        notify(&app, "sandbox", "not json").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        notify(&app, "yookassa", &forged).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_events"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payments WHERE status = 'pending'"),
        1
    );
}

#[tokio::test]
async fn one_contract_cannot_touch_anothers_money() {
    let a = TestApp::new().await;
    a.login_demo().await;
    let (r, _) = pay(&a, "100", "buh@example.ru").await;
    let checkout = r.header("hx-redirect").unwrap().to_owned();
    // Another contract, another session on the same server.
    let b = TestApp::from_state(crate::common::tempdir(), a.state.clone());
    b.login("72718289UL", DEMO_PASSWORD).await;
    // B's history shows B's ledger only.
    let h = b.get_hx("/balance/history").await;
    assert!(
        h.has_text("-15,00 ₽") && !h.has_text("Взаимозачеты"),
        "{}",
        h.body
    );
    // B pays: it lands on B's contract; A's pending payment is not reused for B.
    let (rb, _) = pay(&b, "100", "buh@example.ru").await;
    assert_ne!(rb.header("hx-redirect").unwrap(), checkout);
    sandbox_pay(&b, rb.header("hx-redirect").unwrap(), "pay").await;
    assert_eq!(balance(&a, "72718289UL"), -1_500 + 10_000);
    assert_eq!(balance(&a, DEMO_CONTRACT), 0);
    // B switching autopay off does not touch A's autopay.
    a.db()
        .execute(
            "INSERT INTO autopay(contract_id, enabled, amount_kop, provider, payment_method_id, card_mask, created_at, updated_at)
             VALUES (1, 1, 10000, 'sandbox', 'pm', 'Visa •••• 4242', 0, 0)",
            [],
        )
        .unwrap();
    b.get("/").await;
    b.post("/balance/autopay/off", &[]).await;
    assert_eq!(
        a.count("SELECT enabled FROM autopay WHERE contract_id = 1"),
        1
    );
}
