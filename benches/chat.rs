//! Chat benchmark: `cargo bench --bench chat`.
//!
//! Starts the release `kabinet` binary on a temp database with the demo data, adds 1 000
//! subscriber contracts with two sessions each (two «tabs»), opens 2 000 chat WebSockets plus one
//! staff console socket, then sends chat messages at a steady rate from one tab of each account.
//! Every message is stored by the server before it is fanned out to the account's tabs and to
//! staff; the bench measures send → receive time at the other tab and at the staff socket, and
//! the server's peak RSS (VmHWM). Targets (issue «Support»): p99 < 50 ms, RSS < 200 MB.
//! Env: BENCH_SOCKETS (default 2000), BENCH_SECS (default 10), BENCH_RATE msgs/s (default 200).
use futures_util::{SinkExt, StreamExt};
use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn status_kb(pid: u32, field: &str) -> u64 {
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

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Raises the open-files limit to the hard limit; returns the soft limit now in force.
fn raise_nofile() -> u64 {
    // SAFETY: plain getrlimit/setrlimit on our own process with a valid struct.
    unsafe {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 0;
        }
        if r.rlim_cur < r.rlim_max {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
        r.rlim_cur
    }
}

fn token(i: usize) -> String {
    format!("bench{i:0>38}")
}

fn pct(v: &[u32], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)] as f64 / 1000.0
}

#[derive(Default)]
struct Stats {
    other_tab: Mutex<Vec<u32>>,
    staff: Mutex<Vec<u32>>,
    staff_seen: Mutex<Vec<String>>,
}

fn main() {
    let sockets = env_num("BENCH_SOCKETS", 2000) as usize;
    let secs = env_num("BENCH_SECS", 10);
    let rate = env_num("BENCH_RATE", 200).max(1);
    let accounts = sockets.div_ceil(2);
    let nofile = raise_nofile();
    let need = (sockets as u64 + 64) * 2 + 100;
    if nofile < need {
        eprintln!("WARNING: open-files limit {nofile} < {need} needed (client + server sockets); raise `ulimit -n`");
    }

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let cfg = dir.path().join("bench.toml");
    std::fs::write(&cfg, "[support_hours]\nauto_reply = false\n").unwrap();
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
        .stdout(if std::env::var_os("BENCH_SERVER_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("start kabinet");
    let server = Server(child);
    let pid = server.0.id();
    let started = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Subscribers with two sessions each, and a staff session, written straight into the DB.
    let setup = Instant::now();
    {
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        let now = jiff::Timestamp::now().as_second();
        let tx = c.transaction().unwrap();
        for a in 0..accounts {
            tx.execute(
                "INSERT INTO contracts(number, address, password_hash, created_at) VALUES (?1, 'Уфа, ул. Ленина, 1', 'x', ?2)",
                rusqlite::params![format!("BENCH{a:05}"), now],
            )
            .unwrap();
            let k = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO accounts(kind, contract_id, current_contract_id, created_at) VALUES ('contract', ?1, ?1, ?2)",
                rusqlite::params![k, now],
            )
            .unwrap();
            let acc = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO account_contracts(account_id, contract_id, added_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![acc, k, now],
            )
            .unwrap();
            for tab in 0..2 {
                tx.execute(
                    "INSERT INTO sessions(token_hash, account_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
                    rusqlite::params![kabinet::auth::session::token_hash(&token(a * 2 + tab)), acc, now],
                )
                .unwrap();
            }
        }
        tx.execute(
            "INSERT INTO sessions(token_hash, staff_id, created_at, last_seen_at)
             VALUES (?1, (SELECT id FROM staff WHERE login = 'operator'), ?2, ?2)",
            rusqlite::params![kabinet::auth::session::token_hash(&token(999_999)), now],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let rss_idle = status_kb(pid, "VmRSS:");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let origin = format!("http://{addr}");
        let t0 = Instant::now();
        let stats = Arc::new(Stats::default());
        let received = Arc::new(AtomicU64::new(0));
        let connect = |path: String, cookie: String| {
            let (addr, origin) = (addr.clone(), origin.clone());
            async move {
                let mut req = format!("ws://{addr}{path}").into_client_request().unwrap();
                req.headers_mut().insert("cookie", cookie.parse().unwrap());
                req.headers_mut().insert("origin", origin.parse().unwrap());
                tokio_tungstenite::connect_async(req).await.map(|(s, _)| s)
            }
        };
        // One task per socket: forwards commands to the socket, timestamps what arrives.
        let spawn_socket = |ws: tokio_tungstenite::WebSocketStream<_>, role: u8, stats: Arc<Stats>, received: Arc<AtomicU64>| {
            let (tx, mut rx) = mpsc::channel::<String>(16);
            tokio::spawn(async move {
                let (mut sink, mut stream) = ws.split();
                loop {
                    tokio::select! {
                        cmd = rx.recv() => match cmd {
                            Some(t) => { if sink.send(Message::text(t)).await.is_err() { break; } }
                            None => break,
                        },
                        m = stream.next() => match m {
                            Some(Ok(Message::Text(t))) => {
                                let Ok(v) = serde_json::from_str::<serde_json::Value>(&t) else { continue };
                                let Some(cid) = v["cid"].as_str() else { continue };
                                // cid = b-<sender tab>-<micros since t0>
                                let mut p = cid.split('-');
                                let (Some("b"), Some(_), Some(us)) = (p.next(), p.next(), p.next()) else { continue };
                                let sent: u64 = us.parse().unwrap_or(0);
                                let lat = (t0.elapsed().as_micros() as u64).saturating_sub(sent) as u32;
                                match role {
                                    1 => stats.other_tab.lock().unwrap().push(lat),
                                    2 => {
                                        stats.staff.lock().unwrap().push(lat);
                                        if let Some(b) = v["body"].as_str() {
                                            stats.staff_seen.lock().unwrap().push(b.to_owned());
                                        }
                                    }
                                    _ => {}
                                }
                                received.fetch_add(1, Ordering::Relaxed);
                            }
                            Some(Ok(_)) => {}
                            _ => break,
                        },
                    }
                }
            });
            tx
        };

        let opening = Instant::now();
        let staff_ws = connect("/staff/ws".into(), format!("kabinet_staff={}", token(999_999)))
            .await
            .expect("staff socket");
        let _staff_tx = spawn_socket(staff_ws, 2, stats.clone(), received.clone());
        let mut senders: Vec<mpsc::Sender<String>> = Vec::with_capacity(accounts);
        let mut keep = Vec::with_capacity(sockets);
        let mut failed = 0usize;
        for batch in (0..sockets).collect::<Vec<_>>().chunks(100) {
            let futs = batch.iter().map(|&i| connect("/chat/ws".into(), format!("kabinet_session={}", token(i))));
            let results = futures_util::future::join_all(futs).await;
            for (&i, r) in batch.iter().zip(results) {
                match r {
                    Ok(ws) => {
                        let role = if i % 2 == 0 { 0 } else { 1 };
                        let tx = spawn_socket(ws, role, stats.clone(), received.clone());
                        if i % 2 == 0 { senders.push(tx) } else { keep.push(tx) }
                    }
                    Err(e) => {
                        failed += 1;
                        if failed <= 3 { eprintln!("socket {i} failed: {e}"); }
                    }
                }
            }
        }
        let open_secs = opening.elapsed().as_secs_f64();
        let rss_open = status_kb(pid, "VmRSS:");
        println!("opened {} chat sockets (+1 staff) in {open_secs:.1} s, {failed} failed; server RSS {} MB idle → {} MB with sockets open",
            sockets - failed, rss_idle / 1024, rss_open / 1024);

        let total = rate * secs;
        let gap = Duration::from_secs_f64(1.0 / rate as f64);
        let mut tick = tokio::time::interval(gap);
        for n in 0..total as usize {
            tick.tick().await;
            let s = n % senders.len();
            let cid = format!("b-{s}-{}", t0.elapsed().as_micros());
            let msg = serde_json::json!({"t": "send", "cid": cid, "body": format!("Сообщение {n}: проверка связи")}).to_string();
            let _ = senders[s].try_send(msg);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut other = stats.other_tab.lock().unwrap().clone();
        let mut staff = stats.staff.lock().unwrap().clone();
        other.sort_unstable();
        staff.sort_unstable();
        if staff.len() as u64 != total {
            let seen: std::collections::HashSet<String> = stats.staff_seen.lock().unwrap().iter().cloned().collect();
            let missing: Vec<u64> = (0..total).filter(|n| !seen.contains(&format!("Сообщение {n}: проверка связи"))).take(20).collect();
            println!("staff missed messages #{missing:?}");
        }
        let hwm = status_kb(pid, "VmHWM:");
        let rss = status_kb(pid, "VmRSS:");
        println!("sent {total} messages at {rate}/s over {secs} s");
        println!("delivered to the other tab: {} / {total}  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            other.len(), pct(&other, 0.50), pct(&other, 0.99), pct(&other, 1.0));
        println!("delivered to staff:         {} / {total}  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            staff.len(), pct(&staff, 0.50), pct(&staff, 0.99), pct(&staff, 1.0));
        println!("server RSS now {} MB, peak (VmHWM) {} MB", rss / 1024, hwm / 1024);
        let mut all = other.clone();
        all.extend(&staff);
        all.sort_unstable();
        let p99 = pct(&all, 0.99);
        let complete = other.len() as u64 == total && staff.len() as u64 == total && failed == 0;
        let ok = p99 < 50.0 && hwm < 200 * 1024 && complete;
        println!("targets: p99 < 50 ms ({p99:.2} ms), peak RSS < 200 MB ({} MB), every message delivered ({complete}) → {}",
            hwm / 1024, if ok { "PASS" } else { "FAIL" });
        drop(senders);
        drop(keep);
    });
    drop(server);
    println!("setup+run took {:.1} s", setup.elapsed().as_secs_f64());
}
