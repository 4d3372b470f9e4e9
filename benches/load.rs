//! Load benchmark: `cargo bench --bench load`.
//!
//! Starts the release `kabinet` binary on a temp database with the demo data, then measures
//! with 64 keep-alive connections (HTTP/1.1, hyper client in this process):
//!   1. the trivial endpoint `/healthz` (the framework's limit on this machine),
//!   2. the logged-in main page `/`,
//!   3. 200 parallel logins (argon2 is bounded: RSS must stay flat),
//!
//! and reports requests/s, p50/p99 latency, the ratio main/trivial and the server's peak RSS.
//! Targets (issue «Foundation»): ratio ≥ 0.25, main-page p99 < 20 ms, peak RSS < 64 MB.
//! Env: BENCH_SECS (default 8), BENCH_CONNS (default 64).
#[path = "support/mod.rs"]
mod support;

use http_body_util::BodyExt;
use std::{
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use support::{connect, cookies_from, request, rss_kb, sample_peak_rss, urlencode, Server};
use tokio::net::TcpStream;

struct Result_ {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

async fn load(addr: &str, path: &str, cookie: &str, conns: usize, secs: u64) -> Result_ {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    // warm-up connections first so the timed window holds only requests
    let mut senders = Vec::new();
    for _ in 0..conns {
        senders.push(connect(addr).await);
    }
    let started = Instant::now();
    for mut s in senders {
        let stop = stop.clone();
        let errors = errors.clone();
        let (addr, path, cookie) = (addr.to_owned(), path.to_owned(), cookie.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if s.ready().await.is_err() {
                    s = connect(&addr).await;
                }
                match s
                    .send_request(request("GET", &addr, &path, &cookie, &[], String::new()))
                    .await
                {
                    Ok(resp) => {
                        let ok = resp.status() == 200;
                        let _ = resp.into_body().collect().await;
                        if !ok {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        lat.push(t.elapsed().as_micros() as u32);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        s = connect(&addr).await;
                    }
                }
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    Result_ {
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let conns: usize = std::env::var("BENCH_CONNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bench.toml");
    std::fs::write(
        &cfg,
        "[limits]\nlogin_per_ip_per_minute = 1000000\nlogin_per_contract_burst = 1000000\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_kabinet"))
        .args([
            "--db",
            &dir.path().join("bench.db").display().to_string(),
            "--listen",
            &addr,
        ])
        .args(["--config", &cfg.display().to_string()])
        .env("KABINET_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start kabinet");
    let server = Server {
        child,
        addr: addr.clone(),
    };
    let pid = server.child.id();

    let peak = sample_peak_rss(pid, Duration::from_millis(10));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        // wait for the server
        let t0 = Instant::now();
        loop {
            if TcpStream::connect(&server.addr).await.is_ok() {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(20), "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // log in once: GET /login for the CSRF cookie + token, POST /login for the session
        let mut s = connect(&addr).await;
        let resp = s.send_request(request("GET", &addr, "/login", "", &[], String::new())).await.unwrap();
        let csrf_cookie = cookies_from(&resp).join("; ");
        let body = String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
        let token = body
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("csrf token")
            .to_owned();
        let form = format!("contract=72845736UL&password=kabinet-demo&csrf_token={}", urlencode(&token));
        s.ready().await.unwrap();
        let resp = s
            .send_request(request("POST", &addr, "/login", &csrf_cookie, &[("content-type", "application/x-www-form-urlencoded")], form.clone()))
            .await
            .unwrap();
        let st = resp.status();
        assert_eq!(st, 303, "login failed: {:?}", String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()));
        let session = cookies_from(&resp).into_iter().find(|c| c.starts_with("kabinet_session=")).expect("session");
        let cookie = format!("{csrf_cookie}; {session}");
        let idle_rss = rss_kb(pid, "VmRSS:");
        // What is measured: the full logged-in main page (checked, and its size shown).
        let resp = s.send_request(request("GET", &addr, "/", &cookie, &[], String::new())).await.unwrap();
        assert_eq!(resp.status(), 200, "main page");
        let page = resp.into_body().collect().await.unwrap().to_bytes();
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains("72845736UL") && page.contains("Подключенные услуги"), "main page content");

        println!("kabinet load benchmark: {conns} connections, {secs} s per phase, {} CPUs", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        let trivial = load(&addr, "/healthz", "", conns, secs).await;
        println!("  trivial  GET /healthz  {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}  (peak RSS so far {:.1} MB)", trivial.rps, trivial.p50_ms, trivial.p99_ms, trivial.errors, peak.load(Ordering::Relaxed) as f64 / 1024.0);
        let main = load(&addr, "/", &cookie, conns, secs).await;
        println!("  main     GET /         {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}  (peak RSS so far {:.1} MB)", main.rps, main.p50_ms, main.p99_ms, main.errors, peak.load(Ordering::Relaxed) as f64 / 1024.0);
        println!("           main page: {:.1} KB of HTML (balance, stories, referral, services, actions)", page.len() as f64 / 1024.0);

        // 200 parallel logins
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (addr, csrf_cookie, form) = (addr.clone(), csrf_cookie.clone(), form.clone());
            tasks.push(tokio::spawn(async move {
                let mut s = connect(&addr).await;
                let r = s
                    .send_request(request("POST", &addr, "/login", &csrf_cookie, &[("content-type", "application/x-www-form-urlencoded")], form))
                    .await
                    .unwrap();
                r.status() == 303
            }));
        }
        let mut ok = 0;
        for task in tasks {
            ok += task.await.unwrap() as u32;
        }
        let login_secs = t.elapsed().as_secs_f64();
        println!("  logins   200 parallel  {ok}/200 succeeded in {login_secs:.1} s ({:.0} logins/s)", 200.0 / login_secs);

        tokio::time::sleep(Duration::from_millis(100)).await;
        let hwm = rss_kb(pid, "VmHWM:");
        let peak_kb = peak.load(Ordering::Relaxed).max(hwm);
        let ratio = main.rps / trivial.rps;
        println!("  ratio    main/trivial  {ratio:.2}");
        println!("  RSS      idle {:.1} MB, peak {:.1} MB (VmHWM {:.1} MB)", idle_rss as f64 / 1024.0, peak_kb as f64 / 1024.0, hwm as f64 / 1024.0);
        let checks = [
            ("main page ≥ 1/4 of trivial throughput", ratio >= 0.25),
            ("main page p99 < 20 ms", main.p99_ms < 20.0),
            ("peak RSS < 64 MB", peak_kb < 64 * 1024),
            ("all 200 parallel logins succeed", ok == 200),
            ("no errors under load", trivial.errors == 0 && main.errors == 0),
        ];
        let mut failed = false;
        for (name, pass) in checks {
            println!("  [{}] {name}", if pass { "PASS" } else { "FAIL" });
            failed |= !pass;
        }
        drop(server);
        if failed {
            std::process::exit(1);
        }
    });
}
