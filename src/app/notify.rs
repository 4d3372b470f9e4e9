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
pub fn load_push(c: &Conn, cfg: &crate::config::Config) -> Result<PushState, AppError> {
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
    Ok(PushState {
        vapid,
        agent: push::agent(),
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
        let mut last_scan = i64::MIN;
        loop {
            tick.tick().await;
            let now = st.clock.now();
            if now - last_scan >= 3600 {
                last_scan = now;
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
        match fan_out(st).await {
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
        match deliver_email(st).await {
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
    r.sms = deliver_sms(st).await;
    r.pushes = deliver_push(st).await;
    r
}

fn base_url(cfg: &crate::config::Config) -> Option<String> {
    cfg.notify
        .public_url
        .clone()
        .or_else(|| cfg.payments.public_url.clone())
        .or_else(|| cfg.referral.base_url.clone())
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// Fans out one batch of events; returns how many were handled.
async fn fan_out(st: &SharedState) -> Result<usize, AppError> {
    let now = st.clock.now();
    let cfg = st.cfg.notify.clone();
    let (tz, cur) = (st.tz.clone(), st.cfg.branding.currency_symbol.clone());
    st.db
        .run(move |c| {
            let tx = db::begin_write(c)?;
            let events = q::pending_events(&tx, cfg.batch)?;
            for e in &events {
                let state = one_event(&tx, e, &cfg, &tz, &cur, now)?;
                q::mark_event(&tx, e.id, state, now)?;
            }
            tx.commit()?;
            Ok(events.len())
        })
        .await
}

fn one_event(
    c: &Conn,
    e: &q::EventRow,
    cfg: &crate::config::Notify,
    tz: &jiff::tz::TimeZone,
    cur: &str,
    now: i64,
) -> Result<&'static str, AppError> {
    let Some(kind) = Kind::parse(&e.kind) else {
        return Ok("done");
    };
    if kind != Kind::Broadcast && now - e.occurred_at > rules::STALE_SECS {
        return Ok("stale");
    }
    if kind.capped()
        && q::announced_since(c, e.contract_id, now - 86_400)?
            >= i64::from(cfg.daily_cap_per_contract)
    {
        tracing::info!(
            contract_id = e.contract_id,
            kind = kind.code(),
            "notice over the daily cap"
        );
        return Ok("capped");
    }
    let Some((facts, url)) = facts(c, kind, e, cur)? else {
        return Ok("done");
    };
    let (subject, body) = rules::render(kind, &facts);
    let sms_at = {
        let z = time::zoned(now, tz);
        let minute = z.hour() as u32 * 60 + z.minute() as u32;
        now + cfg.quiet_hours().wait_secs(minute, z.second() as u32)
    };
    for r in q::recipients(c, e.contract_id)? {
        // A chat reply is for the account that wrote, not every holder of the contract.
        if kind == Kind::ChatReply && e.ref_id != Some(r.account_id) {
            continue;
        }
        let prefs = q::prefs(c, r.account_id)?;
        let queue = |ch: Channel, target: &str, next_at: i64| {
            q::insert_notice(
                c,
                &q::NewNotice {
                    event_id: e.id,
                    account_id: r.account_id,
                    contract_id: e.contract_id,
                    kind,
                    channel: ch,
                    target,
                    subject: &subject,
                    body: &body,
                    url: &url,
                    next_at,
                    now,
                },
            )
        };
        if prefs.get(kind, Channel::Email) {
            if let Some(to) = &r.email {
                queue(Channel::Email, to, now)?;
            }
        }
        if prefs.get(kind, Channel::Sms) {
            if let Some(p) = &r.phone {
                queue(Channel::Sms, p, sms_at)?;
            }
        }
        if prefs.get(kind, Channel::Push) {
            for s in q::push_subs(c, r.account_id)? {
                queue(Channel::Push, &format!("sub:{}", s.id), now)?;
            }
        }
    }
    Ok("done")
}

/// The facts and the link of an event; None when what it refers to is gone.
fn facts(
    c: &Conn,
    kind: Kind,
    e: &q::EventRow,
    cur: &str,
) -> Result<Option<(Facts, String)>, AppError> {
    let Some(contract) = q::contract_number(c, e.contract_id)? else {
        return Ok(None);
    };
    let mut f = Facts {
        contract,
        ..Facts::default()
    };
    let amount = |s: &str| money::format(s.parse::<i64>().unwrap_or(0), cur);
    let url = match kind {
        Kind::Payment | Kind::AutopayOk | Kind::AutopayDeclined => {
            f.amount = amount(&e.detail);
            routes::HOME.to_owned()
        }
        Kind::LowBalance => {
            let (date, short) = e.detail.split_once('|').unwrap_or(("", "0"));
            f.detail = rules::short_date(date);
            f.amount = amount(short);
            routes::HOME.to_owned()
        }
        Kind::RequestStatus => {
            let Some(id) = e.ref_id else { return Ok(None) };
            let Some(title) = q::request_title(c, id)? else {
                return Ok(None);
            };
            f.what = title;
            f.detail = WorkStatus::parse(&e.detail)
                .map(|s| s.label().to_lowercase())
                .unwrap_or_default();
            routes::request(id)
        }
        Kind::Document => {
            f.what = e.detail.clone();
            routes::DOCUMENTS.to_owned()
        }
        Kind::ServiceStatus => {
            let (status, name) = e.detail.split_once(':').unwrap_or(("", ""));
            f.what = name.to_owned();
            f.detail = ServiceStatus::parse(status)
                .map(|s| s.label().to_lowercase())
                .unwrap_or_default();
            routes::HOME.to_owned()
        }
        Kind::ChatReply => {
            f.detail = e.detail.clone();
            routes::HOME.to_owned()
        }
        Kind::Broadcast => {
            let Some(id) = e.ref_id else { return Ok(None) };
            let Some((title, body)) = q::broadcast_text(c, id)? else {
                return Ok(None);
            };
            f.what = title;
            f.detail = body;
            routes::HOME.to_owned()
        }
    };
    Ok(Some((f, url)))
}

/// E-mail notices go to the outbox (the mail job delivers them over SMTP), each with a link
/// and a one-click unsubscribe link.
async fn deliver_email(st: &SharedState) -> Result<usize, AppError> {
    let now = st.clock.now();
    let batch = st.cfg.notify.batch;
    let base = base_url(&st.cfg);
    let key = unsubscribe_key(&st.csrf_key);
    st.db
        .run(move |c| {
            let tx = db::begin_write(c)?;
            let due = q::due(&tx, Channel::Email, now, batch)?;
            for n in &due {
                let body = email_body(n, base.as_deref(), &key);
                db::outbox::queue_email(&tx, &n.target, &n.subject, &body, now)?;
                q::sent(&tx, n.id, now)?;
            }
            tx.commit()?;
            Ok(due.len())
        })
        .await
}

fn email_body(n: &q::NoticeRow, base: Option<&str>, key: &[u8; 32]) -> String {
    let mut b = format!("Здравствуйте!\n\n{}\n", n.body);
    match base {
        Some(base) => {
            b.push_str(&format!("\nОткрыть личный кабинет: {base}{}\n", n.url));
            if let (Some(a), Some(k)) = (n.account_id, Kind::parse(&n.kind)) {
                b.push_str(&format!(
                    "\nНе хотите получать такие письма? Отписаться одним нажатием: {base}{}\n\
                     Все настройки: {base}{}\n",
                    routes::notify_unsubscribe(&unsubscribe_token(key, a, k)),
                    routes::NOTIFICATIONS
                ));
            }
        }
        None => b.push_str(
            "\nНастроить или отключить уведомления: личный кабинет, меню настроек, «Уведомления».\n",
        ),
    }
    b
}

fn unsubscribe_key(csrf_key: &[u8; 32]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(csrf_key).expect("any key length");
    m.update(b"kabinet notice unsubscribe");
    m.finalize().into_bytes().into()
}

fn mac(key: &[u8; 32], account: i64, kind: Kind) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    m.update(format!("{account}:{}", kind.code()).as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

/// `{account}.{event}.{mac}`: unsubscribes that account from e-mail for that event.
pub fn unsubscribe_token(key: &[u8; 32], account: i64, kind: Kind) -> String {
    format!("{account}.{}.{}", kind.code(), mac(key, account, kind))
}

fn check_token(key: &[u8; 32], token: &str) -> Option<(i64, Kind)> {
    let mut it = token.splitn(3, '.');
    let account: i64 = it.next()?.parse().ok()?;
    let kind = Kind::parse(it.next()?)?;
    let given = it.next()?;
    let want = mac(key, account, kind);
    // Constant-time comparison of the hex strings.
    let same = given.len() == want.len()
        && given
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some((account, kind))
}

/// The one-click unsubscribe link: e-mail off for that event. Returns the event, or None for
/// a link that is not ours.
pub async fn unsubscribe(
    st: &SharedState,
    token: &str,
    on: bool,
) -> Result<Option<Kind>, AppError> {
    let Some((account, kind)) = check_token(&unsubscribe_key(&st.csrf_key), token) else {
        return Ok(None);
    };
    st.db
        .run(move |c| {
            q::set_pref(c, account, kind, Channel::Email, on)?;
            Ok(Some(kind))
        })
        .await
}

async fn deliver_sms(st: &SharedState) -> usize {
    let now = st.clock.now();
    let batch = st.cfg.notify.batch;
    let Ok(due) = st
        .db
        .run(move |c| Ok(q::due(c, Channel::Sms, now, batch)?))
        .await
    else {
        return 0;
    };
    let z = time::zoned(now, &st.tz);
    let wait = st
        .cfg
        .notify
        .quiet_hours()
        .wait_secs(z.hour() as u32 * 60 + z.minute() as u32, z.second() as u32);
    let mut sent = 0;
    for n in due {
        let id = n.id;
        if wait > 0 {
            // A retry that fell into quiet hours waits for the morning (not an attempt).
            let _ = st
                .db
                .run(move |c| Ok(q::reschedule(c, id, now + wait)?))
                .await;
            continue;
        }
        let sender: std::sync::Arc<dyn sms::SmsSender> = st.sms.clone();
        let (phone, text) = (n.target.clone(), n.body.clone());
        let outcome = tokio::task::spawn_blocking(move || sender.send(&phone, &text))
            .await
            .unwrap_or_else(|e| {
                crate::domain::outbox::Delivery::Failed(format!("sender crashed: {e}"))
            });
        let attempts = n.attempts;
        let r = st
            .db
            .run(move |c| {
                use crate::domain::outbox::Delivery;
                match outcome {
                    Delivery::Sent | Delivery::Stored => {
                        let stored = outcome == Delivery::Stored;
                        q::outbox_sms(c, &n.target, &n.body, !stored, now)?;
                        q::sent(c, id, now)?;
                        Ok(true)
                    }
                    Delivery::Failed(e) => {
                        let give_up = attempts + 1 >= rules::MAX_ATTEMPTS;
                        q::failed(c, id, &e, now + rules::backoff_secs(attempts), give_up)?;
                        Ok(false)
                    }
                }
            })
            .await;
        if matches!(r, Ok(true)) {
            sent += 1;
        }
    }
    sent
}

async fn deliver_push(st: &SharedState) -> usize {
    if !st.cfg.notify.push.enabled {
        return 0;
    }
    let now = st.clock.now();
    let batch = st.cfg.notify.batch;
    let Ok(due) = st
        .db
        .run(move |c| {
            let due = q::due(c, Channel::Push, now, batch)?;
            let mut v = Vec::with_capacity(due.len());
            for n in due {
                let sub = n
                    .target
                    .strip_prefix("sub:")
                    .and_then(|s| s.parse::<i64>().ok())
                    .map(|id| q::push_sub(c, id))
                    .transpose()?
                    .flatten();
                v.push((n, sub));
            }
            Ok(v)
        })
        .await
    else {
        return 0;
    };
    let ttl = st.cfg.notify.push.ttl_secs;
    let mut sent = 0;
    for (n, sub) in due {
        let id = n.id;
        let Some(sub) = sub else {
            let _ = st
                .db
                .run(move |c| Ok(q::failed(c, id, "subscription gone", now, true)?))
                .await;
            continue;
        };
        let msg = rules::push_message(&n.subject, &n.body, &n.url);
        let payload = serde_json::to_vec(&msg).unwrap_or_default();
        let st2 = st.clone();
        let sub2 = sub.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let t = push::Target {
                endpoint: &sub2.endpoint,
                p256dh: &sub2.p256dh,
                auth: &sub2.auth,
            };
            push::send(&st2.push.vapid, &st2.push.agent, &t, &payload, ttl, now)
        })
        .await
        .unwrap_or_else(|e| Outcome::Retry(format!("push task crashed: {e}")));
        let attempts = n.attempts;
        if outcome == Outcome::Sent {
            sent += 1;
        }
        let r = st
            .db
            .run(move |c| {
                match outcome {
                    Outcome::Sent => {
                        q::sent(c, id, now)?;
                        q::push_ok(c, sub.id, now)?;
                    }
                    Outcome::Gone => {
                        tracing::info!(subscription = sub.id, "push subscription gone; removed");
                        q::remove_push_sub(c, sub.id, now)?;
                    }
                    Outcome::Retry(e) => {
                        tracing::warn!(notice = id, error = %e, "push not delivered; will retry");
                        let give_up = attempts + 1 >= rules::MAX_ATTEMPTS;
                        q::failed(c, id, &e, now + rules::backoff_secs(attempts), give_up)?;
                    }
                    Outcome::Failed(e) => {
                        tracing::warn!(notice = id, error = %e, "push refused");
                        q::failed(c, id, &e, now, true)?;
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "notify: push outcome not stored");
        }
    }
    sent
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
        .run(move |c| {
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

/// What «Уведомления» shows.
pub struct Settings {
    pub prefs: Prefs,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Used when `email` is not set (the contract's e-mail for documents).
    pub default_email: Option<String>,
    pub devices: i64,
    /// For the «Включить на этом устройстве» button.
    pub vapid_public: String,
}

pub async fn settings(st: &SharedState, account: i64) -> Result<Settings, AppError> {
    let vapid_public = st.push.vapid.public_key().to_owned();
    st.db
        .run(move |c| {
            let (email, phone) = q::contacts(c, account)?;
            Ok(Settings {
                prefs: q::prefs(c, account)?,
                email,
                phone,
                default_email: q::default_email(c, account)?,
                devices: q::push_sub_count(c, account)?,
                vapid_public,
            })
        })
        .await
}

/// Saves the «Уведомления» form. Err: the form names an unknown event or channel, or a bad
/// contact (nothing is stored then).
pub async fn save_settings(
    st: &SharedState,
    account: i64,
    fields: Vec<(String, String)>,
) -> Result<Result<(), PrefsError>, AppError> {
    let (prefs, email, phone) = match rules::parse_form(&fields) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let now = st.clock.now();
    st.db
        .run(move |c| {
            q::save_prefs(c, account, &prefs, email.as_deref(), phone.as_deref(), now)?;
            Ok(Ok(()))
        })
        .await
}

/// A browser's push subscription (from `PushManager.subscribe`).
#[derive(Debug, serde::Deserialize)]
pub struct Subscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

#[derive(Debug, serde::Deserialize)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

pub async fn subscribe(
    st: &SharedState,
    account: i64,
    s: Subscription,
    user_agent: String,
) -> Result<Result<(), rules::SubscriptionError>, AppError> {
    let p = &st.cfg.notify.push;
    if let Err(e) = rules::check_endpoint(&s.endpoint, p.allow_http, &p.allowed_hosts) {
        return Ok(Err(e));
    }
    if !push::keys_valid(&s.keys.p256dh, &s.keys.auth) {
        return Ok(Err(rules::SubscriptionError::Keys));
    }
    let now = st.clock.now();
    let ua: String = user_agent.chars().take(300).collect();
    st.db
        .run(move |c| {
            q::add_push_sub(
                c,
                account,
                &s.endpoint,
                &s.keys.p256dh,
                &s.keys.auth,
                &ua,
                now,
            )?;
            Ok(Ok(()))
        })
        .await
}

pub async fn unsubscribe_device(
    st: &SharedState,
    account: i64,
    endpoint: String,
) -> Result<bool, AppError> {
    st.db
        .run(move |c| Ok(q::remove_push_endpoint(c, account, &endpoint)? > 0))
        .await
}

/// For /metrics: pending notices per channel, events not yet fanned out.
pub async fn backlog(st: &SharedState) -> Result<(Vec<(String, i64)>, i64), AppError> {
    st.db.run(|c| Ok(q::backlog(c)?)).await
}

/// The live broadcasts for the in-memory banners (at start and after each new one).
pub fn load_banners(c: &Conn, now: i64) -> Result<Vec<rules::Banner>, AppError> {
    Ok(q::live_broadcasts(c, now)?)
}

/// Who publishes a broadcast (for the audit log).
pub struct Publisher {
    pub staff_id: i64,
    pub ip: String,
}

/// A staff broadcast: stored, one event per contract (the job delivers them through each
/// user's channels), audited, and shown as a banner on those contracts' main page until the
/// end of `until`. Returns (id, contracts).
pub async fn broadcast(
    st: &SharedState,
    who: Publisher,
    form: BroadcastForm,
) -> Result<Result<(i64, usize), rules::BroadcastErrors>, AppError> {
    let now = st.clock.now();
    let today = time::zoned(now, &st.tz).date();
    let draft = match rules::parse_broadcast(
        &form.title,
        &form.body,
        form.to_all,
        &form.contracts,
        &form.until,
        today,
    ) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let ends_at = draft
        .until
        .checked_add(jiff::Span::new().days(1))
        .ok()
        .and_then(|d| d.to_zoned(st.tz.clone()).ok())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(now + 86_400);
    let r = st
        .db
        .run(move |c| {
            let tx = db::begin_write(c)?;
            let (ids, missing) = q::contracts_by_number(&tx, &draft.numbers)?;
            if !missing.is_empty() {
                let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
                return Ok(Err(rules::BroadcastErrors {
                    contracts: Some(format!("Нет таких договоров: {}", shown.join(", "))),
                    ..Default::default()
                }));
            }
            let (id, n) = q::insert_broadcast(
                &tx,
                &q::NewBroadcast {
                    title: &draft.title,
                    body: &draft.body,
                    to_all: draft.to_all,
                    contracts: &ids,
                    ends_at,
                    staff_id: who.staff_id,
                    now,
                },
            )?;
            db::audit::staff(
                &tx,
                &db::audit::Entry {
                    staff_id: who.staff_id,
                    action: "broadcast.create",
                    target: &format!("broadcast:{id}"),
                    details: &format!(
                        "{}: {n} договоров до {}: {}",
                        if draft.to_all {
                            "всем"
                        } else {
                            "выбранным"
                        },
                        draft.until,
                        draft.title
                    ),
                    ip: &who.ip,
                    now,
                },
            )?;
            tx.commit()?;
            Ok(Ok((id, n, q::live_broadcasts(c, now)?)))
        })
        .await?;
    Ok(r.map(|(id, n, live)| {
        st.banners.replace(live);
        tracing::info!(broadcast = id, contracts = n, "broadcast queued");
        (id, n)
    }))
}

/// The broadcast form as submitted.
#[derive(Debug, Default, serde::Deserialize)]
pub struct BroadcastForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, deserialize_with = "checkbox")]
    pub to_all: bool,
    #[serde(default)]
    pub contracts: String,
    #[serde(default)]
    pub until: String,
}

fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s: String = serde::Deserialize::deserialize(d)?;
    Ok(!s.is_empty())
}

pub async fn broadcasts(st: &SharedState) -> Result<Vec<rules::BroadcastRow>, AppError> {
    st.db.run(|c| Ok(q::broadcasts(c, 50)?)).await
}

/// The banners a contract's main page shows now.
pub fn banners_for(st: &SharedState, contract_id: i64) -> Vec<(String, String)> {
    st.banners.for_contract(contract_id, st.clock.now())
}

/// A staff reply reached no open chat of the subscriber: tell them (once per message).
pub async fn chat_reply(st: &SharedState, m: &crate::domain::chat::Msg) {
    let (id, conv, account) = (m.id, m.conversation_id, m.account_id);
    let text: String = m.body.chars().take(200).collect();
    let now = st.clock.now();
    let r = st
        .db
        .run(move |c| {
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
