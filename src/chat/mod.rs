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
use serde::Serialize;
use std::sync::Arc;

use crate::{config::Config, db::chat::Msg};
use hub::{Event, Out};

/// WebSocket close codes the server sends; `assets/chat.js` acts on the same numbers (a test
/// checks that every code the script handles is one of these).
pub mod close {
    /// Idle too long.
    pub const GOING_AWAY: u16 = 1001;
    /// A binary frame.
    pub const TEXT_ONLY: u16 = 1003;
    /// Too many messages.
    pub const FLOOD: u16 = 1008;
    /// A frame over `chat.max_message_bytes`.
    pub const TOO_BIG: u16 = 1009;
    /// The server could not load the history; the client reconnects.
    pub const TRY_AGAIN: u16 = 1011;
    /// The session behind the socket ended (logout, reset devices, password change).
    pub const SESSION_ENDED: u16 = 4001;
    /// The account no longer holds the contract the socket spoke for.
    pub const CONTRACT_GONE: u16 = 4003;
    /// Every code above.
    pub const ALL: &[u16] = &[
        GOING_AWAY,
        TEXT_ONLY,
        FLOOD,
        TOO_BIG,
        TRY_AGAIN,
        SESSION_ENDED,
        CONTRACT_GONE,
    ];
}

/// What the server sends over a chat socket, as `{"t": "<kind>", …}`.
#[derive(Debug, Serialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub enum ServerEvent<'a> {
    /// First frame: the last message the subscriber has read.
    Hello { last_read: i64 },
    /// A message.
    Msg {
        id: i64,
        conv: i64,
        from: &'a str,
        staff: Option<&'a str>,
        body: &'a str,
        cid: Option<&'a str>,
        at: String,
    },
    /// Read up to this message (in another tab).
    Read { id: i64 },
    /// A conversation was closed by staff.
    Closed { conv: i64 },
    /// A message was refused; `cid` names it.
    Err { cid: &'a str, text: &'a str },
    /// A request of one of the account's contracts changed status (re-fetch the list).
    Requests,
}

impl ServerEvent<'_> {
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("chat events always serialize")
    }
}

/// A message as the clients receive it.
pub fn msg_event(m: &Msg, tz: &jiff::tz::TimeZone) -> Event {
    let at = crate::domain::time::zoned(m.created_at, tz)
        .strftime("%d.%m.%y, %H:%M")
        .to_string();
    let json = ServerEvent::Msg {
        id: m.id,
        conv: m.conversation_id,
        from: &m.sender,
        staff: m.staff_name.as_deref(),
        body: &m.body,
        cid: m.client_msg_id.as_deref(),
        at,
    }
    .json();
    Arc::new(Out { id: m.id, json })
}

/// An event from raw JSON (tests and diagnostics; the app sends [`ServerEvent`]s).
pub fn raw_event(v: serde_json::Value) -> Event {
    Arc::new(Out {
        id: 0,
        json: v.to_string(),
    })
}

pub fn event(e: ServerEvent) -> Event {
    Arc::new(Out {
        id: 0,
        json: e.json(),
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
        json: ServerEvent::Requests.json(),
    });
    for a in accounts {
        hub.publish(hub::Topic::Account(*a), e.clone());
    }
}
