//! YooKassa's public HTTP API (v3): create a payment with `Idempotence-Key` and a redirect
//! confirmation, a `receipt` with the customer's e-mail and the line item, saved cards for autopay,
//! and payments fetched back by id (how notifications are verified).
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;

use super::{
    amount_value, parse_amount_value, CreateReq, PaymentProvider, ProviderError, Remote,
    RemoteStatus, SavedMethod,
};
use crate::{config::YooKassa as Cfg, services::outbound::Outbound};

pub struct YooKassa {
    client: Outbound,
    timeout: Duration,
    api_url: String,
    auth: String,
    vat_code: u8,
}

impl YooKassa {
    /// Calls go through the app's one outbound client (its SSRF policy), each with
    /// `timeout_secs`.
    pub fn new(cfg: &Cfg, client: Outbound) -> YooKassa {
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", cfg.shop_id, cfg.secret_key));
        YooKassa {
            client,
            timeout: Duration::from_secs(cfg.timeout_secs.max(1)),
            api_url: cfg.api_url.trim_end_matches('/').to_owned(),
            auth: format!("Basic {basic}"),
            vat_code: cfg.vat_code,
        }
    }

    fn url(&self, path: &str) -> Result<ureq::http::Uri, ProviderError> {
        self.client
            .parse(&format!("{}{path}", self.api_url))
            .map_err(|e| ProviderError::Transport(e.to_string()))
    }

    fn read(&self, mut resp: ureq::http::Response<ureq::Body>) -> Result<Remote, ProviderError> {
        let status = resp.status().as_u16();
        let body: Value = resp
            .body_mut()
            .read_json()
            .map_err(|e| ProviderError::Transport(format!("bad response body: {e}")))?;
        match status {
            200 => parse_payment(&body),
            404 => Err(ProviderError::NotFound),
            400 | 401 | 403 | 422 => Err(ProviderError::Rejected(format!(
                "{status} {}",
                body.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ))),
            _ => Err(ProviderError::Transport(format!("HTTP {status}"))),
        }
    }
}

fn status_of(s: &str) -> RemoteStatus {
    match s {
        "succeeded" => RemoteStatus::Succeeded,
        "canceled" => RemoteStatus::Canceled,
        // "pending", "waiting_for_capture" (we always ask for capture = true)
        _ => RemoteStatus::Pending,
    }
}

/// A YooKassa payment object → [`Remote`].
pub fn parse_payment(v: &Value) -> Result<Remote, ProviderError> {
    let bad = |what: &str| ProviderError::Transport(format!("payment object without {what}"));
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("id"))?;
    let status = v
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("status"))?;
    let amount_kop = v
        .pointer("/amount/value")
        .and_then(Value::as_str)
        .and_then(parse_amount_value)
        .ok_or_else(|| bad("amount"))?;
    let method = v.get("payment_method").and_then(|m| {
        let saved = m.get("saved").and_then(Value::as_bool).unwrap_or(false);
        let id = m.get("id").and_then(Value::as_str)?;
        if !saved {
            return None;
        }
        let last4 = m
            .pointer("/card/last4")
            .and_then(Value::as_str)
            .unwrap_or("••••");
        let kind = m
            .pointer("/card/card_type")
            .and_then(Value::as_str)
            .unwrap_or("Карта");
        Some(SavedMethod {
            id: id.to_owned(),
            card_mask: format!("{kind} •••• {last4}"),
        })
    });
    Ok(Remote {
        id: id.to_owned(),
        status: status_of(status),
        amount_kop,
        confirmation_url: v
            .pointer("/confirmation/confirmation_url")
            .and_then(Value::as_str)
            .map(str::to_owned),
        method,
    })
}

/// The request body for `POST /payments`.
pub fn create_body(req: &CreateReq, vat_code: u8) -> Value {
    let amount = json!({ "value": amount_value(req.amount_kop), "currency": "RUB" });
    let mut body = json!({
        "amount": amount,
        "capture": true,
        "description": req.description.chars().take(128).collect::<String>(),
        "metadata": { "payment_id": req.local_id.to_string() },
    });
    if let Some(email) = &req.email {
        body["receipt"] = json!({
            "customer": { "email": email },
            "items": [{
                "description": req.receipt_item.chars().take(128).collect::<String>(),
                "quantity": "1.00",
                "amount": amount,
                "vat_code": vat_code,
                "payment_subject": "service",
                "payment_mode": "full_payment",
            }]
        });
    }
    match &req.saved_method_id {
        Some(m) => body["payment_method_id"] = json!(m),
        None => {
            body["confirmation"] = json!({ "type": "redirect", "return_url": req.return_url });
            if req.save_method {
                body["save_payment_method"] = json!(true);
            }
        }
    }
    body
}

impl PaymentProvider for YooKassa {
    fn name(&self) -> &'static str {
        "yookassa"
    }

    fn create(&self, req: &CreateReq) -> Result<Remote, ProviderError> {
        let resp = self
            .client
            .post(self.url("/payments")?, self.timeout)
            .header("Authorization", &self.auth)
            .header("Idempotence-Key", &req.idempotency_key)
            .send_json(create_body(req, self.vat_code))
            .map_err(|e| ProviderError::Transport(e.to_string()))?;
        self.read(resp)
    }

    fn fetch(&self, id: &str) -> Result<Remote, ProviderError> {
        let resp = self
            .client
            .get(self.url(&format!("/payments/{id}"))?, self.timeout)
            .header("Authorization", &self.auth)
            .call()
            .map_err(|e| ProviderError::Transport(e.to_string()))?;
        self.read(resp)
    }
}
