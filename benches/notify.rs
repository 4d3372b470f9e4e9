//! Broadcast benchmark (issue 16): a staff broadcast to all of 100 000 contracts is queued
//! (stored, one event per contract, audited) in under 5 s, and while the notify job fans it out
//! into e-mail notices and hands them to the outbox, the logged-in main page keeps p99 < 20 ms
//! (64 keep-alive connections, like `benches/load.rs`).
//!
//! Run: `cargo bench --bench notify` (release build). Env: BENCH_CONTRACTS (default 100 000),
//! BENCH_SECS (main-page load while delivering, default 10), BENCH_CONNS (default 64).
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use kabinet::{app::notify, auth::session, build_state, config::Config, db};
use poem::{
    listener::{Acceptor, Listener, TcpListener},
    Server,
};
use rusqlite::params;
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::net::TcpStream;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` more contracts, each with its contract account and an e-mail for notices; a session
/// of the demo subscriber. Returns the session token.
fn seed(st: &kabinet::state::SharedState, n: u64) -> String {
    let mut c = st.db.get().unwrap();
    let tx = c.transaction().unwrap();
    let now = jiff::Timestamp::now().as_second();
    {
        let mut k = tx
            .prepare(
                "INSERT INTO contracts(number, address, password_hash, created_at)
                 VALUES (?1, 'г. Уфа, ул. Бенчмарка, д. 1', '!', ?2)",
            )
            .unwrap();
        let mut a = tx
            .prepare(
                "INSERT INTO accounts(kind, contract_id, created_at) VALUES ('contract', ?1, ?2)",
            )
            .unwrap();
        let mut e = tx
            .prepare(
                "INSERT INTO notice_contacts(account_id, email, updated_at) VALUES (?1, ?2, ?3)",
            )
            .unwrap();
        for i in 0..n {
            k.execute(params![format!("B{i:07}"), now]).unwrap();
            let cid = tx.last_insert_rowid();
            a.execute(params![cid, now]).unwrap();
            let aid = tx.last_insert_rowid();
            e.execute(params![aid, format!("b{i}@bench.example.ru"), now])
                .unwrap();
        }
    }
    let token = session::new_token();
    let account = db::accounts::contract_account(&tx, 1, 0).unwrap();
    db::sessions::insert(
        &tx,
        &db::sessions::NewSession {
            token_hash: &session::token_hash(&token),
            account_id: Some(account),
            staff_id: None,
            user_agent: "bench",
            ip: "127.0.0.1",
            now,
        },
    )
    .unwrap();
    tx.commit().unwrap();
    token
}

async fn connect(addr: &str) -> hyper::client::conn::http1::SendRequest<Empty<Bytes>> {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).ok();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

/// The main page under `conns` connections for `secs`: (requests/s, p50 ms, p99 ms, errors).
async fn load(addr: &str, cookie: &str, conns: usize, secs: u64) -> (f64, f64, f64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::new();
    for _ in 0..conns {
        senders.push(connect(addr).await);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut s in senders {
        let (stop, errors) = (stop.clone(), errors.clone());
        let (addr, cookie) = (addr.to_owned(), cookie.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                if s.ready().await.is_err() {
                    s = connect(&addr).await;
                }
                let req = hyper::Request::get("/")
                    .header("host", &addr)
                    .header("cookie", &cookie)
                    .body(Empty::new())
                    .unwrap();
                match s.send_request(req).await {
                    Ok(resp) => {
                        let ok = resp.status() == 200;
                        let body = resp.into_body().collect().await.map(|b| b.to_bytes());
                        if !ok || body.is_err() {
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
    (
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        errors.load(Ordering::Relaxed),
    )
}

fn count(st: &kabinet::state::SharedState, sql: &str) -> i64 {
    st.db
        .get()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn main() {
    let contracts = env("BENCH_CONTRACTS", 100_000);
    let secs = env("BENCH_SECS", 10);
    let conns = env("BENCH_CONNS", 64) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config::default();
        cfg.notify.job_interval_secs = 1;
        let st = build_state(cfg, &dir.path().join("bench.db"), true).unwrap();
        let t = Instant::now();
        let token = seed(&st, contracts);
        println!(
            "kabinet broadcast benchmark: {contracts} extra contracts seeded in {:.1} s, {} CPUs",
            t.elapsed().as_secs_f64(),
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        );
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap().to_string();
        tokio::spawn(Server::new_with_acceptor(acceptor).run(kabinet::app(st.clone())));
        let cookie = format!("{}={token}", session::COOKIE);
        // Warm the page (and check it is the logged-in main page).
        let mut s = connect(&addr).await;
        let req = hyper::Request::get("/").header("host", &addr).header("cookie", &cookie).body(Empty::new()).unwrap();
        let resp = s.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let page = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&page).contains("72845736UL"));

        let (rps0, p50_0, p99_0, _) = load(&addr, &cookie, conns, 3).await;
        println!("  main page, idle          {rps0:>8.0} req/s  p50 {p50_0:>6.2} ms  p99 {p99_0:>6.2} ms");

        let admin = count(&st, "SELECT id FROM staff WHERE role = 'admin' ORDER BY id LIMIT 1");
        let until = jiff::Timestamp::now().to_zoned(st.tz.clone()).date().checked_add(jiff::Span::new().days(2)).unwrap();
        let t = Instant::now();
        let (_, n) = notify::broadcast(
            &st,
            notify::Publisher { staff_id: admin, ip: "127.0.0.1".into() },
            notify::BroadcastForm {
                title: "Плановые работы".into(),
                body: "Сегодня с 02:00 до 04:00 возможны перерывы связи.".into(),
                to_all: true,
                contracts: String::new(),
                until: until.to_string(),
            },
        )
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("broadcast refused: {e:?}"));
        let queued = t.elapsed().as_secs_f64();
        println!("  broadcast to all         {n} contracts queued in {queued:.2} s");

        // The notify job delivers while the main page is under load.
        let job = notify::spawn(st.clone());
        let t = Instant::now();
        let (rps, p50, p99, errors) = load(&addr, &cookie, conns, secs).await;
        let during = t.elapsed().as_secs_f64();
        let done = count(&st, "SELECT COUNT(*) FROM notice_events WHERE kind = 'broadcast' AND state <> 'new'");
        let handed = count(&st, "SELECT COUNT(*) FROM notices WHERE kind = 'broadcast' AND status = 'sent'");
        println!("  main page, delivering    {rps:>8.0} req/s  p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  errors {errors}");
        println!("  delivered meanwhile      {done} events fanned out, {handed} e-mails in the outbox in {during:.1} s");
        // Let the job finish (without load) to report the total delivery time.
        let t = Instant::now();
        while count(&st, "SELECT COUNT(*) FROM notices WHERE kind = 'broadcast' AND status = 'pending'") > 0
            || count(&st, "SELECT COUNT(*) FROM notice_events WHERE state = 'new'") > 0
        {
            assert!(t.elapsed() < Duration::from_secs(600), "delivery did not finish");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let total = during + t.elapsed().as_secs_f64();
        let emails = count(&st, "SELECT COUNT(*) FROM outbox WHERE subject = 'Плановые работы'");
        println!("  all delivered            {emails} e-mails in the outbox after {total:.1} s ({:.0}/s)", emails as f64 / total);
        job.abort();
        let checks = [
            ("broadcast to all queued in < 5 s", queued < 5.0),
            ("main page p99 < 20 ms while delivering", p99 < 20.0),
            ("no errors under load", errors == 0),
            ("every contract's e-mail delivered once", emails as u64 >= contracts),
        ];
        let mut failed = false;
        for (name, pass) in checks {
            println!("  [{}] {name}", if pass { "PASS" } else { "FAIL" });
            failed |= !pass;
        }
        if failed {
            std::process::exit(1);
        }
    });
}
