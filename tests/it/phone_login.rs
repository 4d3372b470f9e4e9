//! «По телефону»: one-time SMS codes (expiry, reuse, attempts, resend, limits), phone
//! accounts, and the SMS.ru-style gateway adapter against a stand-in server on 127.0.0.1.
use crate::accounts::{last_code, last_sms, login_phone, send_code, PHONE_MAIN_AND_WAREHOUSE};
use crate::common::*;
use kabinet::{
    config::Config,
    domain::outbox::Delivery,
    services::sms::{HttpGateway, SmsSender},
};
use poem::{
    handler,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Form},
    EndpointExt, Route, Server,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

const WRONG: &str = "000000";

fn wrong_code(right: &str) -> &'static str {
    if right == WRONG {
        "111111"
    } else {
        WRONG
    }
}

#[tokio::test]
async fn phone_login_sees_the_contracts_linked_to_that_phone() {
    let app = TestApp::new().await;
    let r = app.get("/login/phone").await;
    assert!(r.has_text("Номер телефона"));
    assert!(r.has_text("Получить код"));
    let r = send_code(&app, "+7 (927) 123-42-49").await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Код из SMS"));
    assert!(r.has_text("+7 927 123-42-49"));
    // Demo mode shows the code on the screen; the stored code is hashed.
    let code = last_code(&app);
    assert!(r.has_text("Демо-режим: код из SMS — "));
    assert!(r.body.contains(&format!("<strong>{code}</strong>")));
    assert_eq!(code.len(), 6);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM login_codes WHERE instr(code_hash, '{code}') > 0"
        )),
        0
    );
    let r = app
        .post(
            "/login/phone/code",
            &[("phone", PHONE_MAIN_AND_WAREHOUSE), ("code", &code)],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
    let r = app.get_hx("/contracts").await;
    assert!(r.has_text("72845736UL") && r.has_text("72718289UL"));
    assert!(!r.has_text("78101424UL") && !r.has_text("76095454RK"));
    assert!(r.has_text("склад"));
}

#[tokio::test]
async fn bad_phone_is_refused_inline_and_sends_nothing() {
    let app = TestApp::new().await;
    let r = send_code(&app, "<script>").await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Введите номер мобильного телефона"));
    assert!(!r.body.contains("<script>"));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM login_codes"), 0);
}

#[tokio::test]
async fn a_new_phone_gets_an_empty_account_and_lands_on_the_contract_list() {
    let app = TestApp::new().await;
    let r = login_phone(&app, "79990001122").await;
    assert_eq!(r.header("hx-redirect"), Some("/contracts"));
    let r = app.get("/").await;
    assert_eq!(r.header("location"), Some("/contracts"));
    let r = app.get("/contracts").await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("У вас пока нет договоров"));
    // Adding the first contract makes it current and opens the main page.
    app.get_hx("/contracts/add").await;
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "78101424UL"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
    assert!(app.get("/").await.has_text("№ 78101424UL"));
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = TestApp::new().await;
    send_code(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    let code = last_code(&app);
    app.state.clock.advance(601);
    let r = app
        .post(
            "/login/phone/code",
            &[("phone", PHONE_MAIN_AND_WAREHOUSE), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Срок действия кода истёк"));
    assert!(app.cookie("kabinet_session").is_none());
}

#[tokio::test]
async fn a_code_works_once() {
    let app = TestApp::new().await;
    send_code(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    let code = last_code(&app);
    let form = [("phone", PHONE_MAIN_AND_WAREHOUSE), ("code", code.as_str())];
    let r = app.post("/login/phone/code", &form).await;
    assert_eq!(r.header("hx-redirect"), Some("/"));
    let other = crate::accounts::second_client(&app);
    other.get("/login/phone").await;
    let r = other.post("/login/phone/code", &form).await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("уже использован"));
    assert!(other.cookie("kabinet_session").is_none());
}

#[tokio::test]
async fn five_wrong_codes_lock_it_and_resending_does_not_reset_the_count() {
    let app = TestApp::new().await;
    send_code(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    let first = last_code(&app);
    for left in [4, 3, 2] {
        let r = app
            .post(
                "/login/phone/code",
                &[
                    ("phone", PHONE_MAIN_AND_WAREHOUSE),
                    ("code", wrong_code(&first)),
                ],
            )
            .await;
        assert!(
            r.has_text(&format!("Осталось попыток: {left}")),
            "{}",
            r.body
        );
    }
    // Resend: a new code, the old one is void, the attempts go on from 3.
    let r = app
        .post(
            "/login/phone",
            &[("phone", PHONE_MAIN_AND_WAREHOUSE), ("resend", "1")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Мы отправили новый код"));
    let second = last_code(&app);
    let r = app
        .post(
            "/login/phone/code",
            &[
                ("phone", PHONE_MAIN_AND_WAREHOUSE),
                ("code", wrong_code(&second)),
            ],
        )
        .await;
    assert!(r.has_text("Осталось попыток: 1"), "{}", r.body);
    let r = app
        .post(
            "/login/phone/code",
            &[
                ("phone", PHONE_MAIN_AND_WAREHOUSE),
                ("code", wrong_code(&second)),
            ],
        )
        .await;
    assert!(r.has_text("Слишком много неверных попыток"));
    // Now even the right code is refused, and no new code is issued for a while.
    let r = app
        .post(
            "/login/phone/code",
            &[("phone", PHONE_MAIN_AND_WAREHOUSE), ("code", &second)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(app.cookie("kabinet_session").is_none());
    let sms_before = app.count("SELECT COUNT(*) FROM outbox");
    let r = app
        .post(
            "/login/phone",
            &[("phone", PHONE_MAIN_AND_WAREHOUSE), ("resend", "1")],
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.has_text("Новый код можно получить через"));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), sms_before);
    assert_eq!(
        app.count("SELECT attempts FROM login_codes ORDER BY id DESC LIMIT 1"),
        5
    );
}

#[tokio::test]
async fn the_default_sender_keeps_the_sms_in_the_outbox() {
    let app = TestApp::new().await;
    login_phone(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    let body = last_sms(&app);
    assert!(body.contains("код для входа"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'sms' AND status = 'pending' AND recipient = '79271234249'"),
        1
    );
}

type Seen = Arc<Mutex<Vec<HashMap<String, String>>>>;

#[handler]
fn stand_in(Form(f): Form<HashMap<String, String>>, Data(seen): Data<&Seen>) -> String {
    let refuse = f.get("to").map(String::as_str) == Some("79990000000");
    seen.lock().unwrap().push(f.clone());
    if refuse {
        r#"{"status":"ERROR","status_code":202,"status_text":"Неправильно указан получатель"}"#
            .into()
    } else {
        let to = f.get("to").cloned().unwrap_or_default();
        format!(
            r#"{{"status":"OK","status_code":100,"sms":{{"{to}":{{"status":"OK","status_code":100,"sms_id":"1"}}}},"balance":10}}"#
        )
    }
}

async fn stand_in_server() -> (String, Seen, tokio::task::JoinHandle<()>) {
    let seen: Seen = Default::default();
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new()
        .at("/sms/send", poem::post(stand_in))
        .data(seen.clone());
    let task = tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor).run(app).await;
    });
    (format!("http://{addr}/sms/send"), seen, task)
}

/// The outbound client with the stand-in's plain-http 127.0.0.1 as an explicit exception.
fn stand_in_client() -> kabinet::services::outbound::Outbound {
    kabinet::services::outbound::Outbound::new(&kabinet::config::Outbound {
        insecure_hosts: vec!["127.0.0.1".into()],
    })
}

#[tokio::test]
async fn http_gateway_posts_sms_ru_style_requests_and_reports_refusals() {
    let (url, seen, task) = stand_in_server().await;
    let gw = HttpGateway::new(stand_in_client(), &url, "KEY-1", Some("Kabinet"));
    let out = tokio::task::spawn_blocking(move || {
        (
            gw.send("79271234249", "123456 — код"),
            gw.send("79990000000", "654321 — код"),
        )
    })
    .await
    .unwrap();
    assert_eq!(out.0, Delivery::Sent);
    assert!(
        matches!(out.1, Delivery::Failed(ref e) if e.contains("Неправильно указан получатель"))
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["api_id"], "KEY-1");
    assert_eq!(seen[0]["to"], "79271234249");
    assert_eq!(seen[0]["msg"], "123456 — код");
    assert_eq!(seen[0]["from"], "Kabinet");
    assert_eq!(seen[0]["json"], "1");
    // A gateway that is down is a failure, not a panic.
    task.abort();
    let _ = task.await;
    let gw = HttpGateway::new(stand_in_client(), &url, "KEY-1", None);
    let out = tokio::task::spawn_blocking(move || gw.send("79271234249", "x"))
        .await
        .unwrap();
    assert!(matches!(out, Delivery::Failed(_)));
}

#[tokio::test]
async fn login_codes_go_through_the_configured_gateway_and_are_blanked_once_sent() {
    let (url, seen, _task) = stand_in_server().await;
    let mut cfg = Config::default();
    cfg.sms.url = Some(url);
    cfg.sms.api_key = Some("KEY-2".into());
    cfg.outbound.insecure_hosts = vec!["127.0.0.1".into()];
    let app = TestApp::with_config(cfg).await;
    let r = send_code(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    assert_eq!(r.status, 200);
    let status: String = eventually(
        Duration::from_secs(5),
        "the SMS to leave «pending»",
        || async {
            let status: String = app
                .db()
                .query_row(
                    "SELECT status FROM outbox ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            (status != "pending").then_some(status)
        },
    )
    .await;
    assert_eq!(status, "sent");
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["api_id"], "KEY-2");
    assert!(got[0]["msg"].contains("код для входа"));
    let code: String = got[0]["msg"].chars().take(6).collect();
    let stored = last_sms(&app);
    assert!(
        !stored.contains(&code) && stored.contains("[код sha256:"),
        "code hashed after sending: {stored}"
    );
}

#[test]
fn sms_config_is_checked() {
    assert!(
        Config::parse("[sms]\nurl = \"https://sms.example/send\"").is_err(),
        "url needs a key"
    );
    assert!(Config::parse("[sms]\nurl = \"ftp://x\"\napi_key = \"k\"").is_err());
    assert!(Config::parse("[sms]\ndaily_total = 0").is_err());
    let cfg = Config::parse(
        "[sms]\nurl = \"https://sms.example/send\"\napi_key = \"k\"\nsender = \"Kabinet\"",
    )
    .unwrap();
    assert_eq!(cfg.sms.sender.as_deref(), Some("Kabinet"));
}

#[tokio::test]
async fn without_an_sms_gateway_the_phone_tab_is_hidden_outside_the_demo() {
    let production = crate::common::production_app;
    // No gateway: no code could ever arrive, so the tab is not offered.
    let app = production(kabinet::config::Config::default());
    let r = app.get("/login").await;
    assert!(!r.has_text("По телефону"), "{}", r.body);
    let r = app.get("/login/phone").await;
    assert_eq!(r.header("location"), Some("/login"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'"),
        0
    );
    // With a gateway it is.
    let mut cfg = kabinet::config::Config::default();
    cfg.sms.url = Some("https://sms.example.ru/send".into());
    cfg.sms.api_key = Some("KEY".into());
    let app = production(cfg);
    assert!(app.get("/login").await.has_text("По телефону"));
    assert_eq!(app.get("/login/phone").await.status, 200);
    // The demo shows the code on screen: the tab stays.
    assert!(TestApp::new()
        .await
        .get("/login")
        .await
        .has_text("По телефону"));
}
