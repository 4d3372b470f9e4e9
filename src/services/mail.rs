//! E-mail: messages are queued in the `outbox` table inside the caller's transaction, and a
//! sender job delivers them over SMTP (lettre). Without SMTP config they stay in the outbox.
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::authentication::Credentials,
    Message, SmtpTransport, Transport,
};

use crate::{
    config::{Smtp, SmtpTls},
    db::outbox::PendingEmail as Pending,
};

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

/// Sends these e-mails over SMTP through `host` (blocking; call on the blocking pool) and
/// tells, per outbox row, whether it went.
pub fn deliver(cfg: &Smtp, host: &str, pending: &[Pending]) -> Vec<(i64, Result<(), String>)> {
    let from: Mailbox = match cfg.from.parse() {
        Ok(f) => f,
        Err(e) => return vec![(0, Err(format!("from: {e}")))],
    };
    let t = match transport(cfg, host) {
        Ok(t) => t,
        Err(e) => return pending.iter().map(|m| (m.id, Err(e.to_string()))).collect(),
    };
    pending
        .iter()
        .map(|m| {
            let r =
                build(&from, m).and_then(|msg| t.send(&msg).map(|_| ()).map_err(|e| e.to_string()));
            (m.id, r)
        })
        .collect::<Vec<_>>()
}
