//! Notifications: events become the notices the subscriber chose, once each (repeated, and
//! across a restart), within the daily cap and SMS quiet hours; Web Push reaches a stand-in
//! push service as a VAPID-signed, RFC 8291-encrypted message.
use crate::{
    common::{TestApp, DEMO_CONTRACT},
    push_stub::PushStub,
    staff::staff_login,
};
use kabinet::{app::notify, config::Config, state::SharedState};

pub fn push_config() -> Config {
    let mut cfg = Config::default();
    cfg.notify.push.allow_http = true;
    cfg.notify.push.allowed_hosts = vec!["127.0.0.1".into()];
    cfg.outbound.insecure_hosts = vec!["127.0.0.1".into()];
    cfg.notify.public_url = Some("https://lk.example.ru".into());
    cfg
}

/// A demo request still open, and its id.
fn open_request(app: &TestApp) -> i64 {
    app.count(&format!(
        "SELECT id FROM requests WHERE status = 'new' AND contract_id =
           (SELECT id FROM contracts WHERE number = '{DEMO_CONTRACT}') ORDER BY id LIMIT 1"
    ))
}

pub async fn subscribe(app: &TestApp, stub: &PushStub, device: &str) {
    let sub = stub.subscribe(device);
    let r = app
        .client
        .post("/notifications/push")
        .header("cookie", cookie_header(app))
        .header("x-csrf-token", app.csrf())
        .header("content-type", "application/json")
        .body(sub.to_string())
        .send()
        .await;
    r.assert_status(poem::http::StatusCode::CREATED);
}

pub fn cookie_header(app: &TestApp) -> String {
    ["kabinet_session", "kabinet_csrf", "kabinet_staff"]
        .iter()
        .filter_map(|n| app.cookie(n).map(|v| format!("{n}={v}")))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn run(st: &SharedState) -> notify::Run {
    notify::run(st).await
}

fn emails_to(app: &TestApp, to: &str, like: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND recipient = '{to}' AND subject LIKE '{like}'"
    ))
}

#[tokio::test]
async fn staff_status_change_reaches_push_and_email_once() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    stub.log.lock().unwrap().expect_key = Some(app.state.push.vapid.public_key().to_owned());
    app.login_demo().await;
    app.get("/").await;
    subscribe(&app, &stub, "phone").await;
    let id = open_request(&app);
    staff_login(&app, "operator").await;
    let r = app
        .post(
            &format!("/staff/requests/{id}"),
            &[("status", "in_progress"), ("comment", "Взяли в работу")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Nothing is sent by the request itself.
    assert!(stub.received().is_empty());
    let first = run(&app.state).await;
    assert_eq!(first.pushes, 1, "{first:?} refused: {:?}", stub.refused());
    let got = stub.received();
    assert_eq!(got.len(), 1);
    let title = got[0].1["title"].as_str().unwrap();
    assert!(title.contains("в работе"), "{title}");
    assert_eq!(got[0].1["url"], format!("/requests/{id}"));
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Заявка «%в работе"), 1);
    // The body links the request and a one-click unsubscribe.
    let body: String = app
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE recipient = ?1 ORDER BY id DESC LIMIT 1",
            [notify::DEMO_EMAIL],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        body.contains(&format!("https://lk.example.ru/requests/{id}")),
        "{body}"
    );
    assert!(
        body.contains("https://lk.example.ru/notifications/unsubscribe/"),
        "{body}"
    );
    // Running again (the job's next tick) sends nothing more.
    let again = run(&app.state).await;
    assert_eq!(again, notify::Run::default());
    assert_eq!(stub.received().len(), 1);
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Заявка «%"), 1);
}

#[tokio::test]
async fn an_event_survives_a_restart_and_is_announced_once() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    subscribe(&app, &stub, "laptop").await;
    let id = open_request(&app);
    staff_login(&app, "operator").await;
    app.post(
        &format!("/staff/requests/{id}"),
        &[("status", "in_progress"), ("comment", "")],
    )
    .await;
    // The process stops before the job ran; a new one starts on the same file.
    let path = app.dir.path().join("kabinet.db");
    let st2 = kabinet::build_state(push_config(), &path, false).unwrap();
    run(&st2).await;
    assert_eq!(stub.received().len(), 1);
    // And once more after another restart, with the first process running too.
    let st3 = kabinet::build_state(push_config(), &path, false).unwrap();
    run(&st3).await;
    run(&app.state).await;
    assert_eq!(stub.received().len(), 1);
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Заявка «%"), 1);
    // A comment within the same status is no new event.
    app.post(
        &format!("/staff/requests/{id}"),
        &[("status", "in_progress"), ("comment", "Уточняем")],
    )
    .await;
    run(&app.state).await;
    assert_eq!(stub.received().len(), 1);
}

#[tokio::test]
async fn settings_choose_the_channels() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    subscribe(&app, &stub, "tablet").await;
    let form = app.get_hx("/notifications").await;
    assert_eq!(form.status, 200);
    assert!(form.has_text("Статус заявки изменился"));
    assert!(
        form.has_text(notify::DEMO_EMAIL),
        "the current e-mail is shown"
    );
    // Requests: push only; a phone for SMS.
    let r = app
        .post(
            "/notifications",
            &[
                ("request_status.push", "on"),
                ("payment.email", "on"),
                ("email", notify::DEMO_EMAIL),
                ("phone", "+7 927 123-42-49"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Настройки уведомлений сохранены"));
    let id = open_request(&app);
    staff_login(&app, "operator").await;
    app.post(
        &format!("/staff/requests/{id}"),
        &[("status", "in_progress"), ("comment", "")],
    )
    .await;
    run(&app.state).await;
    assert_eq!(stub.received().len(), 1);
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Заявка «%"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE channel = 'sms'"),
        0
    );
}

#[tokio::test]
async fn unknown_event_or_channel_is_refused_and_nothing_changes() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/notifications").await;
    for field in ["request_status.fax", "weather.email", "request_status"] {
        let r = app
            .post("/notifications", &[(field, "on"), ("payment.sms", "on")])
            .await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        assert!(r.has_text("Неизвестное уведомление или способ доставки"));
    }
    let r = app
        .post("/notifications", &[("email", "not-an-address")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Введите адрес электронной почты"));
    assert_eq!(app.count("SELECT COUNT(*) FROM notice_prefs"), 0);
}

#[tokio::test]
async fn push_subscriptions_must_be_https_on_a_push_service() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get("/").await;
    let post = |body: String| {
        app.client
            .post("/notifications/push")
            .header("cookie", cookie_header(&app))
            .header("x-csrf-token", app.csrf())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let keys = r#""keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}"#;
    for endpoint in [
        "http://fcm.googleapis.com/fcm/send/x",
        "https://evil.example/steal",
        "https://127.0.0.1/x",
    ] {
        let r = post(format!(r#"{{"endpoint":"{endpoint}",{keys}}}"#)).await;
        r.assert_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    let long = format!("https://fcm.googleapis.com/{}", "a".repeat(3000));
    let r = post(format!(r#"{{"endpoint":"{long}",{keys}}}"#)).await;
    assert!(r.0.status().is_client_error());
    let r = post(r#"{"endpoint":"https://fcm.googleapis.com/fcm/send/x","keys":{"p256dh":"AAAA","auth":"x"}}"#.into()).await;
    r.assert_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(format!(
        r#"{{"endpoint":"https://fcm.googleapis.com/fcm/send/ok",{keys}}}"#
    ))
    .await;
    r.assert_status(poem::http::StatusCode::CREATED);
    assert_eq!(app.count("SELECT COUNT(*) FROM push_subscriptions"), 1);
}

#[tokio::test]
async fn a_gone_subscription_is_removed() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    subscribe(&app, &stub, "old").await;
    subscribe(&app, &stub, "new").await;
    stub.log.lock().unwrap().gone.push("old".into());
    let id = open_request(&app);
    staff_login(&app, "operator").await;
    app.post(
        &format!("/staff/requests/{id}"),
        &[("status", "in_progress"), ("comment", "")],
    )
    .await;
    run(&app.state).await;
    assert_eq!(stub.received().len(), 1);
    assert_eq!(stub.received()[0].0, "new");
    assert_eq!(app.count("SELECT COUNT(*) FROM push_subscriptions"), 1);
}

/// A payment stored by the billing system (a ledger entry) is announced; the same entry
/// again (its source is unique) is not a second event.
pub fn billing_payment(app: &TestApp, source: &str, kop: i64) -> bool {
    let now = app.state.clock.now();
    app.db()
        .execute(
            "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
             SELECT id, 'payment', 'Оплата по счету', ?1, balance_kop + ?1, ?2, ?3, ?2 FROM contracts WHERE number = ?4",
            rusqlite::params![kop, now, source, DEMO_CONTRACT],
        )
        .is_ok()
}

#[tokio::test]
async fn payments_are_announced_once_and_capped_per_day() {
    let mut cfg = Config::default();
    cfg.notify.daily_cap_per_contract = 3;
    let app = TestApp::with_config(cfg).await;
    assert!(billing_payment(&app, "bank:1", 120_000));
    assert!(
        !billing_payment(&app, "bank:1", 120_000),
        "a repeated entry"
    );
    run(&app.state).await;
    assert_eq!(
        emails_to(&app, notify::DEMO_EMAIL, "Платеж зачислен: 1%200,00%"),
        1
    );
    for i in 2..=6 {
        assert!(billing_payment(&app, &format!("bank:{i}"), 100 * i));
    }
    run(&app.state).await;
    // 3 a day: the first and two more; the rest are recorded, not sent.
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Платеж зачислен%"), 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notice_events WHERE state = 'capped'"),
        3
    );
    // The next day the cap starts again.
    app.state.clock.advance(86_400 + 60);
    assert!(billing_payment(&app, "bank:7", 700));
    run(&app.state).await;
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Платеж зачислен%"), 4);
}

#[tokio::test]
async fn sms_waits_for_the_end_of_quiet_hours() {
    let mut cfg = Config::default();
    // Quiet now: from an hour ago to an hour ahead (in the operator's zone).
    let tz = jiff::tz::TimeZone::get(&cfg.time_zone).unwrap();
    let now = jiff::Timestamp::now().to_zoned(tz);
    let hhmm = |z: jiff::Zoned| format!("{:02}:{:02}", z.hour(), z.minute());
    cfg.notify.sms_quiet_from = hhmm(now.checked_sub(jiff::Span::new().hours(1)).unwrap());
    cfg.notify.sms_quiet_to = hhmm(now.checked_add(jiff::Span::new().hours(1)).unwrap());
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    app.get_hx("/notifications").await;
    let r = app
        .post(
            "/notifications",
            &[("payment.sms", "on"), ("phone", "+7 927 123-42-49")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    confirm_phone(&app, "79271234249", &[("payment.sms", "on")]).await;
    assert!(billing_payment(&app, "bank:night", 50_000));
    run(&app.state).await;
    let sms = "SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND recipient = '79271234249'
               AND body NOT LIKE '%код подтверждения%'";
    assert_eq!(app.count(sms), 0, "no SMS in quiet hours");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE channel = 'sms' AND status = 'pending'"),
        1
    );
    app.state.clock.advance(3600 + 120);
    run(&app.state).await;
    assert_eq!(app.count(sms), 1, "sent when the quiet hours end");
    run(&app.state).await;
    assert_eq!(app.count(sms), 1);
}

#[tokio::test]
async fn the_unsubscribe_link_turns_off_that_email_in_one_click() {
    let mut cfg = Config::default();
    cfg.notify.public_url = Some("https://lk.example.ru".into());
    let app = TestApp::with_config(cfg).await;
    assert!(billing_payment(&app, "bank:u1", 10_000));
    run(&app.state).await;
    let body: String = app
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE recipient = ?1 ORDER BY id DESC LIMIT 1",
            [notify::DEMO_EMAIL],
            |r| r.get(0),
        )
        .unwrap();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/notifications/unsubscribe/"))
        .unwrap()
        .trim_start_matches("https://lk.example.ru")
        .to_owned();
    // Not logged in: the signed link is enough.
    let r = app.get(&link).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Вы отписались от писем «Платеж зачислен»"));
    assert!(billing_payment(&app, "bank:u2", 10_000));
    run(&app.state).await;
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Платеж зачислен%"), 1);
    // A forged link changes nothing.
    let forged = link.replace("payment", "document");
    assert_eq!(app.get(&forged).await.status, 404);
}

#[tokio::test]
async fn a_push_service_that_is_down_leaves_the_notice_queued_in_metrics() {
    let mut cfg = push_config();
    cfg.security.metrics_token = Some("metrics-token".into());
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    app.get("/").await;
    let stub = PushStub::start().await;
    // A subscription pointing at a port where nothing listens.
    let mut sub = stub.subscribe("x");
    sub["endpoint"] = "http://127.0.0.1:9/push/x".into();
    let r = app
        .client
        .post("/notifications/push")
        .header("cookie", cookie_header(&app))
        .header("x-csrf-token", app.csrf())
        .header("content-type", "application/json")
        .body(sub.to_string())
        .send()
        .await;
    r.assert_status(poem::http::StatusCode::CREATED);
    assert!(billing_payment(&app, "bank:down", 10_000));
    run(&app.state).await;
    let m = app
        .client
        .get("/metrics")
        .header("authorization", "Bearer metrics-token")
        .send()
        .await;
    let text = m.0.into_body().into_string().await.unwrap();
    assert!(
        text.contains("kabinet_notices_pending{channel=\"push\"} 1"),
        "{text}"
    );
    assert_eq!(
        app.count("SELECT attempts FROM notices WHERE channel = 'push' AND status = 'pending'"),
        1
    );
}

#[tokio::test]
async fn a_staff_broadcast_is_audited_delivered_and_shown_until_it_ends() {
    let app = TestApp::new().await;
    staff_login(&app, "admin").await;
    let page = app.get("/staff/broadcasts").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.has_text("Новое объявление"));
    let today = jiff::Timestamp::now()
        .to_zoned(app.state.tz.clone())
        .date()
        .to_string();
    // An unknown contract number: nothing is sent.
    let r = app
        .post(
            "/staff/broadcasts",
            &[
                ("title", "Плановые работы"),
                (
                    "body",
                    "3 декабря с 02:00 до 04:00 возможны перерывы связи.",
                ),
                ("contracts", "72845736UL, NOPE-1"),
                ("until", &today),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Нет таких договоров: NOPE-1"));
    assert_eq!(app.count("SELECT COUNT(*) FROM broadcasts"), 0);
    let r = app
        .post(
            "/staff/broadcasts",
            &[
                ("title", "Плановые работы"),
                (
                    "body",
                    "3 декабря с 02:00 до 04:00 возможны перерывы связи.",
                ),
                ("contracts", "72845736UL"),
                ("until", &today),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Объявление отправлено: договоров 1"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'broadcast.create'"),
        1
    );
    run(&app.state).await;
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Плановые работы"), 1);
    // The subscriber sees the banner on the main page; another contract does not.
    let sub = TestApp::from_state(crate::common::tempdir(), app.state.clone());
    sub.login_demo().await;
    let main = sub.get("/").await;
    assert!(main.has_text("возможны перерывы связи"), "{}", main.body);
    let other = app.count("SELECT id FROM contracts WHERE number = '78101424UL'");
    assert!(app
        .state
        .banners
        .for_contract(other, app.state.clock.now())
        .is_empty());
    // To all: one event per contract that is not closed.
    let r = app
        .post(
            "/staff/broadcasts",
            &[
                ("title", "Авария"),
                ("body", "Устраняем."),
                ("to_all", "on"),
                (
                    "until",
                    &jiff::Timestamp::now()
                        .to_zoned(app.state.tz.clone())
                        .date()
                        .checked_add(jiff::Span::new().days(3))
                        .unwrap()
                        .to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let keys: Vec<String> = app
        .db()
        .prepare("SELECT key || ' ' || state FROM notice_events WHERE kind = 'broadcast'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notice_events WHERE kind = 'broadcast' AND key LIKE 'broadcast:2:%'"),
        app.count("SELECT COUNT(*) FROM contracts WHERE status <> 'closed'"),
        "{keys:?}"
    );
    // After its last day it is gone.
    app.state.clock.advance(2 * 86_400);
    sub.login_demo().await;
    let later = sub.get("/").await;
    assert!(!later.has_text("возможны перерывы связи"));
    assert!(
        later.has_text("Устраняем."),
        "the broadcast to all still shows"
    );
}

fn demo_contract_id(app: &TestApp) -> i64 {
    app.count(&format!(
        "SELECT id FROM contracts WHERE number = '{DEMO_CONTRACT}'"
    ))
}

/// The demo contract with its monthly services due in two days and 1,00 ₽ on the balance;
/// returns its id.
fn short_before_charge(app: &TestApp) -> i64 {
    let cid = demo_contract_id(app);
    let soon = jiff::Timestamp::now()
        .to_zoned(app.state.tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(2))
        .unwrap()
        .to_string();
    app.db()
        .execute(
            "UPDATE services SET status = 'active', period = 'month', paid_until = ?2 WHERE contract_id = ?1",
            rusqlite::params![cid, soon],
        )
        .unwrap();
    app.db()
        .execute(
            "UPDATE contracts SET balance_kop = 100 WHERE id = ?1",
            [cid],
        )
        .unwrap();
    cid
}

#[tokio::test]
async fn a_low_balance_before_the_next_charge_is_announced_once() {
    let app = TestApp::new().await;
    let cid = short_before_charge(&app);
    assert_eq!(notify::low_balance_scan(&app.state).await.unwrap(), 1);
    assert_eq!(
        notify::low_balance_scan(&app.state).await.unwrap(),
        0,
        "once per charge date"
    );
    run(&app.state).await;
    assert_eq!(
        emails_to(
            &app,
            notify::DEMO_EMAIL,
            "Пополните баланс по договору № 72845736UL"
        ),
        1
    );
    // Enough money: nothing to say.
    app.db()
        .execute(
            "UPDATE contracts SET balance_kop = 100000000 WHERE id = ?1",
            [cid],
        )
        .unwrap();
    app.db().execute("DELETE FROM notice_events", []).unwrap();
    assert_eq!(notify::low_balance_scan(&app.state).await.unwrap(), 0);
}

#[tokio::test]
async fn service_suspension_and_restoration_are_two_events() {
    let app = TestApp::new().await;
    let cid = demo_contract_id(&app);
    let sid = app.count(&format!(
        "SELECT id FROM services WHERE contract_id = {cid} AND status = 'active' ORDER BY id LIMIT 1"
    ));
    app.db()
        .execute(
            "UPDATE services SET status = 'suspended' WHERE id = ?1",
            [sid],
        )
        .unwrap();
    run(&app.state).await;
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "%: приостановлена"), 1);
    // The billing API replaces the whole list: the same service back as active is a restoration.
    app.db()
        .execute_batch(&format!(
            "CREATE TEMP TABLE s AS SELECT * FROM services WHERE contract_id = {cid};
             DELETE FROM services WHERE contract_id = {cid};
             UPDATE s SET status = 'active' WHERE id = {sid};
             INSERT INTO services SELECT * FROM s;"
        ))
        .unwrap();
    run(&app.state).await;
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "%: активна"), 1);
    // Replacing it again unchanged says nothing.
    app.db()
        .execute_batch(&format!(
            "DELETE FROM s; INSERT INTO s SELECT * FROM services WHERE contract_id = {cid};
             DELETE FROM services WHERE contract_id = {cid}; INSERT INTO services SELECT * FROM s;"
        ))
        .unwrap();
    run(&app.state).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notice_events WHERE kind = 'service_status'"),
        2
    );
}

#[tokio::test]
async fn autopay_results_are_announced_and_the_charge_is_not_also_a_payment() {
    let app = TestApp::new().await;
    let cid = demo_contract_id(&app);
    let now = app.state.clock.now();
    let c = app.db();
    c.execute(
        "INSERT INTO payments(contract_id, purpose, amount_kop, provider, idempotency_key, status, created_at, updated_at)
         VALUES (?1, 'autopay', 120000, 'sandbox', 'k-auto-1', 'succeeded', ?2, ?2)",
        rusqlite::params![cid, now],
    )
    .unwrap();
    let pid = c.last_insert_rowid();
    c.execute(
        "INSERT INTO autopay_attempts(contract_id, period, attempt, payment_id, amount_kop, created_at, updated_at)
         VALUES (?1, '2026-12', 1, ?2, 120000, ?3, ?3)",
        rusqlite::params![cid, pid, now],
    )
    .unwrap();
    c.execute(
        "UPDATE autopay_attempts SET status = 'succeeded', updated_at = ?2 WHERE payment_id = ?1",
        rusqlite::params![pid, now],
    )
    .unwrap();
    c.execute(
        "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
         VALUES (?1, 'payment', 'Автоплатеж', 120000, 120000, ?2, ?3, ?2)",
        rusqlite::params![cid, now, format!("payment:{pid}")],
    )
    .unwrap();
    drop(c);
    run(&app.state).await;
    assert_eq!(
        emails_to(&app, notify::DEMO_EMAIL, "Автоплатеж: списано 1%200,00%"),
        1
    );
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Платеж зачислен%"), 0);
}

#[tokio::test]
async fn an_account_keeps_at_most_twenty_push_devices() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    for i in 0..25 {
        subscribe(&app, &stub, &format!("d{i}")).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM push_subscriptions"), 20);
    // The newest stay.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM push_subscriptions WHERE endpoint LIKE '%/push/d24'"),
        1
    );
}

/// Notices follow the company roles (issue 15): an «Инженер» hears nothing of money, a
/// «Бухгалтер» does; both hear of a service change.
#[tokio::test]
async fn money_notices_go_only_to_roles_that_see_money() {
    use kabinet::domain::role::Role;
    let app = TestApp::new().await;
    // account 11 holds the demo contract (by phone) and has its own e-mail for notices
    let now = app.state.clock.now();
    app.db()
        .execute(
            "INSERT INTO notice_contacts(account_id, email, updated_at) VALUES (11, 'eng@example.ru', ?1)",
            [now],
        )
        .unwrap();
    let cid = demo_contract_id(&app);
    crate::roles::set_role(&app, 11, cid, Role::Engineer);
    assert!(billing_payment(&app, "bank:role-1", 50_000));
    run(&app.state).await;
    assert_eq!(emails_to(&app, notify::DEMO_EMAIL, "Платеж зачислен%"), 1);
    assert_eq!(
        emails_to(&app, "eng@example.ru", "%"),
        0,
        "no money notice to an engineer"
    );
    crate::roles::set_role(&app, 11, cid, Role::Accountant);
    assert!(billing_payment(&app, "bank:role-2", 60_000));
    run(&app.state).await;
    assert_eq!(emails_to(&app, "eng@example.ru", "Платеж зачислен%"), 1);
}

/// The background loop itself (not one `run` called by the test): its first round scans for
/// low balances and delivers. Its hourly-scan bookkeeping once started from `i64::MIN`, which
/// overflowed (a panic in debug builds, no scan ever in release).
#[tokio::test]
async fn the_background_job_scans_and_delivers_on_its_own() {
    let mut cfg = Config::default();
    cfg.notify.job_interval_secs = 1;
    let app = TestApp::with_config(cfg).await;
    short_before_charge(&app);
    let job = notify::spawn(app.state.clone());
    crate::common::eventually(
        std::time::Duration::from_secs(10),
        "the low-balance e-mail from the background job",
        || async {
            emails_to(&app, notify::DEMO_EMAIL, "Пополните баланс по договору%") == 1
        },
    )
    .await;
    assert!(!job.is_finished(), "the job keeps running");
    job.abort();
}

/// Confirms the notice phone with the code the confirmation SMS carried.
pub async fn confirm_phone(app: &TestApp, phone: &str, prefs: &[(&str, &str)]) {
    let body: String = app
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' AND recipient = ?1
             AND body LIKE '%код подтверждения%' ORDER BY id DESC LIMIT 1",
            [phone],
            |r| r.get(0),
        )
        .expect("a confirmation SMS");
    let code: String = body.chars().take(6).collect();
    let mut form = prefs.to_vec();
    form.extend([("phone", phone), ("phone_code", code.as_str())]);
    let r = app.post("/notifications", &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_new_notice_contact_gets_nothing_until_its_code_confirms_it() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/notifications").await;
    let r = app
        .post(
            "/notifications",
            &[("payment.email", "on"), ("email", "someone@example.org")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.has_text("Код из письма для подтверждения адреса"),
        "{}",
        r.body
    );
    // A payment notice goes to the contract's default, not to the unconfirmed address.
    assert!(billing_payment(&app, "bank:unconfirmed", 10_000));
    run(&app.state).await;
    assert_eq!(
        emails_to(&app, "someone@example.org", "Платеж зачислен%"),
        0
    );
    // A wrong code is refused by the field; the right one confirms.
    let r = app
        .post(
            "/notifications",
            &[("email", "someone@example.org"), ("email_code", "000000")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has_text("Неверный код"));
    let body: String = app
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE recipient = 'someone@example.org' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let code: String = body
        .split("Код подтверждения: ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    let r = app
        .post(
            "/notifications",
            &[
                ("payment.email", "on"),
                ("email", "someone@example.org"),
                ("email_code", &code),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.has_text("Код из письма для подтверждения адреса"));
    assert!(billing_payment(&app, "bank:confirmed", 10_000));
    run(&app.state).await;
    assert_eq!(
        emails_to(&app, "someone@example.org", "Платеж зачислен%"),
        1
    );
}
