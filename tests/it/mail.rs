//! Outbox and the SMTP sender (lettre) against a tiny SMTP server on 127.0.0.1.
use crate::{
    common::*,
    payments::{pay, sandbox_pay},
};
use kabinet::{config::Config, config::SmtpTls};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Accepts mail and keeps each message's DATA.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else { return };
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 stub ESMTP\r\n").await.unwrap();
                let mut line = String::new();
                let mut data: Option<String> = None;
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(d) = data.as_mut() {
                        if line == ".\r\n" {
                            g.lock().unwrap().push(data.take().unwrap());
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(&line);
                        }
                        continue;
                    }
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") {
                        b"250-stub\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go on\r\n"
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_stay_in_the_outbox_without_smtp_and_are_sent_with_it() {
    // Without SMTP: queued and kept.
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "100", "buh@example.ru").await;
    sandbox_pay(&app, r.header("hx-redirect").unwrap(), "pay").await;
    assert_eq!(kabinet::app::outbox::flush(&app.state).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"),
        1
    );

    // With SMTP: delivered and marked sent.
    let (port, got) = smtp_server().await;
    let mut cfg = Config::default();
    cfg.smtp.host = Some("127.0.0.1".into());
    cfg.smtp.port = port;
    cfg.smtp.tls = SmtpTls::None;
    cfg.smtp.from = "Демо-Телеком <noreply@demo.example>".into();
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    let (r, _) = pay(&app, "1200", "buh@example.ru").await;
    sandbox_pay(&app, r.header("hx-redirect").unwrap(), "pay").await;
    assert_eq!(kabinet::app::outbox::flush(&app.state).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'"),
        1
    );
    assert_eq!(
        kabinet::app::outbox::flush(&app.state).await,
        0,
        "sent once"
    );
    let msgs = got.lock().unwrap().clone();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].contains("To: buh@example.ru"), "{}", msgs[0]);
    assert!(msgs[0].contains("Subject:"), "{}", msgs[0]);
}
