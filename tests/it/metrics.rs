//! `/metrics`: Prometheus text, closed to strangers.
use crate::common::TestApp;
use kabinet::config::Config;
use poem::http::StatusCode;

#[tokio::test]
async fn metrics_need_the_configured_token() {
    let mut cfg = Config::default();
    cfg.security.metrics_token = Some("s3cret-metrics-token".into());
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    app.get("/").await;
    let none = app.client.get("/metrics").send().await;
    none.assert_status(StatusCode::FORBIDDEN);
    let wrong = app
        .client
        .get("/metrics")
        .header("authorization", "Bearer nope")
        .send()
        .await;
    wrong.assert_status(StatusCode::FORBIDDEN);
    let ok = app
        .client
        .get("/metrics")
        .header("authorization", "Bearer s3cret-metrics-token")
        .send()
        .await;
    ok.assert_status_is_ok();
    let text = ok.0.into_body().into_string().await.unwrap();
    for line in [
        "# TYPE kabinet_http_responses_total counter",
        "kabinet_sessions{kind=\"subscriber\"} 2",
        "kabinet_requests_open ",
        "kabinet_chat_sockets 0",
        "kabinet_http_requests_in_flight 1",
    ] {
        assert!(text.contains(line), "metrics lack «{line}»:\n{text}");
    }
    let ok2xx: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("kabinet_http_responses_total{code=\"2xx\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(ok2xx >= 2.0, "the page views were counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_metrics_answer_only_direct_local_requests() {
    let s = crate::browser::serve(Config::default()).await;
    let url = format!("{}/metrics", s.base);
    let local = tokio::task::spawn_blocking({
        let url = url.clone();
        move || ureq::get(&url).call().map(|r| r.status().as_u16())
    })
    .await
    .unwrap();
    assert_eq!(local.ok(), Some(200), "loopback, no proxy headers");
    let proxied = tokio::task::spawn_blocking(move || {
        ureq::get(&url)
            .header("X-Forwarded-For", "203.0.113.9")
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .map(|r| r.status().as_u16())
    })
    .await
    .unwrap();
    assert_eq!(proxied.ok(), Some(403), "through a proxy: refused");
    // In-process test clients have no loopback peer address: refused as well.
    let app = TestApp::new().await;
    app.client
        .get("/metrics")
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
