//! The staff console: login, roles, request and application status changes, stories, audit.
use crate::common::TestApp;

pub(crate) async fn staff_login(app: &TestApp, login: &str) {
    app.get("/staff/login").await;
    let r = app
        .post(
            "/staff/login",
            &[("login", login), ("password", "kabinet-demo")],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/staff/chat"), "{}", r.body);
    // As a browser does: follow the redirect (the CSRF token was rotated at login).
    app.get("/staff/chat").await;
}

#[tokio::test]
async fn staff_pages_need_a_staff_login_not_a_subscriber_one() {
    let app = TestApp::new().await;
    let r = app.get("/staff/requests").await;
    assert_eq!(r.header("location"), Some("/staff/login"));
    app.login_demo().await;
    let r = app.get("/staff/chat").await;
    assert_eq!(r.header("location"), Some("/staff/login"));
}

#[tokio::test]
async fn wrong_staff_password_gives_generic_error_and_is_audited() {
    let app = TestApp::new().await;
    app.get("/staff/login").await;
    let r = app
        .post(
            "/staff/login",
            &[("login", "operator"), ("password", "nope")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Неверный логин или пароль"));
    let r = app
        .post("/staff/login", &[("login", "nobody"), ("password", "nope")])
        .await;
    assert!(r.has_text("Неверный логин или пароль"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.login_failed'"),
        2
    );
    assert!(app.cookie("kabinet_staff").is_none());
}

#[tokio::test]
async fn staff_login_is_throttled() {
    let app = TestApp::new().await;
    app.get("/staff/login").await;
    let mut last = 0;
    for _ in 0..8 {
        let r = app
            .post("/staff/login", &[("login", "admin"), ("password", "wrong")])
            .await;
        last = r.status.as_u16();
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn operator_cannot_manage_staff() {
    let app = TestApp::new().await;
    staff_login(&app, "operator").await;
    assert_eq!(app.get("/staff/chat").await.status, 200);
    assert_eq!(app.get("/staff/accounts").await.status, 403);
    assert_eq!(app.get("/staff/audit").await.status, 403);
    let r = app
        .post(
            "/staff/accounts",
            &[
                ("login", "intruder"),
                ("name", "X"),
                ("role", "admin"),
                ("password", "0123456789ab"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM staff WHERE login = 'intruder'"),
        0
    );
    assert!(!app.get("/staff/chat").await.has_text("Сотрудники"));
}

#[tokio::test]
async fn admin_creates_and_blocks_staff_with_audit() {
    let app = TestApp::new().await;
    staff_login(&app, "admin").await;
    let r = app.get("/staff/accounts").await;
    assert_eq!(r.status, 200);
    let r = app
        .post(
            "/staff/accounts",
            &[
                ("login", "petrova"),
                ("name", "Анна Петрова"),
                ("role", "operator"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Пароль от 10 до 256 символов"));
    let r = app
        .post(
            "/staff/accounts",
            &[
                ("login", "petrova"),
                ("name", "Анна Петрова"),
                ("role", "operator"),
                ("password", "длинный-пароль-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Сотрудник petrova добавлен"));
    let id = app.count("SELECT id FROM staff WHERE login = 'petrova'");
    let r = app
        .post(&format!("/staff/accounts/{id}/active"), &[("on", "0")])
        .await;
    assert!(r.has_text("Заблокирован"));
    assert_eq!(
        app.count("SELECT active FROM staff WHERE login = 'petrova'"),
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE actor_kind = 'staff' AND action IN ('staff.create', 'staff.block') AND ip <> ''"),
        2
    );
}

#[tokio::test]
async fn status_change_shows_in_the_subscribers_request_details() {
    let app = TestApp::new().await;
    let id = app.count(
        "SELECT id FROM requests WHERE kind = 'call_details' AND status = 'new' AND contract_id = (SELECT id FROM contracts WHERE number = '72845736UL')",
    );
    staff_login(&app, "operator").await;
    let list = app.get("/staff/requests").await;
    assert!(list.has_text("Детализация вызовов"));
    let modal = app.get_hx(&format!("/staff/requests/{id}")).await;
    assert!(modal.has_text("Новый статус"));
    // Rejecting needs a reason; «done» straight from «new» is not a valid move.
    let r = app
        .post(
            &format!("/staff/requests/{id}"),
            &[("status", "rejected"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            &format!("/staff/requests/{id}"),
            &[("status", "done"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            &format!("/staff/requests/{id}"),
            &[
                ("status", "in_progress"),
                ("comment", "Детализацию отправим на почту до пятницы."),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Статус заявки: В работе"));
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'request.status' AND target = 'request:{id}'")),
        1
    );
    app.login_demo().await;
    let d = app.get_hx(&format!("/requests/{id}")).await;
    assert_eq!(d.status, 200);
    assert!(d.has_text("Детализацию отправим на почту до пятницы."));
    assert!(d.has_text("Оператор Демо"));
}

#[tokio::test]
async fn applications_are_listed_and_processed() {
    let app = TestApp::new().await;
    app.db()
        .execute(
            "INSERT INTO applications(kind, address, name, phone, consent_version, consent_at, created_at, updated_at)
             VALUES ('specialist', 'Уфа, ул. Ленина, 26', 'Иван Петров', '+79170000001', 'v1', 1, 1, 1)",
            [],
        )
        .unwrap();
    staff_login(&app, "operator").await;
    let r = app.get("/staff/applications?q=Петров").await;
    assert!(r.has_text("Иван Петров"));
    let r = app.get("/staff/applications?q=Сидоров").await;
    assert!(!r.has_text("Иван Петров"));
    let id = app.count("SELECT id FROM applications WHERE name = 'Иван Петров'");
    let r = app
        .post(
            &format!("/staff/applications/{id}"),
            &[("status", "in_progress"), ("comment", "Созвонились")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE status = 'in_progress' AND name = 'Иван Петров'"),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'application.status'"),
        1
    );
}

pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let b = "----kabinetboundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn post_multipart(app: &TestApp, path: &str, ct: String, body: Vec<u8>) -> (u16, String) {
    let cookies = ["kabinet_csrf", "kabinet_staff"]
        .iter()
        .filter_map(|k| app.cookie(k).map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("; ");
    let r = app
        .client
        .post(path)
        .header("cookie", cookies)
        .header("hx-request", "true")
        .header("x-csrf-token", app.csrf())
        .header("content-type", ct)
        .body(body)
        .send()
        .await;
    let s = r.0.status().as_u16();
    (s, r.0.into_body().into_string().await.unwrap())
}

#[tokio::test]
async fn staff_publishes_a_story_with_an_image() {
    let app = TestApp::new().await;
    staff_login(&app, "operator").await;
    app.get("/staff/stories").await;
    let (ct, body) = multipart(
        &[("title", "Новый тариф"), ("body", "Скорость 500 Мбит/с")],
        Some(("x.txt", b"not an image")),
    );
    let (s, html) = post_multipart(&app, "/staff/stories", ct, body).await;
    assert_eq!(s, 422);
    assert!(html.contains("Можно загрузить только PNG, JPEG или WebP"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM stories WHERE title = 'Новый тариф'"),
        0
    );
    let (ct, body) = multipart(
        &[("title", "Новый тариф"), ("body", "Скорость 500 Мбит/с")],
        Some(("promo.png", PNG)),
    );
    let (s, html) = post_multipart(&app, "/staff/stories", ct, body).await;
    assert_eq!(s, 200, "{html}");
    let id = app.count("SELECT id FROM stories WHERE title = 'Новый тариф'");
    assert_eq!(
        app.count(&format!("SELECT published FROM stories WHERE id = {id}")),
        0
    );
    let path: String = app
        .db()
        .query_row("SELECT image_path FROM stories WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    let name = path
        .strip_prefix("/story-images/")
        .expect("uploaded image URL");
    assert!(
        app.dir.path().join("uploads/stories").join(name).exists(),
        "{path}"
    );
    let r = app
        .post(&format!("/staff/stories/{id}/publish"), &[("on", "1")])
        .await;
    assert!(r.has_text("Снять с публикации"));
    assert_eq!(
        app.count(&format!("SELECT published FROM stories WHERE id = {id}")),
        1
    );
    let img = app.get(&path).await;
    assert_eq!(img.status, 200);
    assert_eq!(img.header("content-type"), Some("image/png"));
    assert_eq!(app.get("/story-images/..%2Fkabinet.db").await.status, 404);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('story.create', 'story.publish')"
        ),
        2
    );
    // The subscriber's story strip shows it with the uploaded image.
    app.login_demo().await;
    let strip = app.get_hx("/stories").await;
    assert!(strip.has_text("Новый тариф"), "story in the strip");
    assert!(strip.body.contains(&path));
}

#[tokio::test]
async fn live_widgets_can_ask_whether_their_session_still_lives() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/chat/alive").await.status, 401);
    assert_eq!(app.get("/staff/alive").await.status, 401);
    app.login_demo().await;
    assert_eq!(app.get("/chat/alive").await.status, 204);
    assert_eq!(
        app.get("/staff/alive").await.status,
        401,
        "a subscriber session is not a staff one"
    );
    staff_login(&app, "operator").await;
    assert_eq!(app.get("/staff/alive").await.status, 204);
    app.post("/logout", &[]).await;
    assert_eq!(app.get("/chat/alive").await.status, 401);
    assert_eq!(app.get("/staff/alive").await.status, 204);
    app.db().execute("DELETE FROM sessions", []).unwrap();
    assert_eq!(app.get("/staff/alive").await.status, 401);
}
