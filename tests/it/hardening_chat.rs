//! Issue 12, chat: a removed contract link stops an open socket's messages; sockets per
//! session and messages per account are capped; forged gateway notifications cost no provider
//! call.
use crate::{
    chat::{live, next, send, test_config, Ws},
    common::*,
    payments::notify,
    yookassa_stub::Stub,
};
use futures_util::StreamExt;
use poem::http::StatusCode;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_link_stops_the_open_sockets_messages() {
    let l = live(test_config()).await;
    l.app.login_demo().await;
    // Contract 3 is linked to the demo account, not its own: make it current, open the chat.
    let r = l.app.post("/contracts/3/switch", &[]).await;
    assert!(r.status.is_success(), "{}", r.body);
    let cookie = format!(
        "kabinet_session={}",
        l.app.cookie("kabinet_session").unwrap()
    );
    let mut sub = l
        .connect("/chat/ws", Some(cookie), Some(&l.origin()))
        .await
        .expect("socket");
    assert_eq!(next(&mut sub).await["t"], "hello");
    let mut staff = l.staff().await;
    // The link goes away (another tab, the owner, staff…).
    l.app
        .db()
        .execute("DELETE FROM account_contracts WHERE contract_id = 3", [])
        .unwrap();
    send(
        &mut sub,
        json!({"t": "send", "cid": "after-unlink", "body": "секретный вопрос"}),
    )
    .await;
    let mut got_err = false;
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                assert_ne!(v["t"], "msg", "the message was accepted: {v}");
                got_err |= v["t"] == "err";
            }
            Ok(Some(Ok(Message::Close(f)))) => break f.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            other => panic!("socket not closed: {other:?}"),
        }
    };
    assert!(got_err, "told why");
    assert_eq!(code, Some(4003), "told to switch or close");
    assert_eq!(
        l.app
            .count("SELECT COUNT(*) FROM chat_messages WHERE client_msg_id = 'after-unlink'"),
        0
    );
    // Nothing reached staff.
    let heard = tokio::time::timeout(Duration::from_millis(700), async {
        loop {
            match staff.next().await {
                Some(Ok(Message::Text(t))) if t.contains("секретный") => return true,
                Some(Ok(_)) => {}
                _ => return false,
            }
        }
    })
    .await;
    assert!(!matches!(heard, Ok(true)), "staff got the message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_holds_a_limited_number_of_chat_sockets() {
    let l = live(test_config()).await;
    let (first, cookie) = l.subscriber(0).await;
    let mut open: Vec<Ws> = vec![first];
    let mut refused = 0;
    for _ in 0..12 {
        match l
            .connect("/chat/ws", Some(cookie.clone()), Some(&l.origin()))
            .await
        {
            Ok(ws) => open.push(ws),
            Err(_) => refused += 1,
        }
    }
    assert_eq!(open.len(), 8, "chat.max_sockets_per_session");
    assert_eq!(refused, 5);
    // A closed socket frees its place.
    let mut one = open.pop().unwrap();
    one.close(None).await.unwrap();
    drop(one);
    let mut ok = false;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(ws) = l
            .connect("/chat/ws", Some(cookie.clone()), Some(&l.origin()))
            .await
        {
            open.push(ws);
            ok = true;
            break;
        }
    }
    assert!(ok, "the freed place is usable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_rate_limited_per_account_over_all_its_sockets() {
    let l = live(test_config()).await;
    let (mut a, cookie) = l.subscriber(0).await;
    let mut b = l
        .connect("/chat/ws", Some(cookie), Some(&l.origin()))
        .await
        .unwrap();
    next(&mut a).await;
    next(&mut b).await;
    // 15 + 15 frames: each socket within its own burst of 20, the account over its 20.
    for i in 0..15 {
        send(
            &mut a,
            json!({"t": "send", "cid": format!("a-{i}"), "body": "x"}),
        )
        .await;
        send(
            &mut b,
            json!({"t": "send", "cid": format!("b-{i}"), "body": "y"}),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stored = l.app.count(
        "SELECT COUNT(*) FROM chat_messages WHERE client_msg_id LIKE 'a-%' OR client_msg_id LIKE 'b-%'",
    );
    assert!(stored <= 21, "per-account limit: {stored} stored");
    assert!(stored >= 15, "{stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_notifications_with_unknown_ids_make_no_provider_call_and_are_throttled() {
    let stub = Stub::start().await;
    let app = TestApp::with_config(stub.config()).await;
    let before = stub.state.lock().unwrap().fetches;
    let mut last = StatusCode::OK;
    for i in 0..15 {
        let body = kabinet::services::payments::notification_body(
            "payment.succeeded",
            &format!("2d0000{i:02}-000f-5000-9000-1b68e7b15f3f"),
        );
        last = notify(&app, "yookassa", &body).await;
    }
    assert_eq!(
        stub.state.lock().unwrap().fetches,
        before,
        "no provider call for ids we never created"
    );
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
