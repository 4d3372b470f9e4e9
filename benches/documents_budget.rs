//! Issue 24, item 2: another company's writes while one subscriber issues PDFs.
//!
//! Contract 1 gets a 10 000-entry ledger (ten years). Four "tabs" of its subscriber ask for
//! «Акт сверки» of a year (a different period each time, so nothing is deduplicated) as fast
//! as they can, through `app::documents::request` — the path the screen uses: budget, disk
//! check, number reserved, PDF rendered outside the write lock, stored. Meanwhile another
//! company (contract 2) saves a small change through the writer every 20 ms; its latency is
//! measured: alone, with the default budget (10 a minute per person and contract), and with
//! the budget lifted (renders back to back: the worst case the lock has to survive).
//! Target (issue 24): the other company's write p99 within 2× of its p99 alone.
//!
//! Run: `cargo bench --bench documents_budget` (BENCH_SECS=8 per phase by default).
use jiff::civil::date;
use kabinet::{
    app::documents::{self as docs, Actor, Ask},
    build_state,
    config::Config,
    state::SharedState,
};
use rusqlite::params;
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const ENTRIES: i64 = 10_000;

fn seed(st: &SharedState) {
    let mut c = st.db.get().unwrap();
    let tx = c.transaction().unwrap();
    let start = kabinet::domain::time::local(&st.tz, 2016, 1, 1, 9, 0, 0);
    let step = 10 * 365 * 86_400 / ENTRIES;
    let mut bal: i64 = tx
        .query_row("SELECT balance_kop FROM contracts WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut ins = tx
        .prepare(
            "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        )
        .unwrap();
    for i in 0..ENTRIES {
        let (kind, desc, amt) = if i % 3 == 0 {
            ("payment", "Пополнение баланса", 10_000)
        } else {
            ("charge", "Абонентская плата", -4_000)
        };
        bal += amt;
        ins.execute(params![
            kind,
            desc,
            amt,
            bal,
            start + i * step,
            format!("bench:{i}")
        ])
        .unwrap();
    }
    drop(ins);
    tx.execute("UPDATE contracts SET balance_kop = ?1 WHERE id = 1", [bal])
        .unwrap();
    tx.commit().unwrap();
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Another company's small writes every 20 ms for `secs`: their latencies.
async fn other_writes(st: &SharedState, secs: u64) -> Vec<Duration> {
    let mut lat = Vec::new();
    let until = Instant::now() + Duration::from_secs(secs);
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        let t = Instant::now();
        st.db
            .write(move |c| {
                c.execute(
                    "UPDATE contracts SET documents_email = ?1 WHERE id = 2",
                    [format!("buh{i}@other.example")],
                )?;
                Ok(())
            })
            .await
            .expect("the other company's write");
        lat.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    lat
}

/// Four tabs issuing «Акт сверки» back to back until `stop`: (issued, refused).
fn tabs(st: &SharedState, stop: Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<(u64, u64)>> {
    let n = Arc::new(AtomicU64::new(0));
    (0..4)
        .map(|tab| {
            let (st, stop, n) = (st.clone(), stop.clone(), n.clone());
            tokio::spawn(async move {
                let (mut ok, mut refused) = (0, 0);
                while !stop.load(Ordering::Relaxed) {
                    // a different year-long period each time: never the same document
                    let k = n.fetch_add(1, Ordering::Relaxed) as i64;
                    let from = date(2016, 1, 1)
                        .checked_add(jiff::Span::new().days(k % 3000))
                        .unwrap();
                    let to = from.checked_add(jiff::Span::new().days(364)).unwrap();
                    let actor = Actor::Account {
                        id: 1,
                        ip: format!("127.0.0.{tab}"),
                    };
                    match docs::request(&st, actor, 1, Ask::Reconciliation { from, to }).await {
                        Ok(_) => ok += 1,
                        Err(kabinet::error::AppError::TooMany(_)) => {
                            refused += 1;
                            // a person clicking again
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => panic!("issue failed: {e}"),
                    }
                }
                (ok, refused)
            })
        })
        .collect()
}

async fn phase(name: &str, st: &SharedState, secs: u64, base_p99: Option<Duration>) -> Duration {
    let stop = Arc::new(AtomicBool::new(false));
    let tabs = if name == "alone" {
        Vec::new()
    } else {
        tabs(st, stop.clone())
    };
    let mut lat = other_writes(st, secs).await;
    stop.store(true, Ordering::Relaxed);
    let (mut ok, mut refused) = (0, 0);
    for t in tabs {
        let (o, r) = t.await.unwrap();
        ok += o;
        refused += r;
    }
    let (p50, p99, max) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99), pct(&mut lat, 1.0));
    let verdict = match base_p99 {
        Some(b) => format!(
            "  [target p99 ≤ 2× alone ({:.2} ms): {}]",
            ms(b) * 2.0,
            if p99 <= b * 2 { "OK" } else { "MISSED" }
        ),
        None => String::new(),
    };
    println!(
        "{name:<28} other company's write ({} writes): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; «Акт сверки» issued {ok}, refused {refused}{verdict}",
        lat.len(),
        ms(p50),
        ms(p99),
        ms(max),
    );
    p99
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let st = build_state(Config::default(), &dir.path().join("a.db"), true).unwrap();
        seed(&st);
        let alone = phase("alone", &st, secs, None).await;
        phase("default budget (10/min)", &st, secs, Some(alone)).await;
        drop(st);
        // the budget lifted: renders back to back (the lock's worst case)
        let mut cfg = Config::default();
        cfg.documents.issue_per_minute = 1_000_000;
        cfg.documents.issue_per_day = 1_000_000;
        cfg.documents.issue_site_per_minute = 1_000_000;
        let st = build_state(cfg, &dir.path().join("b.db"), true).unwrap();
        seed(&st);
        let alone = phase("alone", &st, secs, None).await;
        phase("budget lifted (4 tabs)", &st, secs, Some(alone)).await;
        let n: i64 = st
            .db
            .get()
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM documents WHERE kind = 'reconciliation'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        println!("(«Акт сверки» stored in the lifted run: {n}; ledger {ENTRIES} entries)");
    });
}
