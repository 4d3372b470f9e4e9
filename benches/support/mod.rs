//! Helpers for benchmarks that drive the release `kabinet` binary over HTTP/1.1 keep-alive
//! connections (hyper client in the bench process): start the server, read its RSS, send
//! requests, take percentiles. `#[path = "support/mod.rs"] mod support;` in a bench.
#![allow(dead_code)]
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use tokio::net::TcpStream;

pub type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// The release server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `kabinet --db db --listen 127.0.0.1:<free port> --config cfg` and waits until it
    /// accepts connections.
    pub fn start(db: &Path, cfg: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_kabinet"))
            .args(["--db", &db.display().to_string(), "--listen", &addr])
            .args(["--config", &cfg.display().to_string()])
            .env(
                "KABINET_LOG",
                std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .spawn()
            .expect("start kabinet");
        let t0 = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, addr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// The highest `VmRSS` of process `pid` seen so far, in KiB, sampled every `every` by a thread
/// that ends with the process.
pub fn sample_peak_rss(pid: u32, every: Duration) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let peak = std::sync::Arc::new(AtomicU64::new(0));
    let p = peak.clone();
    std::thread::spawn(move || loop {
        let v = rss_kb(pid, "VmRSS:");
        if v == 0 {
            return;
        }
        p.fetch_max(v, Ordering::Relaxed);
        std::thread::sleep(every);
    });
    peak
}

/// A field of /proc/<pid>/status in KiB (`VmRSS:`, `VmHWM:`); 0 once the process is gone.
pub fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

pub async fn connect(addr: &str) -> Sender {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).ok();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

pub fn request(
    method: &str,
    addr: &str,
    path: &str,
    cookie: &str,
    extra: &[(&str, &str)],
    body: String,
) -> hyper::Request<Full<Bytes>> {
    let mut b = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr)
        .header("cookie", cookie)
        .header("user-agent", "kabinet-bench");
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    b.body(Full::new(Bytes::from(body))).unwrap()
}

/// An answer: status, where it redirects (`Location` or htmx's `hx-redirect`), body.
pub struct Answer {
    pub status: u16,
    pub redirect: Option<String>,
    pub body: Bytes,
}

/// Sends one request (reconnecting once when the connection was closed).
pub async fn send(s: &mut Sender, addr: &str, req: hyper::Request<Full<Bytes>>) -> Option<Answer> {
    if s.ready().await.is_err() {
        *s = connect(addr).await;
    }
    let resp = s.send_request(req).await.ok()?;
    let status = resp.status().as_u16();
    let redirect = ["hx-redirect", "location"]
        .iter()
        .find_map(|h| resp.headers().get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.into_body().collect().await.ok()?.to_bytes();
    Some(Answer {
        status,
        redirect,
        body,
    })
}

pub fn cookies_from(resp: &hyper::Response<hyper::body::Incoming>) -> Vec<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_owned))
        .collect()
}

/// The value at quantile `p` of sorted microseconds, in ms.
pub fn pct_ms(sorted: &[u32], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0) as f64
        / 1000.0
}

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
