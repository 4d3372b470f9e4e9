//! Notifications: turning recorded events into notices (who, which channels, the daily cap,
//! quiet hours for SMS) and delivering them in the background with retries and backoff.
//!
//! Events are recorded by database triggers in the same transaction as what happened (a
//! request's status, a ledger payment, an autopay result, a closing document, a service's
//! status) under a key unique per source row, so an event repeated — a retried webhook, a
//! restart half way — is one event. Fan-out writes at most one notice per event, channel and
//! address (`UNIQUE(event_id, channel, target)`), in one transaction with marking the event
//! done. Requests never wait for any of it.
use std::time::Duration;

mod broadcast;
mod deliver;
mod fanout;
mod settings;
pub use broadcast::*;
pub use settings::*;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{
    db::{self, notify as q, Conn},
    domain::{
        money,
        notify::{self as rules, Channel, Facts, Kind, Prefs, PrefsError},
        states::{ServiceStatus, WorkStatus},
        time,
    },
    error::AppError,
    routes,
    services::{
        push::{self, Outcome, PushState, Vapid},
        sms,
    },
    state::SharedState,
};

/// The VAPID key from the config, else the one kept in the database (made at first start).
pub fn load_push(
    c: &Conn,
    cfg: &crate::config::Config,
    client: crate::services::outbound::Outbound,
) -> Result<PushState, AppError> {
    let secret = match &cfg.notify.push.vapid_private_key {
        Some(k) => hex::decode(k).map_err(|e| AppError::Internal(e.to_string()))?,
        None => match db::setting(c, "vapid_key")? {
            Some(k) => hex::decode(k).map_err(|e| AppError::Internal(e.to_string()))?,
            None => {
                let k = push::new_secret();
                db::set_setting(c, "vapid_key", &hex::encode(k))?;
                k.to_vec()
            }
        },
    };
    let subject = cfg.notify.push.subject.clone().unwrap_or_else(|| {
        let from = cfg.smtp.from.as_str();
        let addr = from
            .rsplit_once('<')
            .map(|(_, a)| a.trim_end_matches('>'))
            .unwrap_or(from);
        format!("mailto:{}", addr.trim())
    });
    let vapid = Vapid::new(&secret, &subject)
        .ok_or_else(|| AppError::Internal("the VAPID key is not a P-256 key".into()))?;
    let p = &cfg.notify.push;
    Ok(PushState {
        vapid,
        client,
        rules: push::EndpointRules {
            hosts: p.allowed_hosts.clone(),
            allow_http: p.allow_http,
        },
        timeout: Duration::from_secs(p.timeout_secs),
    })
}

/// After the demo data is seeded: its history is not news, and the demo subscriber gets an
/// address for notices (shown in the demo outbox).
pub fn seed_demo(c: &Conn, now: i64) -> Result<(), AppError> {
    q::clear_events(c)?;
    if let Some(a) = q::contract_account(c, db::demo::MAIN_CONTRACT)? {
        q::set_contact_email(c, a, DEMO_EMAIL, now)?;
    }
    Ok(())
}

pub const DEMO_EMAIL: &str = "buh@sluzhebny.example.ru";

/// The background loop: fan out, deliver, and look for low balances once an hour.
pub fn spawn(st: SharedState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(st.cfg.notify.job_interval_secs));
        // None: scan on the first round (a sentinel like i64::MIN overflowed `now - last`).
        let mut last_scan: Option<i64> = None;
        loop {
            tick.tick().await;
            let now = st.clock.now();
            if last_scan.is_none_or(|t| now.saturating_sub(t) >= 3600) {
                last_scan = Some(now);
                if let Err(e) = low_balance_scan(&st).await {
                    tracing::warn!(error = %e, "notify: low balance scan failed");
                }
            }
            run(&st).await;
        }
    })
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub events: usize,
    pub emails: usize,
    pub sms: usize,
    pub pushes: usize,
}

/// After a full batch the job rests as long as the batch took, so a large broadcast takes at
/// most about half of the CPU and commits in few large transactions: pages keep their speed
/// while it is delivered.
async fn rest(since: std::time::Instant) {
    tokio::time::sleep(since.elapsed().min(Duration::from_secs(2))).await;
}

/// One pass: every waiting event fanned out, every due notice tried once.
pub async fn run(st: &SharedState) -> Run {
    let mut r = Run::default();
    let batch = st.cfg.notify.batch as usize;
    loop {
        let t = std::time::Instant::now();
        match fanout::fan_out(st).await {
            Ok(n) => {
                r.events += n;
                if n < batch {
                    break;
                }
                rest(t).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "notify: fan-out failed");
                break;
            }
        }
    }
    // Handing e-mail to the outbox is local: drain it (a broadcast makes many).
    loop {
        let t = std::time::Instant::now();
        match deliver::deliver_email(st).await {
            Ok(n) => {
                r.emails += n;
                if n < batch {
                    break;
                }
                rest(t).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "notify: e-mail hand-over failed");
                break;
            }
        }
    }
    r.sms = deliver::deliver_sms(st).await;
    r.pushes = deliver::deliver_push(st).await;
    r
}

pub(super) fn base_url(cfg: &crate::config::Config) -> Option<String> {
    cfg.notify
        .public_url
        .clone()
        .or_else(|| cfg.payments.public_url.clone())
        .or_else(|| cfg.referral.base_url.clone())
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// Records «Баланс меньше следующего списания» for contracts whose next charge (the earliest
/// paid-until date of an active periodic service within `low_balance_days`) is more than the
/// balance. Once per contract and charge date.
pub async fn low_balance_scan(st: &SharedState) -> Result<usize, AppError> {
    let now = st.clock.now();
    let today = time::zoned(now, &st.tz).date();
    let horizon = today
        .checked_add(jiff::Span::new().days(i64::from(st.cfg.notify.low_balance_days)))
        .unwrap_or(today);
    let (today, horizon) = (today.to_string(), horizon.to_string());
    st.db
        .run_quiet(move |c| {
            let tx = db::begin_write(c)?;
            let mut n = 0;
            for (cid, date, short) in q::short_before_charge(&tx, &today, &horizon)? {
                let key = format!("low_balance:{cid}:{date}");
                if q::record_event(
                    &tx,
                    &key,
                    Kind::LowBalance,
                    cid,
                    None,
                    &format!("{date}|{short}"),
                    now,
                )? {
                    n += 1;
                }
            }
            tx.commit()?;
            Ok(n)
        })
        .await
}

/// For /metrics: pending notices per channel, events not yet fanned out.
pub async fn backlog(st: &SharedState) -> Result<(Vec<(String, i64)>, i64), AppError> {
    st.db.run(|c| Ok(q::backlog(c)?)).await
}

/// A staff reply reached no open chat of the subscriber: tell them (once per message).
pub async fn chat_reply(st: &SharedState, m: &crate::domain::chat::Msg) {
    let (id, conv, account) = (m.id, m.conversation_id, m.account_id);
    let text: String = m.body.chars().take(200).collect();
    let now = st.clock.now();
    let r = st
        .db
        .run_quiet(move |c| {
            if let Some(cid) = q::conversation_contract(c, conv)? {
                q::record_event(
                    c,
                    &format!("chat:{id}"),
                    Kind::ChatReply,
                    cid,
                    Some(account),
                    &text,
                    now,
                )?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "notify: chat reply event not stored");
    }
}
