//! Money benchmarks (issue 3), against the real server on 127.0.0.1:
//! 1. «История баланса» month page for a contract with 100 000 ledger entries: p50/p99 latency
//!    (target: p99 < 10 ms).
//! 2. Throughput of the payment modal partial vs the trivial endpoint (/healthz), with `wrk`
//!    (target: at least 1/2).
//!
//! Run: `cargo bench --bench money` (release build; needs /usr/bin/wrk for part 2).
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use kabinet::{auth::session, build_state, config::Config, db};
use poem::{
    listener::{Acceptor, Listener, TcpListener},
    Server,
};
use rusqlite::params;
use std::time::{Duration, Instant};

const ENTRIES: i64 = 100_000;

fn seed(st: &kabinet::state::SharedState) -> (String, Vec<i64>) {
    let mut c = st.db.get().unwrap();
    let tx = c.transaction().unwrap();
    let start = kabinet::domain::time::local(&st.tz, 2016, 1, 1, 9, 0, 0);
    let step = 10 * 365 * 86_400 / ENTRIES; // ten years of entries
    let mut bal: i64 = 0;
    let mut months = Vec::new();
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?5)",
            )
            .unwrap();
        for i in 0..ENTRIES {
            let at = start + i * step;
            let (kind, desc, amt) = if i % 3 == 0 {
                ("payment", "Пополнение баланса", 10_000)
            } else {
                ("charge", "Абонентская плата", -4_000)
            };
            bal += amt;
            ins.execute(params![kind, desc, amt, bal, at, format!("bench:{i}")])
                .unwrap();
            let z = kabinet::domain::time::zoned(at, &st.tz);
            if z.day() == 1
                && months
                    .last()
                    .is_none_or(|m: &(i16, i8)| *m != (z.year(), z.month()))
            {
                months.push((z.year(), z.month()));
            }
        }
    }
    tx.execute("UPDATE contracts SET balance_kop = ?1 WHERE id = 1", [bal])
        .unwrap();
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
            now: jiff::Timestamp::now().as_second(),
        },
    )
    .unwrap();
    tx.commit().unwrap();
    // `before` values: the start of the month after each month → that month's page.
    let befores = months
        .iter()
        .map(|(y, m)| {
            let (y, m) = if *m == 12 { (y + 1, 1) } else { (*y, m + 1) };
            kabinet::domain::time::local(&st.tz, y, m, 1, 0, 0, 0)
        })
        .collect();
    (token, befores)
}

async fn get(
    sender: &mut hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    path: &str,
    cookie: &str,
) -> usize {
    let req = hyper::Request::get(path)
        .header("host", "127.0.0.1")
        .header("cookie", cookie)
        .header("hx-request", "true")
        .body(Empty::new())
        .unwrap();
    sender.ready().await.unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.into_body().collect().await.unwrap().to_bytes().len()
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn wrk(url: &str, cookie: &str) -> f64 {
    let out = std::process::Command::new("wrk")
        .args([
            "-t2",
            "-c64",
            "-d8s",
            "-H",
            &format!("Cookie: {cookie}"),
            "-H",
            "HX-Request: true",
            url,
        ])
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        panic!("wrk saw errors:\n{text}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"))
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let st = build_state(Config::default(), &dir.path().join("bench.db"), true).unwrap();
        let t = Instant::now();
        let (token, befores) = seed(&st);
        println!("seeded {ENTRIES} ledger entries over {} months in {:.1?}", befores.len(), t.elapsed());
        let cookie = format!("{}={token}", session::COOKIE);
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let app = kabinet::app(st.clone());
        tokio::spawn(async move { Server::new_with_acceptor(acceptor).run(app).await });

        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        // Warm up, then measure month pages spread over the ten years, and the modal's first page.
        for b in befores.iter().take(50) {
            get(&mut sender, &format!("/balance/history/more?before={b}"), &cookie).await;
        }
        let mut lat = Vec::new();
        let mut bytes = 0;
        for i in 0..3000 {
            let b = befores[(i * 7919) % befores.len()];
            let t = Instant::now();
            bytes += get(&mut sender, &format!("/balance/history/more?before={b}"), &cookie).await;
            lat.push(t.elapsed());
        }
        let (p50, p99) = (pct(&mut lat, 0.50), pct(&mut lat, 0.99));
        println!(
            "history month page (~{} entries, {} B avg): p50 {:.2} ms, p99 {:.2} ms  [target p99 < 10 ms: {}]",
            ENTRIES / befores.len() as i64,
            bytes / 3000,
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            if p99 < Duration::from_millis(10) { "OK" } else { "MISSED" }
        );
        let mut first = Vec::new();
        for _ in 0..500 {
            let t = Instant::now();
            get(&mut sender, "/balance/history", &cookie).await;
            first.push(t.elapsed());
        }
        println!(
            "history modal (first two months): p50 {:.2} ms, p99 {:.2} ms",
            pct(&mut first, 0.5).as_secs_f64() * 1e3,
            pct(&mut first, 0.99).as_secs_f64() * 1e3
        );

        if std::path::Path::new("/usr/bin/wrk").exists() {
            let base = format!("http://{addr}");
            let trivial = tokio::task::spawn_blocking({
                let (u, c) = (format!("{base}/healthz"), cookie.clone());
                move || wrk(&u, &c)
            })
            .await
            .unwrap();
            let modal = tokio::task::spawn_blocking({
                let (u, c) = (format!("{base}/balance/pay"), cookie.clone());
                move || wrk(&u, &c)
            })
            .await
            .unwrap();
            // References: the same guard with no payment code (main page), and CSRF without the guard.
            for (name, path) in [
                ("/readyz (one spawn_blocking + SELECT 1, no session)", "/readyz"),
                ("login page (CSRF layer, no DB)", "/login"),
                ("main page (session guard + queries)", "/"),
            ] {
                let r = tokio::task::spawn_blocking({
                    let (u, c) = (format!("{base}{path}"), cookie.clone());
                    move || wrk(&u, &c)
                })
                .await
                .unwrap();
                println!("reference: {name} {r:.0} req/s, ratio {:.2}", r / trivial);
            }
            println!(
                "throughput: /healthz {trivial:.0} req/s, payment modal {modal:.0} req/s, ratio {:.2}  [target >= 0.50: {}]",
                modal / trivial,
                if modal / trivial >= 0.5 { "OK" } else { "MISSED" }
            );
        } else {
            println!("wrk not installed: throughput part skipped (apt-get install wrk)");
        }
    });
}
