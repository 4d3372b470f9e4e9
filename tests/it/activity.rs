//! Login notices for new devices and «Журнал действий» (issue 15).
use crate::accounts::{last_code, send_code, PHONE_MAIN_ONLY};
use crate::common::*;
use kabinet::routes;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async fn login_from(app: &TestApp, ua: &str) {
    app.clear_cookie("kabinet_session");
    send_code(app, PHONE_MAIN_ONLY).await;
    let code = last_code(app);
    let r = app
        .post_ua(
            routes::LOGIN_PHONE_CODE,
            &[("phone", PHONE_MAIN_ONLY), ("code", &code)],
            ua,
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
}

fn notices(app: &TestApp) -> i64 {
    app.count(
        "SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND body LIKE '%нового устройства%'",
    )
}

#[tokio::test]
async fn a_login_from_a_new_device_sends_a_notice_and_a_known_one_does_not() {
    let mut cfg = kabinet::config::Config::default();
    cfg.sms.per_phone_burst = 10;
    let app = TestApp::with_config(cfg).await;
    login_from(&app, FIREFOX).await;
    assert_eq!(notices(&app), 0, "the first login ever is no news");
    login_from(&app, FIREFOX).await;
    assert_eq!(notices(&app), 0, "the same browser again");
    login_from(&app, CHROME).await;
    assert_eq!(notices(&app), 1);
    let body: String = app
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE body LIKE '%нового устройства%' ORDER BY id DESC",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        body.contains("Windows") && body.contains("Chrome"),
        "{body}"
    );
    login_from(&app, CHROME).await;
    assert_eq!(notices(&app), 1);
}

#[tokio::test]
async fn the_owner_reads_who_did_what_in_the_journal() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx(routes::ACCESS_USERS).await;
    app.post(
        routes::ACCESS_USERS,
        &[("phone", "79995551234"), ("role", "accountant")],
    )
    .await;
    let doc: i64 = app
        .db()
        .query_row(
            "SELECT id FROM documents WHERE contract_id = 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(app.get(&format!("/documents/{doc}/pdf")).await.status, 200);
    let r = app.get_hx(routes::ACCESS).await;
    assert!(r.has_text("Журнал действий"));
    let r = app.get_hx(routes::ACCESS_JOURNAL).await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Вход в личный кабинет"), "{}", r.body);
    assert!(r.has_text("Приглашён пользователь") && r.has_text("«Бухгалтер»"));
    assert!(r.has_text("Скачан документ"));
    assert!(r.has_text("Вход по номеру договора"));
}
