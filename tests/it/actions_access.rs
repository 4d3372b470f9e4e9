//! Contract actions: every action filed, availability, uploads, isolation between contracts.
use super::actions::*;
use crate::common::*;
use kabinet::{config::Config, domain::actions};
use poem::http::StatusCode;

#[tokio::test]
async fn requisites_upload_is_limited_by_size_and_type_and_stored_outside_the_web_root() {
    let mut cfg = Config::default();
    cfg.uploads.max_mb = 1;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    app.get("/").await;
    let ok = valid(&app, "requisites_change");
    let before = requests(&app);
    let cases: [(FileArg, &str); 4] = [
        (None, "Приложите файл"),
        (
            Some(("big.pdf", "application/pdf", pdf(1024 * 1024 + 10))),
            "Файл больше 1 МБ — уменьшите его",
        ),
        (
            Some(("virus.exe", "application/pdf", b"MZ\x90\x00rest".to_vec())),
            "Можно приложить только PDF, JPG или PNG",
        ),
        (
            Some((
                "fake.pdf",
                "application/pdf",
                b"<html>hello</html>".to_vec(),
            )),
            "Можно приложить только PDF, JPG или PNG",
        ),
    ];
    for (file, msg) in cases {
        let r = post_multipart(&app, "/actions/requisites_change", &ok, file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_error(&r, "scan").as_deref(), Some(msg));
    }
    // Other fields keep their messages in a multipart post too.
    let r = post_multipart(
        &app,
        "/actions/requisites_change",
        &without(&ok, "requisites"),
        None,
    )
    .await;
    assert_eq!(
        field_error(&r, "requisites").as_deref(),
        Some("Укажите новые реквизиты")
    );
    // A good file next to a bad field is not kept: the form asks to attach it again.
    let r = post_multipart(
        &app,
        "/actions/requisites_change",
        &without(&ok, "phone"),
        Some(("ok.pdf", "application/pdf", pdf(100))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_error(&r, "scan"), None);
    assert!(r.has_text("приложите его ещё раз"));
    assert_eq!(requests(&app), before);
    assert_eq!(app.count("SELECT count(*) FROM uploads"), 0);
    let dir = app.dir.path().join("uploads");
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().count() == 0);

    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        b"data",
    ]
    .concat();
    let r = post_multipart(
        &app,
        "/actions/requisites_change",
        &ok,
        Some((
            "../../etc/card.png",
            "application/octet-stream",
            png.clone(),
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (uid, stored, name, ct): (i64, String, String, String) = app
        .db()
        .query_row(
            "SELECT id, stored_name, original_name, content_type FROM uploads",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(name, "card.png");
    assert_eq!(ct, "image/png");
    assert!(stored.len() == 40 && stored.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(std::fs::read(dir.join(&stored)).unwrap(), png);
    // The request shows the file; the owner can download it.
    let rid = app.count("SELECT max(id) FROM requests");
    assert!(app
        .get_hx(&format!("/requests/{rid}"))
        .await
        .has_text("card.png"));
    let f = app.get(&format!("/uploads/{uid}")).await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.header("content-type"), Some("image/png"));
    assert!(f
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    // Another contract's account cannot.
    let other = TestApp::from_state(crate::common::tempdir(), app.state.clone());
    other.login("78101424UL", DEMO_PASSWORD).await;
    assert_eq!(
        other.get(&format!("/uploads/{uid}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn another_contracts_services_and_requests_are_not_found() {
    let app = TestApp::new().await;
    app.login("78101424UL", DEMO_PASSWORD).await;
    app.get("/").await;
    let foreign_request = app.count("SELECT min(id) FROM requests WHERE contract_id = 1");
    for path in [
        "/services/1".to_owned(),
        "/services/2".to_owned(),
        "/services/3".to_owned(),
        format!("/requests/{foreign_request}"),
        "/services/999".to_owned(),
        "/requests/999".to_owned(),
        "/uploads/1".to_owned(),
    ] {
        assert_eq!(
            app.get_hx(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Its own service is fine.
    assert_eq!(app.get_hx("/services/4").await.status, StatusCode::OK);
    // Without a session every route sends to login.
    let anon = TestApp::new().await;
    for path in [
        "/services/1",
        "/requests/1",
        "/actions/tariff_change",
        "/uploads/1",
    ] {
        let r = anon.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
    }
    anon.get("/login").await;
    let r = anon
        .post("/actions/tariff_change", &[("phone", "89123456789")])
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    assert_eq!(
        anon.count("SELECT count(*) FROM requests WHERE contract_id <> 1"),
        0
    );
}

#[tokio::test]
async fn every_offered_action_can_be_filed_and_opened() {
    let app = logged_in().await;
    // («Выдача копии договора» already has an open request in the demo: filed below on another contract.)
    for code in [
        "tariff_change",
        "reissue",
        "reorganization",
        "prolongation",
        "suspend",
        "static_ip",
    ] {
        let r = app
            .post(&format!("/actions/{code}"), &pairs(&valid(&app, code)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{code}: {}", r.body);
        let id = app.count("SELECT max(id) FROM requests");
        let d = app.get_hx(&format!("/requests/{id}")).await;
        assert!(d.has_text(actions::find(code).unwrap().title) && d.has_text("Новая"));
    }
    let r = post_multipart(
        &app,
        "/actions/requisites_change",
        &valid(&app, "requisites_change"),
        Some(("rekvizity.pdf", "application/pdf", pdf(2000))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = TestApp::new().await;
    second.login("78101424UL", DEMO_PASSWORD).await;
    second.get("/").await;
    let r = second
        .post(
            "/actions/contract_copy",
            &pairs(&valid(&second, "contract_copy")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The suspended contract offers resumption.
    let other = TestApp::new().await;
    other.login("76095454RK", DEMO_PASSWORD).await;
    let home = other.get("/").await;
    assert!(home.has_text("Возобновление договора"));
    assert!(!home.has_text("Приостановление договора"));
    let r = other
        .post("/actions/resume", &pairs(&valid(&other, "resume")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn actions_not_offered_in_the_contracts_state_are_refused() {
    let app = logged_in().await;
    let before = requests(&app);
    // Active contract: no resumption.
    assert_eq!(
        app.get_hx("/actions/resume").await.status,
        StatusCode::BAD_REQUEST
    );
    let r = app
        .post("/actions/resume", &pairs(&valid(&app, "resume")))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.has_text("Это действие сейчас недоступно"));
    // Operator-only kinds and unknown codes are not actions here.
    assert_eq!(
        app.get_hx("/actions/call_details").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_hx("/actions/nope").await.status,
        StatusCode::NOT_FOUND
    );
    // Suspended contract: no suspension, no static IP.
    let s = TestApp::new().await;
    s.login("76095454RK", DEMO_PASSWORD).await;
    assert_eq!(
        s.post("/actions/suspend", &pairs(&valid(&s, "suspend")))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // A contract that already has a static IP is not offered another.
    let ip = TestApp::new().await;
    ip.login("78101424UL", DEMO_PASSWORD).await;
    assert!(!ip.get("/").await.has_text("Статический IP (Подключить)"));
    let r = ip
        .post("/actions/static_ip", &pairs(&valid(&ip, "static_ip")))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(requests(&app), before);
}
