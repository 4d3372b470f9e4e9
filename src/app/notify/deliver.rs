//! Delivery: e-mail to the outbox, SMS to the sender, pushes to the push services, with
//! retries and backoff.
use super::*;

/// E-mail notices go to the outbox (the mail job delivers them over SMTP), each with a link
/// and a one-click unsubscribe link.
pub(super) async fn deliver_email(st: &SharedState) -> Result<usize, AppError> {
    let now = st.clock.now();
    let batch = st.cfg.notify.batch;
    let base = base_url(&st.cfg);
    let key = unsubscribe_key(&st.csrf_key);
    st.db
        .run_quiet(move |c| {
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

pub(super) async fn deliver_sms(st: &SharedState) -> usize {
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
                .run_quiet(move |c| Ok(q::reschedule(c, id, now + wait)?))
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
            .run_quiet(move |c| {
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

pub(super) async fn deliver_push(st: &SharedState) -> usize {
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
    // Concurrent with a bound, each with its own timeout: a push service that hangs costs one
    // slot for `timeout_secs` and delays no other notice (issue 24).
    use futures_util::StreamExt;
    let parallel = st.cfg.notify.push.parallel.max(1) as usize;
    futures_util::stream::iter(due)
        .map(|(n, sub)| push_one(st, n, sub, now))
        .buffer_unordered(parallel)
        .fold(0, |sent, ok| async move { sent + usize::from(ok) })
        .await
}

/// One push notice: sent (true) or rescheduled/failed.
async fn push_one(st: &SharedState, n: q::NoticeRow, sub: Option<q::PushSub>, now: i64) -> bool {
    let id = n.id;
    let Some(sub) = sub else {
        let _ = st
            .db
            .run_quiet(move |c| Ok(q::failed(c, id, "subscription gone", now, true)?))
            .await;
        return false;
    };
    let ttl = st.cfg.notify.push.ttl_secs;
    let msg = rules::push_message(&n.subject, &n.body, &n.url);
    let payload = serde_json::to_vec(&msg).unwrap_or_default();
    let st2 = st.clone();
    let sub2 = sub.clone();
    let task = tokio::task::spawn_blocking(move || {
        let t = push::Target {
            endpoint: &sub2.endpoint,
            p256dh: &sub2.p256dh,
            auth: &sub2.auth,
        };
        push::send(&st2.push, &t, &payload, ttl, now)
    });
    // The client's own timeout ends the call; this one is the backstop for the task.
    let limit = st.push.timeout + Duration::from_secs(1);
    let outcome = match tokio::time::timeout(limit, task).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => Outcome::Retry(format!("push task crashed: {e}")),
        Err(_) => Outcome::Retry("push service timed out".into()),
    };
    let attempts = n.attempts;
    let sent = outcome == Outcome::Sent;
    let r = st
        .db
        .run_quiet(move |c| {
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
    sent
}
