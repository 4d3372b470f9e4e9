//! Issue 24, items 4 and 8: a push endpoint is a DNS name of a push service on port 443 (the
//! URL read by the parser that fetches); a delivery that hangs delays no other notice; a push
//! subscription belongs to the session that made it and ends with it.
use std::time::Duration;

use crate::{
    accounts::second_client,
    common::{eventually, TestApp, DEMO_PASSWORD},
    notify::{billing_payment, cookie_header, push_config, subscribe},
    push_stub::PushStub,
};
use kabinet::app::notify;

const KEYS: &str = r#""keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}"#;

async fn post_endpoint(app: &TestApp, endpoint: &str) -> poem::http::StatusCode {
    let r = app
        .client
        .post("/notifications/push")
        .header("cookie", cookie_header(app))
        .header("x-csrf-token", app.csrf())
        .header("content-type", "application/json")
        .body(format!(r#"{{"endpoint":"{endpoint}",{KEYS}}}"#))
        .send()
        .await;
    r.0.status()
}

/// The finding: `https://[::1]:x.fcm.googleapis.com/…` passed the old string check (its host
/// read as «[::1]:x.fcm.googleapis.com», a subdomain of a push service) and the client then
/// connected to [::1]:443.
#[tokio::test]
async fn push_endpoints_with_ip_literals_brackets_or_other_ports_are_refused() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get("/").await;
    for endpoint in [
        "https://[::1]:443.fcm.googleapis.com/fcm/send/x",
        "https://[::1]:x.fcm.googleapis.com/fcm/send/x",
        "https://[::ffff:127.0.0.1]:443.fcm.googleapis.com/x",
        "https://[::ffff:127.0.0.1]/fcm.googleapis.com",
        "https://fcm.googleapis.com:8443/fcm/send/x",
        "https://fcm.googleapis.com:/fcm/send/x",
        "https://u:p@fcm.googleapis.com/fcm/send/x",
        "https://127.0.0.1.fcm.googleapis.com.evil.example/x",
    ] {
        assert_eq!(
            post_endpoint(&app, endpoint).await,
            poem::http::StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM push_subscriptions"), 0);
    assert_eq!(
        post_endpoint(&app, "https://fcm.googleapis.com:443/fcm/send/ok").await,
        poem::http::StatusCode::CREATED
    );
}

/// A push service that accepts the connection and never answers holds one delivery, not the
/// others: the second device gets its notice at once.
#[tokio::test]
async fn a_hanging_push_service_does_not_delay_another_delivery() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    // A "push service" that takes connections and says nothing.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = hang.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hang.accept().await {
            held.push(s);
        }
    });
    let mut sub = stub.subscribe("hang");
    sub["endpoint"] = format!("http://127.0.0.1:{port}/push/hang").into();
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
    subscribe(&app, &stub, "fine").await;
    assert!(billing_payment(&app, "bank:hang", 10_000));
    let st = app.state.clone();
    let run = tokio::spawn(async move { notify::run(&st).await });
    eventually(
        Duration::from_secs(3),
        "the second device's push while the first hangs",
        || async { (!stub.received().is_empty()).then_some(()) },
    )
    .await;
    assert_eq!(stub.received()[0].0, "fine");
    holder.abort();
    run.abort();
}

fn subscriptions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM push_subscriptions")
}

/// A logged-out office PC decrypted a payment notice: its subscription outlived the session.
#[tokio::test]
async fn logout_ends_the_sessions_push_subscription() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    subscribe(&app, &stub, "office-pc").await;
    assert_eq!(subscriptions(&app), 1);
    let r = app.post("/logout", &[]).await;
    assert!(r.status.is_success() || r.status.is_redirection());
    assert_eq!(subscriptions(&app), 0);
    // Nothing is queued for it any more.
    assert!(billing_payment(&app, "bank:after-logout", 10_000));
    notify::run(&app.state).await;
    assert!(stub.received().is_empty());
}

/// «Сбросить все устройства» and a password change end the other sessions' subscriptions.
#[tokio::test]
async fn reset_devices_and_password_change_end_the_other_sessions_subscriptions() {
    let stub = PushStub::start().await;
    let app = TestApp::with_config(push_config()).await;
    app.login_demo().await;
    app.get("/").await;
    subscribe(&app, &stub, "owner").await;
    let thief = second_client(&app);
    thief.login_demo().await;
    thief.get("/").await;
    subscribe(&thief, &stub, "thief").await;
    assert_eq!(subscriptions(&app), 2);
    let r = app.post("/access/reset", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let thiefs = "SELECT COUNT(*) FROM push_subscriptions WHERE endpoint LIKE '%/push/thief%'";
    assert_eq!(app.count(thiefs), 0);
    // Again with a password change.
    thief.login_demo().await;
    thief.get("/").await;
    subscribe(&thief, &stub, "thief2").await;
    assert_eq!(app.count(thiefs), 1);
    app.get_hx("/contracts/1/password").await;
    let r = app
        .post(
            "/contracts/1/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "new-password-1"),
                ("repeat", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.count(thiefs), 0);
}

/// Each delivery has its own timeout (`notify.push.timeout_secs`): a push service that never
/// answers ends as a retry later, and the run does not wait longer than that.
#[tokio::test]
async fn a_hanging_push_delivery_times_out_and_is_retried_later() {
    let stub = PushStub::start().await;
    let mut cfg = push_config();
    cfg.notify.push.timeout_secs = 1;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    app.get("/").await;
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = hang.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hang.accept().await {
            held.push(s);
        }
    });
    let mut sub = stub.subscribe("hang");
    sub["endpoint"] = format!("http://127.0.0.1:{port}/push/hang").into();
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
    assert!(billing_payment(&app, "bank:slow", 10_000));
    let started = std::time::Instant::now();
    let run = notify::run(&app.state).await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.pushes, 0);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM notices WHERE channel = 'push' AND status = 'pending' AND attempts = 1"
        ),
        1
    );
    holder.abort();
}
