//! Issue 24, the lows of logins and sessions: passkey login start reveals nothing, pending
//! passkey ceremonies are bounded and evicted oldest-first, one login notice an hour, staff
//! lookup without control characters, chat sockets per account, CSV import messages escaped,
//! SMS codes hashed in the outbox once the gateway is done with them.
use crate::accounts::{last_code, send_code, PHONE_MAIN_AND_WAREHOUSE, PHONE_MAIN_ONLY};
use crate::chat::{live, test_config};
use crate::common::*;
use kabinet::{
    auth::passkey::{Passkeys, Pending, Uuid},
    config::Config,
    routes,
};
use poem::http::StatusCode;
use serde_json::{json, Value};

/// The passkey login options with what differs on every call (the challenge) taken out.
fn shape(r: &Resp) -> Value {
    let mut v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("ceremony");
    }
    if let Some(pk) = v
        .pointer_mut("/options/publicKey")
        .and_then(Value::as_object_mut)
    {
        pk.remove("challenge");
    }
    v
}

#[tokio::test]
async fn passkey_login_start_answers_the_same_for_every_login_and_names_no_credential() {
    let app = TestApp::new().await;
    app.get(routes::LOGIN_PASSKEY).await;
    let mut shapes = Vec::new();
    for login in [
        DEMO_CONTRACT,
        "99999999UL",
        "+7 927 123-42-49",
        "+7 900 000-00-01",
    ] {
        let r = app
            .post_json(routes::LOGIN_PASSKEY, &json!({ "login": login }))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{login}: {}", r.body);
        let v = shape(&r);
        let allowed = v.pointer("/options/publicKey/allowCredentials");
        assert!(
            allowed.is_none_or(|a| a.as_array().is_some_and(Vec::is_empty)),
            "{login}: credential ids sent: {v}"
        );
        shapes.push(v);
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
}

/// A registration ceremony of `account` (any state will do for the bounds).
fn registration(pk: &Passkeys, account: i64) -> Pending {
    let rp = pk
        .rp
        .as_ref()
        .expect("the default [passkeys] describe a relying party");
    let (_, state) = rp
        .start_passkey_registration(Uuid::from_u128(account as u128), "u", "u", None)
        .unwrap();
    Pending::Register {
        account_id: account,
        state,
    }
}

#[test]
fn pending_passkey_ceremonies_are_bounded_per_owner_and_evicted_oldest_first() {
    let cfg = Config::default();
    // One account starting ceremony after ceremony keeps only its newest few.
    let pk = Passkeys::new(&cfg.passkeys, "t");
    let ids: Vec<String> = (0..10).map(|_| pk.hold(registration(&pk, 1))).collect();
    assert!(pk.take(&ids[0]).is_none(), "the account's oldest went");
    assert!(pk.take(&ids[9]).is_some(), "its newest stayed");
    // Many owners: past the total the oldest goes, one at a time — never all of them.
    let pk = Passkeys::new(&cfg.passkeys, "t");
    let first = pk.hold(registration(&pk, 1));
    let second = pk.hold(registration(&pk, 2));
    for account in 3..=4097 {
        pk.hold(registration(&pk, account));
    }
    assert!(pk.take(&first).is_none(), "the oldest went");
    assert!(pk.take(&second).is_some(), "the rest stayed");
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const OPERA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0";

async fn phone_login_from(app: &TestApp, ua: &str) {
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
async fn login_notices_go_out_at_most_once_an_hour_per_account() {
    let mut cfg = Config::default();
    cfg.sms.per_phone_burst = 50;
    let app = TestApp::with_config(cfg).await;
    phone_login_from(&app, FIREFOX).await;
    phone_login_from(&app, CHROME).await;
    assert_eq!(notices(&app), 1);
    // More new browsers within the hour: no more SMS.
    phone_login_from(&app, EDGE).await;
    phone_login_from(&app, SAFARI).await;
    assert_eq!(notices(&app), 1);
    // An hour later a new browser is news again.
    app.state.clock.advance(3601);
    phone_login_from(&app, OPERA).await;
    assert_eq!(notices(&app), 2);
}

#[tokio::test]
async fn staff_lookup_strips_control_characters() {
    let app = TestApp::new().await;
    crate::staff::staff_login(&app, "operator").await;
    for q in [
        "%00",
        "%00%00%00",
        "7284%005736UL",
        "%1B%5B31m%00",
        "%0D%0A",
    ] {
        let r = app.get(&format!("/staff/contracts?q={q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        let r = app.get(&format!("/staff/requests?q={q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    }
    let r = app.get("/staff/contracts?q=72845736UL%00").await;
    assert!(r.has_text(DEMO_CONTRACT), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_sockets_are_capped_per_account_over_all_its_sessions() {
    let l = live(test_config()).await;
    let mut open = Vec::new();
    // Two sessions (browsers) of one account, each at its own cap of 8 sockets.
    for _ in 0..2 {
        let (ws, cookie) = l.subscriber(0).await;
        open.push(ws);
        for _ in 0..7 {
            open.push(
                l.connect("/chat/ws", Some(cookie.clone()), Some(&l.origin()))
                    .await
                    .expect("within the session's cap"),
            );
        }
    }
    // A third session of the same account: the account holds 16 already.
    l.app.clear_cookie("kabinet_session");
    l.app.login_demo().await;
    let cookie = format!(
        "kabinet_session={}",
        l.app.cookie("kabinet_session").unwrap()
    );
    let third = l.connect("/chat/ws", Some(cookie), Some(&l.origin())).await;
    assert!(third.is_err(), "chat.max_sockets_per_account");
    assert_eq!(open.len(), 16);
}

#[tokio::test]
async fn csv_import_messages_escape_control_characters() {
    let app = TestApp::new().await;
    let csv = "number;address;segment;status;recommended_payment_kop;\x1b]0;pwned\x07\x1b[2J\n\
               55500011UL;г. Уфа;business;active;15\x1b[31m00;x\n";
    let errors = kabinet::import::import(
        &mut app.db(),
        kabinet::import::Kind::Contracts,
        csv.as_bytes(),
        app.state.clock.now(),
    )
    .expect_err("an unknown column");
    assert!(!errors.is_empty());
    for e in &errors {
        assert!(
            !e.chars().any(|c| c.is_control()),
            "a control character in {e:?}"
        );
    }
    assert!(
        errors.iter().any(|e| e.contains("\\u{1b}")),
        "shown escaped: {errors:?}"
    );
}

#[tokio::test]
async fn sms_codes_are_hashed_in_the_outbox_once_the_gateway_is_done_with_them() {
    // A gateway that is down: the delivery fails for good.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = Config::default();
    cfg.sms.url = Some(format!("http://127.0.0.1:{port}/sms/send"));
    cfg.sms.api_key = Some("KEY".into());
    cfg.outbound.insecure_hosts = vec!["127.0.0.1".into()];
    let app = TestApp::with_config(cfg).await;
    let r = send_code(&app, PHONE_MAIN_AND_WAREHOUSE).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The demo data's phones see their code on the screen.
    let code: String = r
        .body
        .split("<strong>")
        .nth(1)
        .map(|s| s.chars().take(6).collect())
        .expect("the demo shows the code");
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    let body: String = eventually(WAIT, "the delivery to fail", || async {
        app.db()
            .query_row(
                "SELECT status, body FROM outbox WHERE channel = 'sms' ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .ok()
            .filter(|(status, _)| status != "pending")
            .map(|(_, body)| body)
    })
    .await;
    assert!(!body.contains(&code), "the code in the outbox: {body}");
    assert!(body.contains("[код sha256:"), "{body}");
}
