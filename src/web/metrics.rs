//! `GET /metrics`: Prometheus text format. Counters kept in memory since start, gauges read
//! from the database on each scrape. Guarded by `security.metrics_token` (Bearer), or, without
//! a token, open only to direct requests from this machine — and never without a token when
//! proxy headers are trusted: a proxy on this machine connects from loopback, and one that
//! sets no forwarding header would pass every stranger's request as «local».
use poem::{
    handler,
    http::{header, StatusCode},
    web::Data,
    IntoResponse, Request, Response,
};
use std::{
    fmt::Write,
    sync::atomic::{AtomicI64, AtomicU64, Ordering},
    time::Instant,
};

use crate::{db::fresh, state::SharedState};

/// Responses by status class, requests in flight, time spent.
pub struct HttpCounters {
    started: Instant,
    by_class: [AtomicU64; 5],
    in_flight: AtomicI64,
    micros: AtomicU64,
}

impl Default for HttpCounters {
    fn default() -> Self {
        HttpCounters {
            started: Instant::now(),
            by_class: Default::default(),
            in_flight: AtomicI64::new(0),
            micros: AtomicU64::new(0),
        }
    }
}

impl HttpCounters {
    /// Counts a request in flight until the guard drops (also when the client goes away
    /// and the request's future is dropped).
    pub fn begin(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn end(&self, status: StatusCode, elapsed: std::time::Duration) {
        let class = (status.as_u16() / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }
}

pub struct InFlight<'a>(&'a HttpCounters);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn allowed(req: &Request, st: &SharedState) -> bool {
    match &st.cfg.security.metrics_token {
        Some(token) => {
            let given = req
                .header(header::AUTHORIZATION)
                .and_then(|h| h.strip_prefix("Bearer "))
                .unwrap_or("");
            // Compare digests: the time taken does not depend on how much of the token matched.
            use sha2::{Digest, Sha256};
            !token.is_empty()
                && Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes())
        }
        None if st.cfg.security.trust_proxy_headers => false,
        None => {
            // Any sign of a proxy (a local nginx may set only X-Real-IP) means «not direct».
            let direct = !req.headers().keys().any(|k| {
                let k = k.as_str();
                k.starts_with("x-forwarded-")
                    || matches!(
                        k,
                        "forwarded"
                            | "via"
                            | "x-real-ip"
                            | "x-client-ip"
                            | "true-client-ip"
                            | "cf-connecting-ip"
                            | "x-cluster-client-ip"
                    )
            });
            let local = req
                .remote_addr()
                .as_socket_addr()
                .is_some_and(|a| a.ip().is_loopback());
            direct && local
        }
    }
}

struct Gauges {
    subscriber_sessions: i64,
    staff_sessions: i64,
    outbox_pending: i64,
    payments_pending: i64,
    test_payments_pending: i64,
    chats_waiting: i64,
    requests_open: i64,
    applications_new: i64,
}

fn rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[handler]
pub async fn metrics(
    req: &Request,
    Data(st): Data<&SharedState>,
    Data(web): Data<&super::SharedWeb>,
) -> poem::Result<Response> {
    if !allowed(req, st) {
        return Ok((StatusCode::FORBIDDEN, "metrics: not allowed\n").into_response());
    }
    let g = st
        .db
        .run(|c| {
            Ok(c.query_row(
                "SELECT
                   (SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL),
                   (SELECT COUNT(*) FROM sessions WHERE staff_id IS NOT NULL),
                   (SELECT COUNT(*) FROM outbox WHERE status = 'pending'),
                   (SELECT COUNT(*) FROM payments WHERE status = 'pending' AND provider <> 'sandbox'),
                   (SELECT COUNT(*) FROM chat_conversations WHERE status = 'open' AND waiting_since IS NOT NULL),
                   (SELECT COUNT(*) FROM requests WHERE status IN ('new', 'in_progress')),
                   (SELECT COUNT(*) FROM applications WHERE status = 'new'),
                   (SELECT COUNT(*) FROM payments WHERE status = 'pending' AND provider = 'sandbox')",
                [],
                |r| {
                    Ok(Gauges {
                        subscriber_sessions: r.get(0)?,
                        staff_sessions: r.get(1)?,
                        outbox_pending: r.get(2)?,
                        payments_pending: r.get(3)?,
                        chats_waiting: r.get(4)?,
                        requests_open: r.get(5)?,
                        applications_new: r.get(6)?,
                        test_payments_pending: r.get(7)?,
                    })
                },
            )?)
        })
        .await?;
    let schema = st.db.run(|c| Ok(crate::db::migrate::version(c)?)).await?;
    let (notices, events) = crate::app::notify::backlog(st).await?;
    let h = &web.http;
    let mut out = String::with_capacity(2048);
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(&str, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, v) in samples {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    let classes: Vec<(String, f64)> = (0..5)
        .map(|i| {
            (
                format!("{{code=\"{}xx\"}}", i + 1),
                h.by_class[i].load(Ordering::Relaxed) as f64,
            )
        })
        .collect();
    let classes: Vec<(&str, f64)> = classes.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    metric(
        "kabinet_http_responses_total",
        "counter",
        "HTTP responses by status class.",
        &classes,
    );
    metric(
        "kabinet_http_requests_in_flight",
        "gauge",
        "Requests being served.",
        &[("", h.in_flight.load(Ordering::Relaxed) as f64)],
    );
    metric(
        "kabinet_http_response_seconds_total",
        "counter",
        "Time spent serving requests.",
        &[("", h.micros.load(Ordering::Relaxed) as f64 / 1e6)],
    );
    metric(
        "kabinet_uptime_seconds",
        "gauge",
        "Seconds since start.",
        &[("", h.started.elapsed().as_secs() as f64)],
    );
    metric(
        "kabinet_schema_version",
        "gauge",
        "Schema version of the database (PRAGMA user_version).",
        &[("", schema as f64)],
    );
    let build = format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"));
    metric(
        "kabinet_build_info",
        "gauge",
        "The running kabinet version.",
        &[(build.as_str(), 1.0)],
    );
    if let Some(rss) = rss_bytes() {
        metric(
            "kabinet_resident_memory_bytes",
            "gauge",
            "Resident set size.",
            &[("", rss as f64)],
        );
    }
    metric(
        "kabinet_db_commits_total",
        "counter",
        "Write transactions committed by this process.",
        &[("", fresh::commits() as f64)],
    );
    let (all, scoped) = st.db.fresh().invalidations();
    metric(
        "kabinet_cache_invalidations_total",
        "counter",
        "Read-cache invalidations: of everything (a write outside the writer, or one that did not say what it touched), and of some accounts or contracts only.",
        &[("{what=\"all\"}", all as f64), ("{what=\"scoped\"}", scoped as f64)],
    );
    metric(
        "kabinet_sessions",
        "gauge",
        "Stored sessions.",
        &[
            ("{kind=\"subscriber\"}", g.subscriber_sessions as f64),
            ("{kind=\"staff\"}", g.staff_sessions as f64),
        ],
    );
    metric(
        "kabinet_chat_sockets",
        "gauge",
        "Open chat WebSockets (subscribers and staff).",
        &[("", st.chat.total_listeners() as f64)],
    );
    metric(
        "kabinet_chat_slow_clients_dropped_total",
        "counter",
        "Chat clients dropped for not reading.",
        &[("", st.chat.dropped() as f64)],
    );
    metric(
        "kabinet_chats_waiting",
        "gauge",
        "Open conversations waiting for staff.",
        &[("", g.chats_waiting as f64)],
    );
    metric(
        "kabinet_requests_open",
        "gauge",
        "Contract requests new or in progress.",
        &[("", g.requests_open as f64)],
    );
    metric(
        "kabinet_applications_new",
        "gauge",
        "«Стать абонентом» applications not yet taken.",
        &[("", g.applications_new as f64)],
    );
    metric(
        "kabinet_payments_pending",
        "gauge",
        "Payments waiting for the provider; test=\"true\": the sandbox gateway's, never real money.",
        &[
            ("{test=\"false\"}", g.payments_pending as f64),
            ("{test=\"true\"}", g.test_payments_pending as f64),
        ],
    );
    metric(
        "kabinet_payments_test_gateway",
        "gauge",
        "1 when payments go to the built-in sandbox (test) gateway: no real money is taken.",
        &[(
            "",
            f64::from(u8::from(
                st.cfg.payments.provider == crate::config::ProviderKind::Sandbox,
            )),
        )],
    );
    metric(
        "kabinet_connections_open",
        "gauge",
        "Client TCP connections open (WebSockets included).",
        &[("", crate::net::server::open_connections() as f64)],
    );
    metric(
        "kabinet_outbox_pending",
        "gauge",
        "E-mail and SMS not yet delivered.",
        &[("", g.outbox_pending as f64)],
    );
    let pending = |ch: &str| {
        notices
            .iter()
            .find(|(c, _)| c == ch)
            .map_or(0.0, |(_, n)| *n as f64)
    };
    metric(
        "kabinet_notices_pending",
        "gauge",
        "Notices waiting for delivery (a channel that is down keeps them here).",
        &[
            ("{channel=\"email\"}", pending("email")),
            ("{channel=\"sms\"}", pending("sms")),
            ("{channel=\"push\"}", pending("push")),
        ],
    );
    metric(
        "kabinet_notice_events_pending",
        "gauge",
        "Events not yet turned into notices.",
        &[("", events as f64)],
    );
    metric(
        "kabinet_csp_violations_total",
        "counter",
        "Content-Security-Policy reports received.",
        &[("", st.csp_violations.load(Ordering::Relaxed) as f64)],
    );
    Ok(Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}
