//! E-mail: messages are queued in the `outbox` table inside the caller's transaction, and a
//! sender job delivers them over SMTP (lettre). Without SMTP config they stay in the outbox.
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::authentication::Credentials,
    Message, SmtpTransport, Transport,
};
use rusqlite::{params, Connection};

use crate::{
    config::{Smtp, SmtpTls},
    state::SharedState,
};

/// `ivan.petrov@example.ru` → `i***@example.ru` (for logs).
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((u, d)) => format!("{}***@{d}", u.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

pub fn queue(
    c: &Connection,
    to: &str,
    subject: &str,
    body: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO outbox(channel, recipient, subject, body, created_at) VALUES ('email', ?1, ?2, ?3, ?4)",
    )?
    .execute(params![to, subject, body, now])?;
    tracing::info!(to = %mask_email(to), subject, "e-mail queued");
    Ok(())
}

struct Pending {
    id: i64,
    to: String,
    subject: String,
    body: String,
    /// A document's PDF to attach: (file name, bytes).
    attachment: Option<(String, Vec<u8>)>,
}

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
    let b = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone());
    match &m.attachment {
        None => b
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| e.to_string()),
        Some((name, pdf)) => {
            use lettre::message::{Attachment, MultiPart, SinglePart};
            let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
            b.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(m.body.clone()))
                    .singlepart(Attachment::new(name.clone()).body(pdf.clone(), pdf_type)),
            )
            .map_err(|e| e.to_string())
        }
    }
}

/// Delivers pending e-mail (when SMTP is configured). Returns how many were sent.
pub async fn flush(st: &SharedState) -> usize {
    let Some(host) = st.cfg.smtp.host.clone() else {
        return 0;
    };
    let pending = st
        .db
        .run(|c| {
            let mut s = c.prepare_cached(
                "SELECT id, recipient, subject, body FROM outbox
                 WHERE channel = 'email' AND status = 'pending' ORDER BY id LIMIT 20",
            )?;
            let v = s
                .query_map([], |r| {
                    Ok(Pending {
                        id: r.get(0)?,
                        to: r.get(1)?,
                        subject: r.get(2)?,
                        body: r.get(3)?,
                        attachment: None,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut v = v;
            for m in &mut v {
                m.attachment = crate::db::documents::outbox_attachment(c, m.id)?;
            }
            Ok(v)
        })
        .await;
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
                    Ok(()) => c.execute(
                        "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL WHERE id = ?1",
                        params![id, now],
                    )?,
                    Err(e) => {
                        tracing::warn!(outbox = id, error = %e, "e-mail not sent");
                        c.execute(
                            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
                                status = CASE WHEN attempts + 1 >= ?3 THEN 'failed' ELSE status END WHERE id = ?1",
                            params![id, e, MAX_ATTEMPTS],
                        )?
                    }
                };
            }
            Ok(())
        })
        .await;
    sent
}
