//! A stand-in for YooKassa's HTTP API on 127.0.0.1: same requests, same response shapes.
#![allow(dead_code)]
use base64::Engine;
use poem::{
    handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    post,
    web::{Data, Json, Path},
    EndpointExt, IntoResponse, Request, Response, Route, Server,
};
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

pub const SHOP: &str = "123456";
pub const SECRET: &str = "test_secret";

#[derive(Default)]
pub struct StubState {
    pub payments: HashMap<String, Value>,
    pub by_key: HashMap<String, String>,
    /// (Idempotence-Key, request body) of every create call.
    pub creates: Vec<(String, Value)>,
    pub fetches: usize,
    /// Saved-card charges are declined.
    pub decline_saved: bool,
}

#[derive(Clone)]
pub struct Stub {
    pub url: String,
    pub state: Arc<Mutex<StubState>>,
}

fn authorized(req: &Request) -> bool {
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SHOP}:{SECRET}"))
    );
    req.header("authorization") == Some(want.as_str())
}

fn err(status: StatusCode, code: &str) -> Response {
    (
        status,
        Json(json!({"type": "error", "code": code, "description": code})),
    )
        .into_response()
}

#[handler]
fn create(
    req: &Request,
    Data(st): Data<&Arc<Mutex<StubState>>>,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(req) {
        return err(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let Some(key) = req.header("idempotence-key").map(str::to_owned) else {
        return err(StatusCode::BAD_REQUEST, "idempotence_key_missing");
    };
    let mut s = st.lock().unwrap();
    s.creates.push((key.clone(), body.clone()));
    if let Some(id) = s.by_key.get(&key) {
        return Json(s.payments[id].clone()).into_response();
    }
    let id = format!("2d{:06}-000f-5000-9000-1b68e7b15f3f", s.payments.len() + 1);
    let saved = body.get("payment_method_id").and_then(Value::as_str);
    let status = match saved {
        Some(_) if s.decline_saved => "canceled",
        Some(_) => "succeeded",
        None => "pending",
    };
    let mut p = json!({
        "id": id,
        "status": status,
        "paid": status == "succeeded",
        "amount": body["amount"],
        "created_at": "2026-11-25T10:00:00.000Z",
        "description": body["description"],
        "metadata": body["metadata"],
        "recipient": {"account_id": SHOP, "gateway_id": "1"},
        "refundable": false,
        "test": true,
    });
    match saved {
        Some(m) => {
            p["payment_method"] = json!({"type": "bank_card", "id": m, "saved": true,
                "card": {"first6": "555555", "last4": "4444", "card_type": "MasterCard"}});
        }
        None => {
            p["confirmation"] = json!({"type": "redirect",
                "confirmation_url": format!("https://yoomoney.test/checkout/payments/v2/contract?orderId={id}")});
            p["payment_method"] = json!({"type": "bank_card", "id": format!("pm-{id}"),
                "saved": body.get("save_payment_method") == Some(&json!(true)),
                "card": {"first6": "555555", "last4": "4444", "card_type": "MasterCard"}});
        }
    }
    s.by_key.insert(key, id.clone());
    s.payments.insert(id, p.clone());
    Json(p).into_response()
}

#[handler]
fn fetch(
    req: &Request,
    Data(st): Data<&Arc<Mutex<StubState>>>,
    Path(id): Path<String>,
) -> Response {
    if !authorized(req) {
        return err(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let mut s = st.lock().unwrap();
    s.fetches += 1;
    match s.payments.get(&id) {
        Some(p) => Json(p.clone()).into_response(),
        None => err(StatusCode::NOT_FOUND, "not_found"),
    }
}

impl Stub {
    pub async fn start() -> Stub {
        let state = Arc::new(Mutex::new(StubState::default()));
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = acceptor.local_addr()[0].as_socket_addr().cloned().unwrap();
        let app = Route::new()
            .at("/v3/payments", post(create))
            .at("/v3/payments/:id", poem::get(fetch))
            .data(state.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Stub {
            url: format!("http://{addr}/v3"),
            state,
        }
    }

    /// The payer finished (or abandoned) the checkout page at the gateway.
    pub fn set_status(&self, id: &str, status: &str) {
        let mut s = self.state.lock().unwrap();
        let p = s.payments.get_mut(id).unwrap();
        p["status"] = json!(status);
        p["paid"] = json!(status == "succeeded");
    }

    pub fn last_id(&self) -> String {
        let s = self.state.lock().unwrap();
        let key = &s.creates.last().unwrap().0;
        s.by_key[key].clone()
    }

    pub fn config(&self) -> kabinet::config::Config {
        let mut cfg = kabinet::config::Config::default();
        cfg.payments.provider = kabinet::config::ProviderKind::Yookassa;
        cfg.payments.public_url = Some("https://lk.example.ru".into());
        cfg.payments.yookassa.shop_id = SHOP.into();
        cfg.payments.yookassa.secret_key = SECRET.into();
        cfg.payments.yookassa.api_url = self.url.clone();
        // The stand-in listens on plain http at 127.0.0.1: an explicit exception of the
        // outbound policy (issue 24), never a silent one.
        cfg.outbound.insecure_hosts = vec!["127.0.0.1".into()];
        cfg
    }
}

/// The body YooKassa posts to the notification URL.
pub fn notification(event: &str, id: &str) -> String {
    json!({"type": "notification", "event": event, "object": {"id": id, "status": "succeeded",
        "amount": {"value": "999999.00", "currency": "RUB"}}})
    .to_string()
}
