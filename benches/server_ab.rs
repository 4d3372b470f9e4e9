//! A/B of the accept loop: `cargo bench --bench server_ab`.
//!
//! The same app served in this process by poem's `Server` (what kabinet used before issue 12)
//! and by `kabinet::net::server` (header/idle timeouts, connection cap), in alternating rounds;
//! 64 keep-alive connections ask `/healthz` and the logged-out `/login` page. Reports req/s per
//! round, so a busy machine shows up as spread rather than as a false difference.
//!
//! Env: BENCH_SECS (per round, default 3), BENCH_ROUNDS (default 3).
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use poem::listener::{Acceptor, Listener};
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn load(addr: std::net::SocketAddr, path: &'static str, secs: u64) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (stop, done) = (stop.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).ok();
            let (mut tx, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            while !stop.load(Ordering::Relaxed) {
                let req = hyper::Request::get(path)
                    .header("host", "bench")
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                let Ok(resp) = tx.send_request(req).await else {
                    return;
                };
                let _ = resp.into_body().collect().await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let n = done.load(Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let secs = env("BENCH_SECS", 3);
    let rounds = env("BENCH_ROUNDS", 3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let state = kabinet::build_state(
            kabinet::config::Config::default(),
            &dir.path().join("ab.db"),
            true,
        )
        .unwrap();
        let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let poem_addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let app = kabinet::app(state.clone());
        tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ours_addr = listener.local_addr().unwrap();
        let opts = kabinet::net::server::Options::from_config(
            &state.cfg.server,
            kabinet::net::rlimit::raise_nofile(),
        );
        let app = kabinet::app(state.clone());
        tokio::spawn(kabinet::net::server::serve(
            listener,
            app,
            opts,
            std::future::pending(),
        ));
        for path in ["/healthz", "/login"] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                a.push(load(poem_addr, path, secs).await);
                b.push(load(ours_addr, path, secs).await);
            }
            let fmt = |v: &[f64]| {
                v.iter()
                    .map(|x| format!("{x:.0}"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            println!(
                "{path:9} poem::Server {} req/s; net::server {} req/s; ratio {:.2}",
                fmt(&a),
                fmt(&b),
                mean(&b) / mean(&a)
            );
        }
    });
}
