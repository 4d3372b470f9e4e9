//! The billing integration API: token auth, contracts/services/ledger in, exports out.
use crate::common::*;
use poem::http::StatusCode;
use serde_json::{json, Value};

pub fn token(app: &TestApp, name: &str) -> String {
    let mut c = app.db();
    kabinet::db::api_tokens::create(
        &mut c,
        name,
        &kabinet::auth::session::new_token(),
        1_700_000_000,
    )
    .expect("token")
}

/// One API call: (status, JSON body). `token` None sends no Authorization header.
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (StatusCode, Value) {
    let mut rb = match method {
        "GET" => app.client.get(path),
        "PUT" => app.client.put(path),
        "POST" => app.client.post(path),
        _ => app.client.delete(path),
    };
    if let Some(t) = token {
        rb = rb.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        rb = rb.content_type("application/json").body(b);
    }
    let r = rb.send().await;
    let status = r.0.status();
    let text = r.0.into_body().into_string().await.unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, v)
}

pub fn balance(app: &TestApp, number: &str) -> i64 {
    app.db()
        .query_row(
            "SELECT balance_kop FROM contracts WHERE number = ?1",
            [number],
            |r| r.get(0),
        )
        .unwrap()
}

pub fn contract_body(password: Option<&str>) -> String {
    let mut v = json!({
        "organization": {"name": "ООО «Ромашка»", "inn": "0274000099"},
        "address": "г. Уфа, ул. Интеграционная, д. 7",
        "segment": "business",
        "status": "active",
        "recommended_payment_kop": 150_000,
    });
    if let Some(p) = password {
        v["password"] = json!(p);
    }
    v.to_string()
}

pub fn entry(contract: &str, id: &str, kind: &str, amount: Value) -> Value {
    json!({"contract": contract, "external_id": id, "kind": kind, "description": "Оплата через банк",
           "amount_kop": amount, "occurred_at": "2026-11-20T10:00:00+05:00"})
}

#[tokio::test]
async fn missing_wrong_and_revoked_tokens_get_401_json() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let (s, v) = call(&app, "GET", "/api/v1/payments", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["error"].as_str().unwrap().contains("Bearer"), "{v}");
    assert!(v["field"].is_null());
    let r = app.client.get("/api/v1/payments").send().await;
    assert_eq!(r.0.headers().get("www-authenticate").unwrap(), "Bearer");
    let (s, _) = call(
        &app,
        "GET",
        "/api/v1/payments",
        Some("kbt_wrongwrongwrongwrongwrong"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call(&app, "GET", "/api/v1/payments", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK);
    {
        let mut c = app.db();
        kabinet::db::api_tokens::revoke(&mut c, "billing", 1_700_000_100).unwrap();
    }
    let (s, v) = call(&app, "GET", "/api/v1/payments", Some(&t), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "revoked: {v}");
    // A refused write stores nothing.
    let (s, _) = call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222AB",
        Some(&t),
        Some(contract_body(None)),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT count(*) FROM contracts WHERE number = '11112222AB'"),
        0
    );
}

#[tokio::test]
async fn repeated_failed_authentication_is_throttled_per_ip_but_a_valid_token_still_works() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (s, _) = call(
            &app,
            "GET",
            "/api/v1/requests",
            Some("kbt_guessguessguessguessguess"),
            None,
        )
        .await;
        statuses.push(s);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
    let r = app
        .client
        .get("/api/v1/requests")
        .header("authorization", format!("Bearer {t}"))
        .send()
        .await;
    // Issue 12: someone guessing from the billing system's address must not lock it out.
    assert_eq!(r.0.status(), StatusCode::OK);
    let r = app
        .client
        .get("/api/v1/requests")
        .header("authorization", "Bearer kbt_guessguessguessguessguess")
        .send()
        .await;
    assert!(r.0.headers().get("retry-after").is_some());
    let (s, v) = call(
        &app,
        "GET",
        "/api/v1/requests",
        Some("kbt_guessguessguessguessguess"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(v["error"].as_str().unwrap().contains("Повторите"), "{v}");
}

#[tokio::test]
async fn contract_upsert_creates_then_updates_and_its_password_logs_in() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222ab",
        Some(&t),
        Some(contract_body(Some("integration-1"))),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["number"], "11112222AB");
    assert_eq!(v["organization"]["name"], "ООО «Ромашка»");
    assert_eq!(v["recommended_payment_kop"], 150_000);
    assert_eq!(v["password_set"], true);
    assert_eq!(
        app.count("SELECT count(*) FROM accounts a JOIN contracts c ON c.id = a.contract_id WHERE c.number = '11112222AB' AND a.kind = 'contract'"),
        1,
        "the contract's own account exists"
    );
    // Update: new address; a password given now is ignored.
    let body = json!({"organization": {"name": "ООО «Ромашка»", "inn": "0274000099"},
        "address": "г. Уфа, ул. Новая, д. 1", "segment": "business", "status": "active",
        "recommended_payment_kop": 99_000, "password": "another-pass-2"})
    .to_string();
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222AB",
        Some(&t),
        Some(body),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["address"], "г. Уфа, ул. Новая, д. 1");
    assert_eq!(
        app.count("SELECT count(*) FROM contracts WHERE number = '11112222AB'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM organizations WHERE inn = '0274000099'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE actor_kind = 'api' AND action LIKE 'api.contract.%' AND target = '11112222AB' AND ip <> ''"),
        2
    );
    app.login("11112222AB", "integration-1").await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.has_text("11112222AB") && page.has_text("990,00 ₽"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_contract_created_without_password_cannot_be_logged_into() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/33334444CD",
        Some(&t),
        Some(contract_body(None)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v["password_set"], false);
    app.get("/login").await;
    let r = app
        .post("/login", &[("contract", "33334444CD"), ("password", "")])
        .await;
    assert!(r.header("hx-redirect").is_none());
    let r = app
        .post(
            "/login",
            &[("contract", "33334444CD"), ("password", "kabinet-demo")],
        )
        .await;
    assert!(r.header("hx-redirect").is_none(), "no password: no login");
}

#[tokio::test]
async fn services_replace_shows_on_the_main_page() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222AB",
        Some(&t),
        Some(contract_body(Some("integration-1"))),
    )
    .await;
    let services = json!({"services": [
        {"kind": "internet", "name": "Интернет", "tariff_name": "Бизнес 300", "price_kop": 150_000,
         "status": "active", "paid_until": "2026-12-31",
         "internet": {"speed_mbps": 300, "static_ip": "92.50.150.99", "equipment": "Роутер"}},
        {"kind": "tv", "name": "Телевидение", "tariff_name": "Тариф Интеграционный", "price_kop": 30_000,
         "status": "active", "tv": {"channel_package": "Базовый", "channel_count": 120}}
    ]});
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222AB/services",
        Some(&t),
        Some(services.to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["services"], 2);
    app.login("11112222AB", "integration-1").await;
    let page = app.get("/").await;
    assert!(page.has_text("Подключенные услуги"));
    assert!(
        page.has_text("Бизнес 300") && page.has_text("Тариф Интеграционный"),
        "{}",
        page.body
    );
    // Replacing again: the old list is gone entirely.
    let one = json!({"services": [{"kind": "other", "name": "Статический IP", "tariff_name": "Статический IP",
        "price_kop": 15_000, "status": "connecting"}]});
    let (s, _) = call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222AB/services",
        Some(&t),
        Some(one.to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let page = app.get("/").await;
    assert!(!page.has_text("Тариф Интеграционный") && !page.has_text("Бизнес 300"));
    assert_eq!(
        app.count("SELECT count(*) FROM internet_details"),
        4,
        "demo's 4 remain, ours gone"
    );
    // Bad service input changes nothing.
    let bad = json!({"services": [{"kind": "internet", "name": "X", "tariff_name": "Y", "price_kop": 1,
        "status": "active"}, {"kind": "satellite", "name": "X", "tariff_name": "Y", "price_kop": 1, "status": "active"}]});
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/11112222AB/services",
        Some(&t),
        Some(bad.to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "services[1].kind");
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/99990000ZZ/services",
        Some(&t),
        Some(one.to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(app.get("/").await.has_text("Статический IP"));
}

#[tokio::test]
async fn the_api_needs_no_cookie_or_csrf_token_and_sets_no_cookie() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let r = app
        .client
        .put("/api/v1/contracts/77778888GH")
        .header("authorization", format!("Bearer {t}"))
        .body(contract_body(None))
        .send()
        .await;
    assert_eq!(r.0.status(), StatusCode::CREATED);
    assert!(r.0.headers().get("set-cookie").is_none());
    assert!(r
        .0
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}
