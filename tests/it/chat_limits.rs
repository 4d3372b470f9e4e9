//! Chat socket limits and security on a real listener: handshake checks, frame size, flood,
//! slow readers, idle timeout, session revocation.
use futures_util::{SinkExt, StreamExt};
use kabinet::chat::hub::Topic;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::{protocol::frame::coding::CloseCode, Message};

use crate::chat::{close_code, hex_of, live, next, next_msg, send, test_config};
use crate::common::eventually;

#[tokio::test]
async fn wrong_origin_or_no_origin_is_refused() {
    let l = live(test_config()).await;
    l.app.login_demo().await;
    let cookie = format!(
        "kabinet_session={}",
        l.app.cookie("kabinet_session").unwrap()
    );
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let r = l.connect("/chat/ws", Some(cookie.clone()), origin).await;
        match r {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 403, "origin {origin:?}")
            }
            other => panic!("origin {origin:?} accepted: {:?}", other.is_ok()),
        }
    }
}

#[tokio::test]
async fn configured_origin_allow_list_is_used() {
    let mut cfg = test_config();
    cfg.security.allowed_origins = vec!["https://lk.example.ru".into()];
    let l = live(cfg).await;
    l.app.login_demo().await;
    let cookie = format!(
        "kabinet_session={}",
        l.app.cookie("kabinet_session").unwrap()
    );
    assert!(l
        .connect(
            "/chat/ws",
            Some(cookie.clone()),
            Some("https://lk.example.ru")
        )
        .await
        .is_ok());
    assert!(l
        .connect("/chat/ws", Some(cookie), Some(&l.origin()))
        .await
        .is_err());
}

#[tokio::test]
async fn no_session_is_refused() {
    let l = live(test_config()).await;
    let r = l.connect("/chat/ws", None, Some(&l.origin())).await;
    assert!(
        matches!(r, Err(tokio_tungstenite::tungstenite::Error::Http(ref resp)) if resp.status() != 101)
    );
    // A staff socket needs a staff session; a subscriber session is not one.
    l.app.login_demo().await;
    let cookie = format!(
        "kabinet_session={}",
        l.app.cookie("kabinet_session").unwrap()
    );
    assert!(l
        .connect("/staff/ws", Some(cookie), Some(&l.origin()))
        .await
        .is_err());
}

#[tokio::test]
async fn oversized_message_closes_with_1009() {
    let l = live(test_config()).await;
    let (mut sub, _) = l.subscriber(0).await;
    next(&mut sub).await;
    let body = "я".repeat(2100); // 4200 bytes
    send(&mut sub, json!({"t": "send", "cid": "big", "body": body})).await;
    assert_eq!(close_code(&mut sub).await, Some(1009));
    assert_eq!(l.app.count("SELECT COUNT(*) FROM chat_messages"), 0);
}

#[tokio::test]
async fn flood_is_closed() {
    let l = live(test_config()).await;
    let (mut sub, _) = l.subscriber(0).await;
    for i in 0..60 {
        if sub
            .send(Message::text(json!({"t": "read", "id": i + 1}).to_string()))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(
        close_code(&mut sub).await,
        Some(u16::from(CloseCode::Policy))
    );
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped() {
    let l = live(test_config()).await;
    let (sub, _) = l.subscriber(0).await;
    let account: i64 = l.app.count("SELECT id FROM accounts WHERE kind = 'contract' AND contract_id = (SELECT id FROM contracts WHERE number = '72845736UL')");
    let hub = l.app.state.chat.clone();
    assert_eq!(hub.listeners(Topic::Account(account)), 1);
    let big = "x".repeat(32 * 1024);
    let what = "the slow client to be unregistered";
    eventually(Duration::from_secs(20), what, || async {
        if hub.listeners(Topic::Account(account)) == 0 {
            return true;
        }
        for _ in 0..50 {
            hub.publish(
                Topic::Account(account),
                kabinet::chat::raw_event(json!({"t": "msg", "body": big})),
            );
        }
        false
    })
    .await;
    assert!(hub.dropped() >= 1);
    drop(sub);
}

#[tokio::test]
async fn reset_devices_closes_the_other_sessions_socket_and_logout_its_own() {
    let l = live(test_config()).await;
    let (mut first, first_cookie) = l.subscriber(0).await;
    next(&mut first).await;
    let (mut second, _) = l.subscriber(0).await;
    next(&mut second).await;
    // «Сбросить все устройства» from the second session ends the first one.
    let r = l.app.post("/access/reset", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        l.app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = x'{}'",
            hex_of(&kabinet::auth::session::token_hash(
                first_cookie.trim_start_matches("kabinet_session=")
            ))
        )),
        0
    );
    assert_eq!(close_code(&mut first).await, Some(4001));
    send(
        &mut second,
        json!({"t": "send", "cid": "still", "body": "я на связи"}),
    )
    .await;
    assert_eq!(next_msg(&mut second).await["cid"], "still");
    // Logout of the second session closes its socket too.
    let r = l.app.post("/logout", &[]).await;
    assert!(r.status.is_success() || r.status.is_redirection());
    assert_eq!(close_code(&mut second).await, Some(4001));
}

#[tokio::test]
async fn silent_clients_time_out_and_answering_ones_stay() {
    let mut cfg = test_config();
    cfg.chat.ping_interval_secs = 1;
    cfg.chat.idle_timeout_secs = 2;
    let l = live(cfg).await;
    let (mut quiet, cookie) = l.subscriber(0).await;
    let mut alive = l
        .connect("/chat/ws", Some(cookie), Some(&l.origin()))
        .await
        .unwrap();
    // `alive` keeps reading (tungstenite answers pings); `quiet` reads nothing for 4 s.
    let until = tokio::time::Instant::now() + Duration::from_secs(4);
    while let Ok(m) = tokio::time::timeout_at(until, alive.next()).await {
        assert!(
            matches!(m, Some(Ok(_))),
            "answering client was dropped: {m:?}"
        );
    }
    // The server closes with 1001 and drops the connection; reading the backlog makes
    // tungstenite answer the queued pings, and that write may hit the already-closed socket
    // before the close frame is read — either way the silent client is gone.
    let code = close_code(&mut quiet).await;
    assert!(
        matches!(code, Some(1001) | None),
        "unexpected close {code:?}"
    );
    send(
        &mut alive,
        json!({"t": "send", "cid": "ok-1", "body": "я здесь"}),
    )
    .await;
    assert_eq!(next_msg(&mut alive).await["cid"], "ok-1");
}
