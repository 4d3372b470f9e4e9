//! One task per chat WebSocket: a single `select!` over the client, the hub queue, the ping
//! timer and ended sessions. Limits: frame size (1009), frame rate (1008), idle timeout,
//! write timeout, bounded queue (see `hub`).
use futures_util::{SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocketConfig, WebSocketStream};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::time::{interval, timeout, MissedTickBehavior};

use crate::chat::{close, event, hours, hub::Topic, msg_event, valid_cid, ServerEvent};
use crate::{db, state::SharedState};

/// Who is on the other end.
#[derive(Debug, Clone)]
pub enum Peer {
    Subscriber { account_id: i64, contract_id: i64 },
    Staff { staff_id: i64, ip: String },
}

/// Every this many pings a socket checks that its session still exists.
const SESSION_CHECK_TICKS: u64 = 10;

/// tungstenite's own limits: well above the chat limit, so oversize frames get a clean 1009.
/// Small buffers (the defaults are 128 KiB each way): thousands of idle chat sockets must stay
/// cheap.
pub fn ws_config(st: &SharedState) -> WebSocketConfig {
    let cap = (st.cfg.chat.max_message_bytes * 4).max(16 * 1024);
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap))
        .max_write_buffer_size(1024 * 1024)
}

#[derive(Deserialize)]
struct In {
    t: String,
    #[serde(default)]
    cid: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    conv: i64,
    #[serde(default)]
    id: i64,
}

/// A token bucket for incoming frames.
struct Bucket {
    tokens: f64,
    burst: f64,
    per_sec: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let dt = now.duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + dt * self.per_sec).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn closing(code: u16, reason: &str) -> Message {
    Message::Close(Some((CloseCode::from(code), reason.to_owned())))
}

pub async fn run(st: SharedState, ws: WebSocketStream, peer: Peer, session_id: i64, after: i64) {
    let cfg = st.cfg.chat.clone();
    let (mut sink, mut stream) = ws.split();
    let topic = match peer {
        Peer::Subscriber { account_id, .. } => Topic::Account(account_id),
        Peer::Staff { .. } => Topic::Staff,
    };
    // Subscribe first, then read the backlog: nothing falls between the two.
    let mut sub = st.chat.subscribe(topic);
    let mut ended = st.ended_sessions.subscribe();
    let mut access = st.access_changed.subscribe();
    let write_timeout = Duration::from_secs(cfg.write_timeout_secs);
    let mut last_sent = 0i64;

    if let Peer::Subscriber { account_id, .. } = peer {
        let limit = cfg.history_limit;
        let backlog = st
            .db
            .run(move |c| {
                Ok((
                    db::chat::account_history(c, account_id, after.max(0), limit)?,
                    db::chat::last_read(c, account_id)?,
                ))
            })
            .await;
        let Ok((msgs, last_read)) = backlog else {
            let _ = sink.send(closing(close::TRY_AGAIN, "try again")).await;
            return;
        };
        let mut frames = vec![event(ServerEvent::Hello { last_read })];
        frames.extend(msgs.iter().map(|m| msg_event(m, &st.tz)));
        for f in frames {
            if f.id > 0 {
                last_sent = last_sent.max(f.id);
            }
            match timeout(write_timeout, sink.send(Message::Text(f.json.clone()))).await {
                Ok(Ok(())) => {}
                _ => return,
            }
        }
    }

    let mut ping = interval(Duration::from_secs(cfg.ping_interval_secs));
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    let idle = Duration::from_secs(cfg.idle_timeout_secs);
    let mut heard = Instant::now();
    let mut ticks = 0u64;
    let mut bucket = Bucket {
        tokens: f64::from(cfg.rate_burst),
        burst: f64::from(cfg.rate_burst),
        per_sec: 1000.0 / cfg.rate_refill_ms as f64,
        at: Instant::now(),
    };

    loop {
        let reply: Option<Message> = tokio::select! {
            incoming = stream.next() => {
                let m = match incoming {
                    None => break,
                    Some(Ok(m)) => m,
                    Some(Err(_)) => {
                        // Usually a frame above tungstenite's cap.
                        let _ = timeout(write_timeout, sink.send(closing(close::TOO_BIG, "message too big"))).await;
                        break;
                    }
                };
                heard = Instant::now();
                if matches!(m, Message::Close(_)) {
                    break;
                }
                if matches!(m, Message::Text(_) | Message::Binary(_)) && !bucket.take() {
                    let _ = timeout(write_timeout, sink.send(closing(close::FLOOD, "too many messages"))).await;
                    break;
                }
                match m {
                    Message::Text(t) if t.len() > cfg.max_message_bytes => {
                        let _ = timeout(write_timeout, sink.send(closing(close::TOO_BIG, "message too big"))).await;
                        break;
                    }
                    Message::Binary(b) if b.len() > cfg.max_message_bytes => {
                        let _ = timeout(write_timeout, sink.send(closing(close::TOO_BIG, "message too big"))).await;
                        break;
                    }
                    Message::Text(t) => {
                        let mut unlinked = false;
                        let reply = handle(&st, &peer, &t, &mut unlinked).await;
                        if unlinked {
                            if let Some(e) = reply {
                                let _ = timeout(write_timeout, sink.send(Message::Text(e.json.clone()))).await;
                            }
                            let _ = timeout(write_timeout, sink.send(closing(close::CONTRACT_GONE, "contract unlinked"))).await;
                            break;
                        }
                        reply.map(|e| Message::Text(e.json.clone()))
                    }
                    Message::Binary(_) => {
                        let _ = timeout(write_timeout, sink.send(closing(close::TEXT_ONLY, "text only"))).await;
                        break;
                    }
                    _ => None,
                }
            }
            ev = sub.rx.recv() => match ev {
                // The hub dropped us: we did not read fast enough.
                None => break,
                Some(ev) => {
                    if ev.id > 0 && ev.id <= last_sent {
                        None
                    } else {
                        if ev.id > 0 {
                            last_sent = ev.id;
                        }
                        Some(Message::Text(ev.json.clone()))
                    }
                }
            },
            _ = ping.tick() => {
                if heard.elapsed() > idle {
                    let _ = timeout(write_timeout, sink.send(closing(close::GOING_AWAY, "idle"))).await;
                    break;
                }
                // Sessions can also end without an announcement (expiry housekeeping).
                ticks += 1;
                if ticks.is_multiple_of(SESSION_CHECK_TICKS) {
                    let alive = st.db.run(move |c| Ok(db::sessions::exists(c, session_id)?)).await.unwrap_or(true);
                    if !alive {
                        let _ = timeout(write_timeout, sink.send(closing(close::SESSION_ENDED, "session ended"))).await;
                        break;
                    }
                }
                Some(Message::Ping(Vec::new()))
            }
            changed = access.recv() => match (changed, &peer) {
                (Ok(pair), Peer::Subscriber { account_id, contract_id }) if pair == (*account_id, *contract_id) => {
                    let _ = timeout(write_timeout, sink.send(closing(close::CONTRACT_GONE, "access changed"))).await;
                    break;
                }
                (Err(tokio::sync::broadcast::error::RecvError::Closed), _) => break,
                _ => None,
            },
            ids = ended.recv() => match ids {
                Ok(ids) if ids.contains(&session_id) => {
                    let _ = timeout(write_timeout, sink.send(closing(close::SESSION_ENDED, "session ended"))).await;
                    break;
                }
                Ok(_) => None,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Missed announcements: ask the database.
                    let alive = st.db.run(move |c| Ok(db::sessions::exists(c, session_id)?)).await.unwrap_or(true);
                    if !alive {
                        let _ = timeout(write_timeout, sink.send(closing(close::SESSION_ENDED, "session ended"))).await;
                        break;
                    }
                    None
                }
                Err(_) => break,
            },
        };
        if let Some(m) = reply {
            match timeout(write_timeout, sink.send(m)).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
    }
    drop(sub);
}

fn err(cid: &str, text: &str) -> Option<crate::chat::hub::Event> {
    Some(event(ServerEvent::Err { cid, text }))
}

/// Handles one client frame; returns a reply for this socket only (errors). Sets `unlinked`
/// when the account no longer holds the socket's contract (the socket must close).
async fn handle(
    st: &SharedState,
    peer: &Peer,
    text: &str,
    unlinked: &mut bool,
) -> Option<crate::chat::hub::Event> {
    let Ok(m) = serde_json::from_str::<In>(text) else {
        return err("", "Непонятное сообщение");
    };
    match (m.t.as_str(), peer.clone()) {
        ("send", p) => {
            let body = m.body.trim().to_owned();
            if !valid_cid(&m.cid) {
                return err("", "Непонятное сообщение");
            }
            if body.is_empty() {
                return err(&m.cid, "Напишите сообщение");
            }
            let now = st.clock.now();
            let cid = m.cid.clone();
            match p {
                Peer::Subscriber {
                    account_id,
                    contract_id,
                } => {
                    if !st.chat_quota.message(account_id) {
                        return err(&m.cid, "Слишком много сообщений: подождите немного");
                    }
                    let sh = &st.cfg.support_hours;
                    let auto = if sh.auto_reply {
                        hours::closed_until(sh, &st.tz, now).map(|w| hours::auto_reply(&w))
                    } else {
                        None
                    };
                    let _order = st.chat.write_order.lock().await;
                    let r = st
                        .db
                        .write(move |c| {
                            db::chat::subscriber_send_in(
                                c,
                                account_id,
                                contract_id,
                                &cid,
                                &body,
                                now,
                                auto,
                            )
                        })
                        .await;
                    match r {
                        Ok(msgs) => {
                            for x in &msgs {
                                let e = msg_event(x, &st.tz);
                                st.chat.publish(Topic::Account(account_id), e.clone());
                                st.chat.publish(Topic::Staff, e);
                            }
                            None
                        }
                        Err(crate::error::AppError::NoContract) => {
                            tracing::info!(
                                account_id,
                                contract_id,
                                "chat: contract no longer linked; socket closed"
                            );
                            *unlinked = true;
                            err(&m.cid, "Этот договор больше не привязан к вашему аккаунту")
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "chat message not stored");
                            err(&m.cid, "Не удалось отправить, пробуем ещё раз")
                        }
                    }
                }
                Peer::Staff { staff_id, ip } => {
                    let conv = m.conv;
                    let _order = st.chat.write_order.lock().await;
                    let r = st
                        .db
                        .run(move |c| {
                            let m = db::chat::staff_send(c, staff_id, conv, &cid, &body, now)?;
                            if let Some(m) = &m {
                                db::audit::staff(
                                    c,
                                    &db::audit::Entry {
                                        staff_id,
                                        action: "chat.reply",
                                        target: &format!("conversation:{conv}"),
                                        details: &format!("message:{}", m.id),
                                        ip: &ip,
                                        now,
                                    },
                                )?;
                            }
                            Ok(m)
                        })
                        .await;
                    match r {
                        Ok(Some(x)) => {
                            let e = msg_event(&x, &st.tz);
                            st.chat.publish(Topic::Account(x.account_id), e.clone());
                            st.chat.publish(Topic::Staff, e);
                            if st.chat.listeners(Topic::Account(x.account_id)) == 0 {
                                crate::app::notify::chat_reply(st, &x).await;
                            }
                            None
                        }
                        Ok(None) => err(&m.cid, "Диалог закрыт"),
                        Err(e) => {
                            tracing::warn!(error = %e, "chat reply not stored");
                            err(&m.cid, "Не удалось отправить, пробуем ещё раз")
                        }
                    }
                }
            }
        }
        ("read", Peer::Subscriber { account_id, .. }) => {
            let upto = m.id;
            if upto <= 0 {
                return None;
            }
            let ok = st
                .db
                .run(move |c| Ok(db::chat::mark_read(c, account_id, upto)?))
                .await
                .is_ok();
            if ok {
                st.chat.publish(
                    Topic::Account(account_id),
                    event(ServerEvent::Read { id: upto }),
                );
            }
            None
        }
        _ => err("", "Непонятное сообщение"),
    }
}
