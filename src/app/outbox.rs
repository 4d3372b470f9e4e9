//! Delivering the outbox: the jobs and background tasks that hand stored messages to the
//! senders in `services/` and record what happened.
use std::sync::Arc;

use crate::{
    db::outbox,
    domain::outbox::Delivery,
    services::mail,
    state::{AppState, SharedState},
};

/// A message that failed this many times is marked failed.
const MAX_ATTEMPTS: i64 = 5;

/// Delivers pending e-mail (when SMTP is configured). Returns how many were sent.
pub async fn flush(st: &SharedState) -> usize {
    let Some(host) = st.cfg.smtp.host.clone() else {
        return 0;
    };
    let pending = st.db.run(|c| Ok(outbox::pending_emails(c, 20)?)).await;
    let pending = match pending {
        Ok(p) if !p.is_empty() => p,
        Ok(_) => return 0,
        Err(e) => {
            tracing::warn!(error = %e, "outbox read failed");
            return 0;
        }
    };
    let cfg = st.cfg.smtp.clone();
    let results = tokio::task::spawn_blocking(move || mail::deliver(&cfg, &host, &pending))
        .await
        .unwrap_or_default();
    let now = st.clock.now();
    let sent = results.iter().filter(|(_, r)| r.is_ok()).count();
    let _ = st
        .db
        .run_quiet(move |c| {
            for (id, r) in &results {
                match r {
                    Ok(()) => outbox::email_sent(c, *id, now)?,
                    Err(e) => {
                        tracing::warn!(outbox = id, error = %e, "e-mail not sent");
                        outbox::email_failed(c, *id, e, MAX_ATTEMPTS)?
                    }
                }
            }
            Ok(())
        })
        .await;
    sent
}

/// Delivers outbox row `id`, an SMS that carries login code `code`, in the background. Once
/// the sender is done with it (sent, or failed for good) the stored text keeps only the code's
/// hash — the same keyed SHA-256 as `login_codes.code_hash`, cut to 16 hex digits — so support
/// can still match a code a subscriber reads out, and nobody with the database can log in with
/// it. Without a gateway (the outbox is the operator's own delivery queue) the row stays as is.
pub fn dispatch_code_sms(st: Arc<AppState>, id: i64, phone: String, text: String, code: &str) {
    let hash = crate::db::phone_login::code_hash(&st.csrf_key, &phone, code);
    let hashed = text.replace(code, &format!("[код sha256:{}]", &hex::encode(hash)[..16]));
    tokio::spawn(async move {
        let sender = st.sms.clone();
        let outcome = tokio::task::spawn_blocking(move || sender.send(&phone, &text))
            .await
            .unwrap_or_else(|e| Delivery::Failed(format!("sender crashed: {e}")));
        let now = st.clock.now();
        let r = st
            .db
            .run_quiet(move |c| {
                Ok(crate::db::phone_login::record_code_delivery(
                    c, id, &outcome, &hashed, now,
                )?)
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not record sms delivery");
        }
    });
}

/// Delivers outbox row `id` in the background and records the outcome. After a successful
/// delivery the stored text is blanked.
pub fn dispatch_sms(st: Arc<AppState>, id: i64, phone: String, text: String) {
    tokio::spawn(async move {
        let sender = st.sms.clone();
        let outcome = tokio::task::spawn_blocking(move || sender.send(&phone, &text))
            .await
            .unwrap_or_else(|e| Delivery::Failed(format!("sender crashed: {e}")));
        let now = st.clock.now();
        let r = st
            .db
            .run_quiet(move |c| {
                Ok(crate::db::phone_login::record_delivery(
                    c, id, &outcome, now,
                )?)
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not record sms delivery");
        }
    });
}
