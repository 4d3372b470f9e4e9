//! E-mail: messages are queued in the `outbox` table inside the caller's transaction, and a
//! sender job delivers them over SMTP (lettre). Without SMTP config they stay in the outbox.
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::authentication::Credentials,
    Message, SmtpTransport, Transport,
};

use crate::{
    config::{Smtp, SmtpTls},
    db::outbox::{self, PendingEmail as Pending},
    state::SharedState,
};

const MAX_ATTEMPTS: i64 = 5;

fn transport(cfg: &Smtp, host: &str) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
    let b = match cfg.tls {
        SmtpTls::Starttls => SmtpTransport::starttls_relay(host)?,
        SmtpTls::Tls => SmtpTransport::relay(host)?,
        SmtpTls::None => SmtpTransport::builder_dangerous(host),
    };
    let b = b
        .port(cfg.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
    let b = match (&cfg.username, &cfg.password) {
        (Some(u), Some(p)) => b.credentials(Credentials::new(u.clone(), p.clone())),
        _ => b,
    };
    Ok(b.build())
}

fn build(from: &Mailbox, m: &Pending) -> Result<Message, String> {
    let to: Mailbox = m.to.parse().map_err(|e| format!("recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

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
    let results = tokio::task::spawn_blocking(move || {
        let from: Mailbox = match cfg.from.parse() {
            Ok(f) => f,
            Err(e) => return vec![(0, Err(format!("from: {e}")))],
        };
        let t = match transport(&cfg, &host) {
            Ok(t) => t,
            Err(e) => return pending.iter().map(|m| (m.id, Err(e.to_string()))).collect(),
        };
        pending
            .iter()
            .map(|m| {
                let r = build(&from, m)
                    .and_then(|msg| t.send(&msg).map(|_| ()).map_err(|e| e.to_string()));
                (m.id, r)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let now = st.clock.now();
    let sent = results.iter().filter(|(_, r)| r.is_ok()).count();
    let _ = st
        .db
        .run(move |c| {
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
