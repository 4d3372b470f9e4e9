//! Login codes by SMS: send limits per phone, per IP and per day, kept across restarts.
use crate::accounts::send_code;
use crate::common::*;
use kabinet::config::Config;

#[tokio::test]
async fn code_sends_are_limited_per_phone() {
    let app = TestApp::new().await;
    for _ in 0..3 {
        assert_eq!(send_code(&app, "79990001133").await.status, 200);
    }
    let r = send_code(&app, "79990001133").await;
    assert_eq!(r.status, 429);
    assert!(r.has_text("Слишком много запросов кода"));
    // Another phone is not affected.
    assert_eq!(send_code(&app, "79990001144").await.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 4);
}

#[tokio::test]
async fn code_sends_are_limited_per_ip_and_by_a_daily_total() {
    let mut cfg = Config::default();
    cfg.sms.per_ip_per_hour = 2;
    let app = TestApp::with_config(cfg).await;
    assert_eq!(send_code(&app, "79990000001").await.status, 200);
    assert_eq!(send_code(&app, "79990000002").await.status, 200);
    assert_eq!(send_code(&app, "79990000003").await.status, 429);

    let mut cfg = Config::default();
    cfg.sms.daily_total = 2;
    let app = TestApp::with_config(cfg).await;
    assert_eq!(send_code(&app, "79990000001").await.status, 200);
    assert_eq!(send_code(&app, "79990000002").await.status, 200);
    assert_eq!(send_code(&app, "79990000003").await.status, 429);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 2);
}

fn restart(app: TestApp, cfg: Config) -> TestApp {
    let dir = app.dir;
    let state = kabinet::build_state(cfg, &dir.path().join("kabinet.db"), true).unwrap();
    TestApp::from_state(dir, state)
}

#[tokio::test]
async fn code_send_limits_survive_a_restart() {
    // Per phone.
    let app = TestApp::new().await;
    for _ in 0..3 {
        assert_eq!(send_code(&app, "79990002211").await.status, 200);
    }
    assert_eq!(send_code(&app, "79990002211").await.status, 429);
    let app = restart(app, Config::default());
    let r = send_code(&app, "79990002211").await;
    assert_eq!(
        r.status, 429,
        "the per-phone limit is still counted after a restart"
    );
    assert!(r.has_text("Слишком много запросов кода"));
    assert_eq!(
        send_code(&app, "79990002299").await.status,
        200,
        "another phone is not affected"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'"),
        4
    );

    // The daily total.
    let mut cfg = Config::default();
    cfg.sms.daily_total = 2;
    let app = TestApp::with_config(cfg.clone()).await;
    assert_eq!(send_code(&app, "79990000001").await.status, 200);
    assert_eq!(send_code(&app, "79990000002").await.status, 200);
    let app = restart(app, cfg);
    assert_eq!(
        send_code(&app, "79990000003").await.status,
        429,
        "still used up after a restart"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'"),
        2
    );
}
