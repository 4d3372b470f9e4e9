//! Hostile-client benchmark (issue 12): `cargo bench --bench hostile`.
//!
//! Starts the release `kabinet` binary on a temp database with the demo data, then:
//!   1. 8 clients post 64 MiB bodies to `/login` in a loop (the CSRF token in the header, half
//!      of them chunked without a length, half with `Content-Length`), for BENCH_SECS seconds:
//!      every answer must be 413 and the server's RSS must stay under 64 MB;
//!   2. 2 000 slow connections (half-sent request headers) stay open while `/healthz` is asked
//!      200 times: it must answer (p50/p99 reported); after the header timeout the server must
//!      have closed the slow ones.
//!
//! Env: BENCH_SECS (default 10), BENCH_SLOW (default 2000).
#[path = "support/mod.rs"]
mod support;

use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use support::rss_kb;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// GET /login: (cookie header, CSRF token).
async fn csrf(addr: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    let cookie = text
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .map(|c| c.split(';').next().unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    let marker = "X-CSRF-Token&quot;:&quot;";
    let i = text.find(marker).expect("csrf token on the login page");
    let token = text[i + marker.len()..]
        .split("&quot;")
        .next()
        .unwrap()
        .to_owned();
    (cookie, token)
}

/// One 64 MiB POST; the status the server answered (0 when it only closed).
async fn big_post(addr: &str, cookie: &str, token: &str, chunked: bool) -> u16 {
    const TOTAL: usize = 64 << 20;
    let Ok(mut s) = TcpStream::connect(addr).await else {
        return 0;
    };
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {TOTAL}")
    };
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n"
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return 0;
    }
    let (mut rd, mut wr) = s.into_split();
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while let Ok(n) = rd.read(&mut buf).await {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if got.len() >= 12 {
                break;
            }
        }
        String::from_utf8_lossy(&got)
            .get(9..12)
            .and_then(|c| c.parse::<u16>().ok())
            .unwrap_or(0)
    });
    let chunk = vec![b'a'; 1 << 20];
    let mut sent = 0;
    while sent < TOTAL && !reader.is_finished() {
        let ok = if chunked {
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(&chunk);
            framed.extend_from_slice(b"\r\n");
            wr.write_all(&framed).await.is_ok()
        } else {
            wr.write_all(&chunk).await.is_ok()
        };
        if !ok {
            break;
        }
        sent += chunk.len();
    }
    if chunked && sent >= TOTAL {
        let _ = wr.write_all(b"0\r\n\r\n").await;
    }
    tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .ok()
        .and_then(|r| r.ok())
        .unwrap_or(0)
}

/// `/healthz` from another client address (127.0.0.2): the slow connections come from
/// 127.0.0.1, whose own share of connections they use up.
async fn health(addr: &str) -> Option<Duration> {
    let t = Instant::now();
    let sock = tokio::net::TcpSocket::new_v4().ok()?;
    sock.bind("127.0.0.2:0".parse().ok()?).ok()?;
    let mut s = sock.connect(addr.parse().ok()?).await.ok()?;
    s.write_all(
        format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.ok()?;
    out.ends_with(b"ok").then(|| t.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let secs = env("BENCH_SECS", 10);
    let slow_n = env("BENCH_SLOW", 2000) as usize;
    // This process holds the 2 000 client sockets.
    let fds = kabinet::net::rlimit::raise_nofile();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_kabinet"))
        .args(["--db", &dir.path().join("bench.db").display().to_string()])
        .args(["--listen", &addr])
        .env("KABINET_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start kabinet");
    let server = Server(child);
    let pid = server.0.id();
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                let v = rss_kb(pid, "VmRSS:");
                if v == 0 {
                    return;
                }
                peak.fetch_max(v, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let t0 = Instant::now();
        while TcpStream::connect(&addr).await.is_err() {
            assert!(t0.elapsed() < Duration::from_secs(20), "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let idle_rss = rss_kb(pid, "VmRSS:");
        let (cookie, token) = csrf(&addr).await;

        // 1. 8 clients × 64 MiB bodies in a loop.
        peak.store(0, Ordering::Relaxed);
        let until = Instant::now() + Duration::from_secs(secs);
        let mut clients = Vec::new();
        for i in 0..8 {
            let (addr, cookie, token) = (addr.clone(), cookie.clone(), token.clone());
            clients.push(tokio::spawn(async move {
                let (mut n, mut refused) = (0u64, 0u64);
                while Instant::now() < until {
                    let status = big_post(&addr, &cookie, &token, i % 2 == 0).await;
                    n += 1;
                    if status == 413 {
                        refused += 1;
                    }
                }
                (n, refused)
            }));
        }
        let (mut posts, mut refused) = (0, 0);
        for c in clients {
            let (n, r) = c.await.unwrap();
            posts += n;
            refused += r;
        }
        let body_peak = peak.load(Ordering::Relaxed);
        let after = rss_kb(pid, "VmRSS:");
        println!(
            "big bodies: {posts} posts of 64 MiB by 8 clients in {secs} s, {refused} answered 413; \
             server RSS idle {} MB, peak {} MB (target < 64 MB), after {} MB",
            idle_rss / 1024,
            body_peak / 1024,
            after / 1024
        );

        // 2. 2 000 slow connections, /healthz meanwhile.
        peak.store(0, Ordering::Relaxed);
        let mut slow = Vec::with_capacity(slow_n);
        for _ in 0..slow_n {
            match TcpStream::connect(&addr).await {
                Ok(mut s) => {
                    let _ = s
                        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes())
                        .await;
                    slow.push(s);
                }
                Err(e) => {
                    println!("client connect failed after {} (fd limit {fds:?}): {e}", slow.len());
                    break;
                }
            }
        }
        let opened = Instant::now();
        let mut lat = Vec::new();
        let mut failed = 0;
        for _ in 0..200 {
            match tokio::time::timeout(Duration::from_secs(5), health(&addr)).await {
                Ok(Some(d)) => lat.push(d),
                _ => failed += 1,
            }
        }
        let measured_in = opened.elapsed();
        lat.sort();
        let mut open_now = 0;
        for s in slow.iter_mut() {
            let mut b = [0u8; 64];
            if tokio::time::timeout(Duration::from_millis(1), s.read(&mut b))
                .await
                .is_err()
            {
                open_now += 1;
            }
        }
        println!(
            "slow connections: {} open ({open_now} still open after {:.1} s); /healthz 200×: {} ok, {failed} failed, \
             p50 {:.2} ms, p99 {:.2} ms; server peak RSS {} MB",
            slow.len(),
            measured_in.as_secs_f64(),
            lat.len(),
            if lat.is_empty() { f64::NAN } else { pct(&lat, 0.5) },
            if lat.is_empty() { f64::NAN } else { pct(&lat, 0.99) },
            peak.load(Ordering::Relaxed) / 1024
        );
        // After the header timeout (15 s by default) the server has closed them.
        tokio::time::sleep(Duration::from_secs(17)).await;
        let mut closed = 0;
        for s in slow.iter_mut() {
            let mut b = [0u8; 256];
            loop {
                match tokio::time::timeout(Duration::from_millis(5), s.read(&mut b)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => {
                        closed += 1;
                        break;
                    }
                    Ok(Ok(_)) => continue,
                    Err(_) => break,
                }
            }
        }
        println!(
            "after 17 s: {closed} of {} slow connections closed by the server",
            slow.len()
        );
        sampling.store(false, Ordering::Relaxed);
        drop(server);
    });
}
