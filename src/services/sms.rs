//! SMS for login codes. Every message is first stored in the `outbox` table; a sender then
//! delivers it. The default sender only logs it (phone masked, text never) and leaves it
//! pending in the outbox for the operator's own tooling; the HTTP gateway adapter speaks an
//! SMS.ru-style API.
use std::{sync::Arc, time::Duration};

use super::outbound::Outbound;
use crate::{
    config::Sms as SmsCfg,
    domain::outbox::{mask_phone, Delivery},
};

/// A way to deliver an SMS. Called on a blocking thread.
pub trait SmsSender: Send + Sync {
    fn send(&self, phone: &str, text: &str) -> Delivery;
}

/// The default: the message stays in the outbox; the log says so with a masked phone.
pub struct OutboxOnly;

impl SmsSender for OutboxOnly {
    fn send(&self, phone: &str, _text: &str) -> Delivery {
        tracing::info!(
            phone = %mask_phone(phone),
            "sms stored in the outbox (no gateway configured)"
        );
        Delivery::Stored
    }
}

/// SMS.ru-style gateway: `POST url` with form fields `api_id`, `to`, `msg`, `json=1` and
/// optionally `from`; the JSON reply has `"status": "OK"` overall and per number.
pub struct HttpGateway {
    url: String,
    api_key: String,
    sender: Option<String>,
    client: Outbound,
}

/// Longest time one SMS hand-over may take.
const TIMEOUT: Duration = Duration::from_secs(15);

impl HttpGateway {
    /// Calls go through the app's one outbound client (its SSRF policy).
    pub fn new(client: Outbound, url: &str, api_key: &str, sender: Option<&str>) -> HttpGateway {
        HttpGateway {
            url: url.to_owned(),
            api_key: api_key.to_owned(),
            sender: sender.map(str::to_owned),
            client,
        }
    }

    fn post(&self, phone: &str, text: &str) -> Result<(), String> {
        let mut form: Vec<(&str, &str)> = vec![
            ("api_id", &self.api_key),
            ("to", phone),
            ("msg", text),
            ("json", "1"),
        ];
        if let Some(s) = &self.sender {
            form.push(("from", s));
        }
        let url = self
            .client
            .parse(&self.url)
            .map_err(|e| format!("gateway URL refused: {e}"))?;
        let mut resp = self
            .client
            .post(url, TIMEOUT)
            .send_form(form)
            .map_err(|e| format!("gateway unreachable: {e}"))?;
        let status = resp.status();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| format!("gateway reply unreadable: {e}"))?;
        if !status.is_success() {
            return Err(format!("gateway HTTP {}", status.as_u16()));
        }
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| "gateway reply is not JSON".to_owned())?;
        let ok = |x: &serde_json::Value| x.get("status").and_then(|s| s.as_str()) == Some("OK");
        if !ok(&v) {
            let why = v
                .get("status_text")
                .and_then(|s| s.as_str())
                .unwrap_or("error");
            return Err(format!("gateway refused: {why}"));
        }
        match v.get("sms").and_then(|m| m.get(phone)) {
            Some(one) if !ok(one) => {
                let why = one
                    .get("status_text")
                    .and_then(|s| s.as_str())
                    .unwrap_or("error");
                Err(format!("gateway refused the number: {why}"))
            }
            _ => Ok(()),
        }
    }
}

impl SmsSender for HttpGateway {
    fn send(&self, phone: &str, text: &str) -> Delivery {
        match self.post(phone, text) {
            Ok(()) => {
                tracing::info!(phone = %mask_phone(phone), "sms sent through the gateway");
                Delivery::Sent
            }
            Err(e) => {
                tracing::warn!(phone = %mask_phone(phone), error = %e, "sms not sent");
                Delivery::Failed(e)
            }
        }
    }
}

/// The sender the configuration asks for.
pub fn from_config(cfg: &SmsCfg, client: &Outbound) -> Arc<dyn SmsSender> {
    match (&cfg.url, &cfg.api_key) {
        (Some(url), Some(key)) => Arc::new(HttpGateway::new(
            client.clone(),
            url,
            key,
            cfg.sender.as_deref(),
        )),
        _ => Arc::new(OutboxOnly),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gateway is called through the outbound client: plain http to a host the operator did
    /// not list in `outbound.insecure_hosts` is refused before any connection.
    #[test]
    fn a_gateway_url_outside_the_policy_is_refused() {
        let gw = HttpGateway::new(
            Outbound::new(&Default::default()),
            "http://127.0.0.1:9/sms/send",
            "KEY",
            None,
        );
        match gw.send("79271234249", "x") {
            Delivery::Failed(e) => assert!(e.contains("refused"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
