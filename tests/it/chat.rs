//! Live chat over a real listener (127.0.0.1:0) with tokio-tungstenite: delivery, resume,
//! handshake checks, limits and session revocation.
use futures_util::{SinkExt, StreamExt};
use kabinet::config::Config;
use poem::{
    listener::{Acceptor, Listener, TcpListener},
    Server,
};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, Message},
    MaybeTlsStream, WebSocketStream,
};

use crate::common::TestApp;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The app in-process (for logins and pages) and the same state on a real listener.
pub struct Live {
    pub app: TestApp,
    pub addr: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn test_config() -> Config {
    let mut cfg = Config::default();
    cfg.support_hours.auto_reply = false;
    cfg.chat.write_timeout_secs = 1;
    cfg.chat.outbound_queue = 16;
    cfg
}

pub async fn live(cfg: Config) -> Live {
    let app = TestApp::with_config(cfg).await;
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .unwrap()
        .to_string();
    let ep = kabinet::app(app.state.clone());
    let task = tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor).run(ep).await;
    });
    Live { app, addr, task }
}

impl Live {
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn connect(
        &self,
        path: &str,
        cookie: Option<String>,
        origin: Option<&str>,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let mut req = format!("ws://{}{path}", self.addr)
            .into_client_request()
            .unwrap();
        if let Some(c) = cookie {
            req.headers_mut().insert("cookie", c.parse().unwrap());
        }
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req).await.map(|(s, _)| s)
    }

    /// Logs the demo subscriber in (a new session) and opens its chat socket.
    pub async fn subscriber(&self, after: i64) -> (Ws, String) {
        self.app.clear_cookie("kabinet_session");
        self.app.login_demo().await;
        let cookie = format!(
            "kabinet_session={}",
            self.app.cookie("kabinet_session").unwrap()
        );
        let ws = self
            .connect(
                &format!("/chat/ws?after={after}"),
                Some(cookie.clone()),
                Some(&self.origin()),
            )
            .await
            .expect("subscriber socket");
        (ws, cookie)
    }

    pub async fn staff_login(&self, login: &str) -> String {
        self.app.get("/staff/login").await;
        let r = self
            .app
            .post(
                "/staff/login",
                &[("login", login), ("password", "kabinet-demo")],
            )
            .await;
        assert_eq!(
            r.header("hx-redirect"),
            Some("/staff/chat"),
            "{} {}",
            r.status,
            r.body
        );
        // As a browser does: follow the redirect (the CSRF token was rotated at login).
        self.app.get("/staff/chat").await;
        format!(
            "kabinet_staff={}",
            self.app.cookie("kabinet_staff").unwrap()
        )
    }

    pub async fn staff(&self) -> Ws {
        let cookie = self.staff_login("operator").await;
        self.connect("/staff/ws", Some(cookie), Some(&self.origin()))
            .await
            .expect("staff socket")
    }
}

/// The next JSON event (pings skipped); panics after 5 s.
pub async fn next(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no event within 5 s")
            .expect("socket ended")
            .expect("socket error");
        match m {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Close(f) => panic!("closed: {f:?}"),
            _ => {}
        }
    }
}

/// The next chat message event.
pub async fn next_msg(ws: &mut Ws) -> Value {
    loop {
        let v = next(ws).await;
        if v["t"] == "msg" {
            return v;
        }
    }
}

/// Reads until the server closes; returns the close code (None when the socket just ended).
pub async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Err(_) => panic!("socket still open after 10 s"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(f)))) => return f.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
        }
    }
}

pub fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

#[tokio::test]
async fn subscriber_and_staff_talk_live() {
    let l = live(test_config()).await;
    let (mut sub, _) = l.subscriber(0).await;
    assert_eq!(next(&mut sub).await["t"], "hello");
    let mut staff = l.staff().await;
    send(
        &mut sub,
        json!({"t": "send", "cid": "c-1", "body": "Здравствуйте, нет интернета"}),
    )
    .await;
    let mine = next_msg(&mut sub).await;
    assert_eq!(mine["cid"], "c-1");
    assert_eq!(mine["from"], "subscriber");
    let seen = next_msg(&mut staff).await;
    assert_eq!(seen["body"], "Здравствуйте, нет интернета");
    // Durable before anyone saw it.
    assert_eq!(
        l.app
            .count("SELECT COUNT(*) FROM chat_messages WHERE client_msg_id = 'c-1'"),
        1
    );
    let conv = seen["conv"].as_i64().unwrap();
    send(
        &mut staff,
        json!({"t": "send", "cid": "s-1", "conv": conv, "body": "Добрый день! Проверяем линию."}),
    )
    .await;
    let reply = next_msg(&mut sub).await;
    assert_eq!(reply["from"], "staff");
    assert_eq!(reply["staff"], "Оператор Демо");
    assert_eq!(reply["body"], "Добрый день! Проверяем линию.");
    assert_eq!(
        l.app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'chat.reply'"),
        1
    );
}

#[tokio::test]
async fn two_tabs_of_one_account_stay_in_sync() {
    let l = live(test_config()).await;
    let (mut tab1, cookie) = l.subscriber(0).await;
    let mut tab2 = l
        .connect("/chat/ws", Some(cookie), Some(&l.origin()))
        .await
        .unwrap();
    send(
        &mut tab1,
        json!({"t": "send", "cid": "tab-1", "body": "из первой вкладки"}),
    )
    .await;
    assert_eq!(next_msg(&mut tab2).await["body"], "из первой вкладки");
    let id = next_msg(&mut tab1).await["id"].as_i64().unwrap();
    send(&mut tab1, json!({"t": "read", "id": id})).await;
    loop {
        let v = next(&mut tab2).await;
        if v["t"] == "read" {
            assert_eq!(v["id"], id);
            break;
        }
    }
}

#[tokio::test]
async fn reconnect_with_last_id_gets_exactly_the_missed_messages() {
    let l = live(test_config()).await;
    let (mut sub, cookie) = l.subscriber(0).await;
    let mut staff = l.staff().await;
    send(
        &mut sub,
        json!({"t": "send", "cid": "r-1", "body": "первое"}),
    )
    .await;
    let first = next_msg(&mut sub).await;
    let last_seen = first["id"].as_i64().unwrap();
    let conv = next_msg(&mut staff).await["conv"].as_i64().unwrap();
    drop(sub); // network loss
    for (cid, body) in [("s-a", "ответ 1"), ("s-b", "ответ 2")] {
        send(
            &mut staff,
            json!({"t": "send", "cid": cid, "conv": conv, "body": body}),
        )
        .await;
        next_msg(&mut staff).await;
    }
    let mut again = l
        .connect(
            &format!("/chat/ws?after={last_seen}"),
            Some(cookie),
            Some(&l.origin()),
        )
        .await
        .unwrap();
    assert_eq!(next(&mut again).await["t"], "hello");
    assert_eq!(next_msg(&mut again).await["body"], "ответ 1");
    assert_eq!(next_msg(&mut again).await["body"], "ответ 2");
    // The client re-sends its pending message after the reconnect: stored once.
    send(
        &mut again,
        json!({"t": "send", "cid": "r-1", "body": "первое"}),
    )
    .await;
    send(
        &mut again,
        json!({"t": "send", "cid": "r-2", "body": "второе"}),
    )
    .await;
    let v = next_msg(&mut again).await;
    assert_eq!(
        v["body"], "второе",
        "nothing resent twice, nothing before the new one"
    );
    assert_eq!(
        l.app
            .count("SELECT COUNT(*) FROM chat_messages WHERE client_msg_id = 'r-1'"),
        1
    );
}

#[tokio::test]
async fn outside_working_hours_an_auto_reply_says_when_staff_answer() {
    let mut cfg = test_config();
    cfg.support_hours.auto_reply = true;
    cfg.support_hours.days = vec![1, 2, 3, 4, 5, 6, 7];
    cfg.support_hours.opens = "00:00".into();
    cfg.support_hours.closes = "00:01".into();
    let l = live(cfg).await;
    let (mut sub, _) = l.subscriber(0).await;
    send(
        &mut sub,
        json!({"t": "send", "cid": "n-1", "body": "Есть кто?"}),
    )
    .await;
    next_msg(&mut sub).await;
    let auto = next_msg(&mut sub).await;
    assert_eq!(auto["from"], "system");
    assert!(
        auto["body"].as_str().unwrap().contains("Мы ответим"),
        "{auto}"
    );
    send(
        &mut sub,
        json!({"t": "send", "cid": "n-2", "body": "Ещё вопрос"}),
    )
    .await;
    next_msg(&mut sub).await;
    assert_eq!(
        l.app
            .count("SELECT COUNT(*) FROM chat_messages WHERE sender = 'system'"),
        1,
        "one auto-reply per wait"
    );
}

#[tokio::test]
async fn concurrent_senders_all_reach_staff() {
    let l = live(test_config()).await;
    let mut staff = l.staff().await;
    let (mut a, _) = l.subscriber(0).await;
    l.app.clear_cookie("kabinet_session");
    l.app
        .login("78101424UL", crate::common::DEMO_PASSWORD)
        .await;
    let cookie = format!(
        "kabinet_session={}",
        l.app.cookie("kabinet_session").unwrap()
    );
    let mut b = l
        .connect("/chat/ws", Some(cookie), Some(&l.origin()))
        .await
        .unwrap();
    for i in 0..15 {
        send(
            &mut a,
            json!({"t": "send", "cid": format!("a-{i}"), "body": format!("a{i}")}),
        )
        .await;
        send(
            &mut b,
            json!({"t": "send", "cid": format!("b-{i}"), "body": format!("b{i}")}),
        )
        .await;
    }
    let mut last = 0;
    for _ in 0..30 {
        let id = next_msg(&mut staff).await["id"].as_i64().unwrap();
        assert!(id > last, "staff receives messages in id order");
        last = id;
    }
    assert_eq!(l.app.count("SELECT COUNT(*) FROM chat_messages"), 30);
}

#[tokio::test]
async fn a_staff_status_change_reaches_the_subscribers_open_page_live() {
    let l = live(test_config()).await;
    let (mut sub, _) = l.subscriber(0).await;
    assert_eq!(next(&mut sub).await["t"], "hello");
    let id = l.app.count(
        "SELECT id FROM requests WHERE kind = 'call_details' AND status = 'new' AND contract_id = 1",
    );
    let before = l.app.get_hx("/requests/active").await;
    assert!(before.body.contains("id=\"active-requests\""));
    l.staff_login("operator").await;
    let r = l
        .app
        .post(
            &format!("/staff/requests/{id}"),
            &[("status", "in_progress"), ("comment", "Взяли в работу")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Every tab of the account is told; the page then re-fetches its list.
    assert_eq!(next(&mut sub).await["t"], "requests");
    let after = l.app.get_hx("/requests/active").await;
    assert_ne!(before.body, after.body, "the list shows the new status");
    assert!(after.has_text("В работе"));
}
