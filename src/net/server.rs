//! Our own accept loop over hyper, instead of `poem::Server`, which has no header-read or
//! body timeouts, no connection cap, and retries a failing `accept` (EMFILE) at once in a busy
//! loop without a log line. Here:
//! - a connection cap (a semaphore) below the open-file limit; at the cap new connections wait
//!   in the kernel's backlog, and that is logged;
//! - a cap per client address (IPv6 by /64; not for the trusted proxies): one client that
//!   reconnects in a loop cannot hold the listener at its global cap — past its share its new
//!   connections get a 503 and are closed at once;
//! - `accept` errors are logged (at most once a second) and followed by a growing pause;
//! - HTTP/1 headers must arrive within `header_read_timeout` (hyper's timer; it also bounds how
//!   long an idle keep-alive connection waits for its next request);
//! - a connection with no traffic and no request in progress closes after `idle_timeout`;
//! - graceful shutdown: stop accepting, let requests in flight finish (up to `grace`).
//!
//! Request bodies are bounded and timed by `web::limits`; WebSocket frames by the chat.
pub use super::per_ip::PerIpExempt;
use super::per_ip::{IpSlot, PerIp, PER_IP_REFUSAL};
use http_body_util::combinators::BoxBody;
use hyper::{
    body::{Bytes, Incoming},
    service::service_fn,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use poem::{
    http::uri::Scheme,
    web::{LocalAddr, RemoteAddr},
    Addr, Endpoint, EndpointExt, IntoEndpoint,
};
use std::{
    convert::Infallible,
    future::Future,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, OnceLock,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
};

#[derive(Debug, Clone)]
pub struct Options {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// Open connections per client address at most (IPv6 by /64).
    pub max_connections_per_ip: usize,
    /// Peers the per-address cap does not apply to (the reverse proxies): every connection of
    /// theirs carries many clients.
    pub per_ip_exempt: PerIpExempt,
    /// How long a graceful shutdown waits for requests in flight.
    pub grace: Duration,
}

impl Options {
    /// From `[server]`, with the connection cap fitted under the open-file limit.
    /// The per-address cap is at most half the connection cap, so another client always has
    /// room.
    pub fn from_config(cfg: &crate::config::Server, fd_limit: Option<u64>) -> Options {
        let max_connections = super::rlimit::connection_cap(cfg.max_connections, fd_limit);
        Options {
            header_read_timeout: Duration::from_secs(cfg.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(cfg.idle_timeout_secs),
            max_connections,
            max_connections_per_ip: cfg.max_connections_per_ip.min((max_connections / 2).max(1)),
            per_ip_exempt: PerIpExempt::None,
            grace: Duration::from_secs(20),
        }
    }

    /// Behind reverse proxies (`[security]`): the proxies' own connections are not capped per
    /// address.
    pub fn behind_proxies(mut self, sec: &crate::config::Security) -> Options {
        self.per_ip_exempt = match (sec.trust_proxy_headers, sec.trusted_proxies.is_empty()) {
            (false, _) => PerIpExempt::None,
            (true, true) => PerIpExempt::All,
            (true, false) => PerIpExempt::Proxies(
                sec.trusted_proxies
                    .iter()
                    .filter_map(|p| crate::domain::ip::Cidr::parse(p))
                    .collect(),
            ),
        };
        self
    }
}

fn epoch() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

/// Connections open now (for `/metrics`).
pub fn open_connections() -> usize {
    OPEN.load(Ordering::Relaxed)
}

static OPEN: AtomicUsize = AtomicUsize::new(0);

/// A client socket that notes when it last moved bytes and holds its place under the cap for
/// as long as it lives (also after a WebSocket upgrade, which takes the socket away from hyper).
struct Conn {
    inner: TcpStream,
    last: Arc<AtomicU64>,
    _permit: OwnedSemaphorePermit,
    _ip_slot: Option<IpSlot>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Conn {
    fn touch(&self) {
        self.last.store(now_ms(), Ordering::Relaxed);
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Counts a request in progress on one connection.
struct Busy(Arc<AtomicUsize>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves when the connection has been silent for `idle` with no request in progress.
async fn idle(last: Arc<AtomicU64>, busy: Arc<AtomicUsize>, idle: Duration) {
    let idle_ms = idle.as_millis() as u64;
    loop {
        let due = last.load(Ordering::Relaxed) + idle_ms;
        let now = now_ms();
        if now >= due {
            if busy.load(Ordering::Relaxed) == 0 {
                return;
            }
            tokio::time::sleep(idle).await;
        } else {
            tokio::time::sleep(Duration::from_millis(due - now)).await;
        }
    }
}

/// Is this `accept` error about running out of something (files, memory), where retrying at
/// once would only spin?
fn is_resource_error(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        const EMFILE: i32 = 24;
        const ENFILE: i32 = 23;
        const ENOBUFS: i32 = 105;
        const ENOMEM: i32 = 12;
        matches!(e.raw_os_error(), Some(EMFILE | ENFILE | ENOBUFS | ENOMEM))
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        true
    }
}

/// Logs at most once per `every`.
struct Throttled {
    last: Option<Instant>,
    every: Duration,
    suppressed: u64,
}

impl Throttled {
    fn new(every: Duration) -> Throttled {
        Throttled {
            last: None,
            every,
            suppressed: 0,
        }
    }
    /// Some(how many were suppressed since the last line) when it is time to log.
    fn due(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|l| now.duration_since(l) < self.every)
        {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

/// Serves `ep` on `listener` until `shutdown` resolves, then finishes gracefully.
pub async fn serve<E>(
    listener: TcpListener,
    ep: E,
    opts: Options,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep = Arc::new(ep.into_endpoint().map_to_response());
    let local = LocalAddr(Addr::SocketAddr(listener.local_addr()?));
    let cap = Arc::new(Semaphore::new(opts.max_connections));
    let per_ip = PerIp::new(opts.max_connections_per_ip);
    let mut per_ip_log = Throttled::new(Duration::from_secs(10));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut accept_log = Throttled::new(Duration::from_secs(1));
    let mut cap_log = Throttled::new(Duration::from_secs(10));
    let mut backoff = Duration::ZERO;
    tracing::info!(
        addr = %local.0,
        max_connections = opts.max_connections,
        max_connections_per_ip = opts.max_connections_per_ip,
        header_read_timeout_s = opts.header_read_timeout.as_secs(),
        idle_timeout_s = opts.idle_timeout.as_secs(),
        "listening"
    );
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let permit = match cap.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if let Some(n) = cap_log.due() {
                    tracing::warn!(
                        max_connections = opts.max_connections,
                        suppressed = n,
                        "connection cap reached: new connections wait"
                    );
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    p = cap.clone().acquire_owned() => p.expect("semaphore never closed"),
                }
            }
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => r,
        };
        let (stream, peer) = match accepted {
            Ok(x) => {
                backoff = Duration::ZERO;
                x
            }
            Err(e) => {
                drop(permit);
                if is_resource_error(&e) {
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                } else {
                    backoff = Duration::from_millis(1);
                }
                if let Some(n) = accept_log.due() {
                    tracing::error!(
                        error = %e,
                        suppressed = n,
                        pause_ms = backoff.as_millis() as u64,
                        open = open_connections(),
                        "accept failed (out of file descriptors?); pausing"
                    );
                }
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(backoff) => {},
                }
                continue;
            }
        };
        let ip_slot = if opts.per_ip_exempt.covers(peer.ip()) {
            None
        } else {
            match per_ip.take(peer.ip()) {
                Some(slot) => Some(slot),
                None => {
                    if let Some(n) = per_ip_log.due() {
                        tracing::warn!(
                            peer = %crate::domain::ip::limit_key(peer.ip()),
                            max_connections_per_ip = opts.max_connections_per_ip,
                            suppressed = n,
                            "connection refused: too many open from one address"
                        );
                    }
                    // Without waiting: a client that does not read cannot stall the loop.
                    let _ = stream.try_write(PER_IP_REFUSAL);
                    drop(stream);
                    drop(permit);
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        OPEN.fetch_add(1, Ordering::Relaxed);
        let last = Arc::new(AtomicU64::new(now_ms()));
        let conn = Conn {
            inner: stream,
            last: last.clone(),
            _permit: permit,
            _ip_slot: ip_slot,
        };
        let ep = ep.clone();
        let local = local.clone();
        let opts = opts.clone();
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            let busy = Arc::new(AtomicUsize::new(0));
            let remote = RemoteAddr(Addr::SocketAddr(peer));
            let service = service_fn({
                let busy = busy.clone();
                move |req: hyper::Request<Incoming>| {
                    let ep = ep.clone();
                    let local = local.clone();
                    let remote = remote.clone();
                    busy.fetch_add(1, Ordering::Relaxed);
                    let guard = Busy(busy.clone());
                    async move {
                        let _guard = guard;
                        let req = poem::Request::from((req, local, remote, Scheme::HTTP));
                        let resp: hyper::Response<BoxBody<Bytes, io::Error>> =
                            ep.get_response(req).await.into();
                        Ok::<_, Infallible>(resp)
                    }
                }
            });
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(opts.header_read_timeout);
            builder
                .http2()
                .timer(TokioTimer::new())
                .max_concurrent_streams(64)
                .keep_alive_interval(None);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(conn), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = idle(last, busy, opts.idle_timeout) => {
                    tracing::debug!(%peer, "closing an idle connection");
                    return;
                }
                _ = stop.wait_for(|s| *s) => {}
            }
            // Shutting down: finish the request in flight, then close.
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        });
    }
    drop(listener);
    tracing::info!(
        connections = tasks.len(),
        grace_s = opts.grace.as_secs(),
        "initiate graceful shutdown: no new connections, finishing requests in flight"
    );
    let _ = stop_tx.send(true);
    let waited = tokio::time::timeout(opts.grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if waited.is_err() {
        tracing::warn!(
            left = tasks.len(),
            "graceful shutdown: connections still open after the grace period are closed"
        );
    }
    tasks.shutdown().await;
    Ok(())
}
