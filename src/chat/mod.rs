//! Live support chat: the hub (who listens), the socket loop (one task per WebSocket),
//! working hours for the auto-reply, and the JSON events both ends speak.
//!
//! Client → server: `{"t":"send","cid":"<client id>","body":"…"[,"conv":N]}` (`conv` for staff),
//! `{"t":"read","id":N}` (subscriber).
//! Server → client: `{"t":"hello","last_read":N}`, `{"t":"msg",…}`, `{"t":"read","id":N}`,
//! `{"t":"closed","conv":N}`, `{"t":"err","cid":…,"text":…}`, `{"t":"requests"}` (a request of
//! one of the account's contracts changed status: the page reloads «Активные заявки»).
pub mod hours;
pub mod hub;
pub mod quota;

use poem::Request;
use serde_json::json;
use std::sync::Arc;

use crate::{config::Config, db::chat::Msg};
use hub::{Event, Out};

/// A message as the clients receive it.
pub fn msg_event(m: &Msg, tz: &jiff::tz::TimeZone) -> Event {
    let at = crate::domain::time::zoned(m.created_at, tz)
        .strftime("%d.%m.%y, %H:%M")
        .to_string();
    let json = json!({
        "t": "msg",
        "id": m.id,
        "conv": m.conversation_id,
        "from": m.sender,
        "staff": m.staff_name,
        "body": m.body,
        "cid": m.client_msg_id,
        "at": at,
    })
    .to_string();
    Arc::new(Out { id: m.id, json })
}

pub fn event(v: serde_json::Value) -> Event {
    Arc::new(Out {
        id: 0,
        json: v.to_string(),
    })
}

/// Whether the WebSocket handshake's `Origin` may connect: one of `security.allowed_origins`,
/// or (when that list is empty) the same host as the request's `Host` header.
pub fn origin_allowed(req: &Request, cfg: &Config) -> bool {
    let Some(origin) = req.header("origin") else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if !cfg.security.allowed_origins.is_empty() {
        return cfg
            .security
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin));
    }
    let Some((scheme, host)) = origin.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "http" | "https") {
        return false;
    }
    req.header("host")
        .is_some_and(|h| !h.is_empty() && h.eq_ignore_ascii_case(host))
}

/// A client message id: 1–64 of `[A-Za-z0-9_-]`.
pub fn valid_cid(cid: &str) -> bool {
    (1..=64).contains(&cid.len())
        && cid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Tells every open tab of these accounts that a request on one of their contracts changed.
pub fn announce_requests_changed(hub: &hub::Hub, accounts: &[i64]) {
    let e: Event = Arc::new(Out {
        id: 0,
        json: json!({ "t": "requests" }).to_string(),
    });
    for a in accounts {
        hub.publish(hub::Topic::Account(*a), e.clone());
    }
}
