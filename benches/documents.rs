//! «Документы» benchmarks (issue 13), release build, against the real server on 127.0.0.1:
//! 1. «Акт сверки» for a year over a 100 000-entry ledger (ten years), including the PDF:
//!    p50/p99 (target: p99 < 200 ms).
//! 2. The «Документы» list over ten years of monthly documents (acts and invoices), over HTTP:
//!    p50/p99 (target: p99 < 10 ms).
//! 3. 50 parallel PDF downloads: the server's peak RSS (target: < 100 MB).
//!
//! Parts 2 and 3 run the release `kabinet` binary on the seeded database.
//!
//! Run: `cargo bench --bench documents`.
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use jiff::civil::date;
use kabinet::{
    app::documents::{self as docs, Actor, Ctx},
    auth::session,
    build_state,
    config::Config,
    db,
};
use rusqlite::params;
use std::time::{Duration, Instant};

const ENTRIES: i64 = 100_000;

fn seed(st: &kabinet::state::SharedState) -> String {
    let mut c = st.db.get().unwrap();
    let tx = c.transaction().unwrap();
    let start = kabinet::domain::time::local(&st.tz, 2016, 1, 1, 9, 0, 0);
    let step = 10 * 365 * 86_400 / ENTRIES;
    let mut bal: i64 = tx
        .query_row("SELECT balance_kop FROM contracts WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
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
    // ten years of monthly closing documents and an invoice a month
    for y in 2016..2026i16 {
        for m in 1..=12i8 {
            let now = kabinet::domain::time::local(&st.tz, y, m, 28, 12, 0, 0);
            let ctx = Ctx {
                cfg: &st.cfg,
                tz: &st.tz,
                now,
            };
            docs::issue_closing(&mut c, &ctx, 1, y, m).unwrap();
            docs::issue_invoice(&mut c, &ctx, &Actor::System, 1, 120_000).unwrap();
        }
    }
    token
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

async fn connect(
    addr: std::net::SocketAddr,
) -> hyper::client::conn::http1::SendRequest<Empty<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    sender
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU time used by the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out-pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
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
        let token = seed(&st);
        let n_docs: i64 = st.db.get().unwrap().query_row("SELECT COUNT(*) FROM documents WHERE contract_id = 1", [], |r| r.get(0)).unwrap();
        println!("seeded {ENTRIES} ledger entries and {n_docs} documents over ten years in {:.1?}", t.elapsed());

        // 1. «Акт сверки» for a year, PDF included
        let mut lat = Vec::new();
        let mut cpu = Vec::new();
        let mut pages_bytes = 0;
        for i in 0..40 {
            let y = 2016 + (i % 10) as i16;
            let st2 = st.clone();
            let t = Instant::now();
            let (doc, used) = st
                .db
                .run(move |c| {
                    let ctx = Ctx { cfg: &st2.cfg, tz: &st2.tz, now: st2.clock.now() };
                    let c0 = thread_cpu();
                    let d = docs::issue_reconciliation(c, &ctx, &Actor::System, 1, date(y, 1, 1), date(y, 12, 31))?;
                    Ok((d, thread_cpu() - c0))
                })
                .await
                .unwrap();
            lat.push(t.elapsed());
            cpu.push(used);
            pages_bytes = doc.pdf_size;
        }
        println!(
            "  (CPU time of the same call on its thread, independent of the machine's load: p50 {:.1} ms, p99 {:.1} ms; load average {})",
            ms(pct(&mut cpu, 0.5)),
            ms(pct(&mut cpu, 0.99)),
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').next().unwrap_or("?")
        );
        let (p50, p99) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99));
        println!(
            "«Акт сверки» for a year (~{} entries, PDF {} KiB): p50 {:.1} ms, p99 {:.1} ms  [target p99 < 200 ms: {}]",
            ENTRIES / 10,
            pages_bytes / 1024,
            ms(p50),
            ms(p99),
            if p99 < Duration::from_millis(200) { "OK" } else { "MISSED" }
        );

        // 2. and 3. against the release binary on the seeded database (its own RSS is measured)
        let cookie = format!("{}={token}", session::COOKIE);
        let db_path = dir.path().join("bench.db");
        drop(st);
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kabinet"))
            .args(["--no-demo", "--listen", &format!("127.0.0.1:{port}"), "--db"])
            .arg(&db_path)
            .env("KABINET_LOG", "warn")
            .spawn()
            .expect("start kabinet");
        let pid = child.id();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let started = Instant::now();
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut sender = connect(addr).await;
        for _ in 0..50 {
            get(&mut sender, "/documents/list", &cookie).await;
        }
        let mut lat = Vec::new();
        let mut bytes = 0;
        let paths = ["/documents/list", "/documents/list?kind=act", "/documents/list?year=2019", "/documents"];
        for i in 0..2000 {
            let t = Instant::now();
            bytes += get(&mut sender, paths[i % paths.len()], &cookie).await;
            lat.push(t.elapsed());
        }
        let (p50, p99) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99));
        println!(
            "«Документы» list / modal ({n_docs} documents, {} B avg): p50 {:.2} ms, p99 {:.2} ms  [target p99 < 10 ms: {}]",
            bytes / 2000,
            ms(p50),
            ms(p99),
            if p99 < Duration::from_millis(10) { "OK" } else { "MISSED" }
        );

        // 3. 50 parallel downloads of the largest PDFs
        let ids: Vec<i64> = {
            let c = rusqlite::Connection::open(&db_path).unwrap();
            let mut s = c.prepare("SELECT id FROM documents ORDER BY pdf_size DESC LIMIT 50").unwrap();
            s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        let before = rss_kib(pid, "VmRSS:");
        let t = Instant::now();
        let mut tasks = Vec::new();
        for id in ids {
            let cookie = cookie.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = connect(addr).await;
                get(&mut s, &format!("/documents/{id}/pdf"), &cookie).await
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        let peak = rss_kib(pid, "VmHWM:");
        let _ = child.kill();
        let _ = child.wait();
        println!(
            "50 parallel PDF downloads ({} KiB in all) in {:.0} ms: server RSS {} MiB before, peak {} MiB  [target < 100 MB: {}]",
            total / 1024,
            ms(t.elapsed()),
            before / 1024,
            peak / 1024,
            if peak < 100 * 1000 { "OK" } else { "MISSED" }
        );
    });
}
