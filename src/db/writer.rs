//! The write path: one writer connection fed by a bounded queue, committing the writes that
//! wait in the queue together (group commit).
//!
//! SQLite allows one writer at a time. When every request took its own `BEGIN IMMEDIATE` on a
//! pooled connection, concurrent writes met in SQLite's busy handler, which sleeps and retries
//! unfairly (and gave up with "database is locked" after 5 s), and each commit paid its own
//! fsync (about 2 ms on the development machine's disk). Here [`crate::db::Db::write`] hands
//! its closure to a queue; one thread owning one connection takes everything waiting (up to
//! [`MAX_BATCH`]), runs each closure inside one `BEGIN IMMEDIATE` transaction under its own
//! `SAVEPOINT` (a failing closure rolls back only its own changes), commits once — one fsync
//! for the batch, with `synchronous=FULL` — and only then answers each caller. A queue past
//! [`QUEUE_MAX`] refuses at once with [`AppError::Busy`] (503 with `Retry-After`).
//!
//! Writes that still take their own transaction on a pooled connection (`db::begin_write`,
//! `db::in_write`) wait for the same [`Gate`] as the writer's batches instead of meeting in
//! SQLite's busy handler, so nothing in this process races for the file's write lock.
use rusqlite::Connection;
use std::{
    any::Any,
    collections::HashMap,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicUsize, Ordering},
        mpsc, Arc, Condvar, Mutex, Weak,
    },
    time::{Duration, Instant},
};

use super::{fresh, Pool};
use crate::error::AppError;

/// Writes taken into one transaction at most.
pub const MAX_BATCH: usize = 256;
/// Writes waiting at most; one more is refused with 503.
pub const QUEUE_MAX: usize = 2048;
/// Longest wait for the write gate before a write gives up (503, never a 500).
pub const GATE_WAIT: Duration = Duration::from_secs(5);

/// One queued write: runs inside the batch, or fails without running.
pub(crate) trait Job: Send {
    fn run(self: Box<Self>, c: &Connection) -> Ran;
    fn fail(self: Box<Self>, e: AppError);
}

/// What a job left after running: whether it succeeded, and how to answer its caller once the
/// batch's fate is known (`None`: committed; `Some`: the commit failed with this error).
pub(crate) struct Ran {
    ok: bool,
    answer: Box<dyn FnOnce(Option<AppError>) + Send>,
}

/// The caller's side: the closure's result, or its panic (resumed in the caller).
pub(crate) enum Reply<T> {
    Done(Result<T, AppError>),
    Panicked(Box<dyn Any + Send>),
}

pub(crate) struct WriteJob<T, F> {
    pub f: F,
    pub reply: tokio::sync::oneshot::Sender<Reply<T>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
{
    fn run(self: Box<Self>, c: &Connection) -> Ran {
        let WriteJob { f, reply } = *self;
        match std::panic::catch_unwind(AssertUnwindSafe(|| f(c))) {
            Ok(Ok(t)) => Ran {
                ok: true,
                answer: Box::new(move |failed| {
                    let _ = reply.send(Reply::Done(match failed {
                        None => Ok(t),
                        Some(e) => Err(e),
                    }));
                }),
            },
            Ok(Err(e)) => Ran {
                ok: false,
                answer: Box::new(move |_| {
                    let _ = reply.send(Reply::Done(Err(e)));
                }),
            },
            Err(panic) => Ran {
                ok: false,
                answer: Box::new(move |_| {
                    let _ = reply.send(Reply::Panicked(panic));
                }),
            },
        }
    }

    fn fail(self: Box<Self>, e: AppError) {
        let _ = self.reply.send(Reply::Done(Err(e)));
    }
}

/// The sending side, held by every clone of `Db`.
pub(crate) struct Writer {
    tx: mpsc::SyncSender<Box<dyn Job>>,
    /// Jobs sent and not yet taken into a batch (for `/metrics` and the tests).
    queued: Arc<AtomicUsize>,
}

impl Writer {
    /// Starts the writer thread on `conn` (configured, migrated).
    /// Starts the writer thread on `conn` (configured, migrated); the WAL checkpoints its
    /// commits ask for run on a connection of `pool`, on a thread of their own.
    pub(crate) fn start(
        conn: Connection,
        gate: Arc<Gate>,
        pool: Pool,
        fresh: Arc<fresh::Fresh>,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::sync_channel::<Box<dyn Job>>(QUEUE_MAX);
        let queued = Arc::new(AtomicUsize::new(0));
        let (due, due_rx) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("db-checkpoint".into())
            .spawn(move || {
                while due_rx.recv().is_ok() {
                    if let Ok(c) = pool.get() {
                        // PASSIVE: never waits for readers or the writer; retried when due again.
                        let _ = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    }
                }
            })?;
        let q = queued.clone();
        std::thread::Builder::new()
            .name("db-writer".into())
            .spawn(move || writer_loop(conn, rx, gate, q, due, fresh))?;
        Ok(Writer { tx, queued })
    }

    /// Queues a job; a full queue refuses at once.
    pub(crate) fn submit(&self, job: Box<dyn Job>) -> Result<(), AppError> {
        self.queued.fetch_add(1, Ordering::AcqRel);
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.queued.fetch_sub(1, Ordering::AcqRel);
                if let mpsc::TrySendError::Full(_) = e {
                    tracing::warn!("write queue full: refusing a write with 503");
                    Err(AppError::Busy)
                } else {
                    Err(AppError::Internal("database writer stopped".into()))
                }
            }
        }
    }

    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }
}

fn writer_loop(
    conn: Connection,
    rx: mpsc::Receiver<Box<dyn Job>>,
    gate: Arc<Gate>,
    queued: Arc<AtomicUsize>,
    checkpoint: mpsc::SyncSender<()>,
    fresh: Arc<fresh::Fresh>,
) {
    fresh::mark_writer_thread();
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        queued.fetch_sub(batch.len(), Ordering::AcqRel);
        let (n, t0) = (batch.len(), Instant::now());
        match gate.enter() {
            Ok(_held) => run_batch(&conn, &mut batch, &fresh),
            Err(e) => {
                for job in batch.drain(..) {
                    job.fail(clone_error(&e));
                }
            }
        }
        tracing::debug!(
            writes = n,
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "write batch"
        );
        if fresh::checkpoint_due() {
            let _ = checkpoint.try_send(());
        }
    }
}

/// Runs the jobs in as few transactions as possible (one, unless a failure rolled back the
/// whole transaction), commits, then answers.
fn run_batch(conn: &Connection, batch: &mut Vec<Box<dyn Job>>, fresh: &fresh::Fresh) {
    let mut jobs = batch.drain(..);
    'tx: loop {
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            for job in jobs {
                job.fail(clone_error(&e));
            }
            return;
        }
        let mut done: Vec<Ran> = Vec::new();
        let mut scopes = fresh::Touched::default();
        for job in jobs.by_ref() {
            if let Err(e) = conn.execute_batch("SAVEPOINT w") {
                job.fail(clone_error(&e));
                continue;
            }
            fresh::claims_reset();
            let before = conn.total_changes();
            let ran = job.run(conn);
            if ran.ok {
                let _ = conn.execute_batch("RELEASE w");
                scopes.add_job(conn.total_changes() - before, fresh::claims_take());
                done.push(ran);
            } else {
                let _ = conn.execute_batch("ROLLBACK TO w; RELEASE w");
                fresh::claims_take();
                let rolled_back = conn.is_autocommit();
                (ran.answer)(None);
                if rolled_back {
                    // SQLite rolled back the whole transaction (a full disk, an I/O error):
                    // the jobs before this one are lost; they fail, the rest go on in a new one.
                    let e = AppError::Internal("write transaction rolled back".into());
                    for r in done {
                        (r.answer)(Some(clone_app_error(&e)));
                    }
                    continue 'tx;
                }
            }
        }
        match conn.execute_batch("COMMIT") {
            Ok(()) => {
                // Invalidate what the batch touched before anyone hears of it.
                scopes.publish(fresh);
                for r in done {
                    (r.answer)(None);
                }
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                tracing::error!(error = %e, "write batch failed to commit");
                for r in done {
                    (r.answer)(Some(clone_error(&e)));
                }
            }
        }
        return;
    }
}

/// A copy of a SQLite error for each caller of a failed batch (keeps the error code, so a full
/// disk still reads as one).
fn clone_error(e: &rusqlite::Error) -> AppError {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            AppError::Db(rusqlite::Error::SqliteFailure(*code, msg.clone()))
        }
        other => AppError::Internal(other.to_string()),
    }
}

fn clone_app_error(e: &AppError) -> AppError {
    match e {
        AppError::Db(e) => clone_error(e),
        other => AppError::Internal(other.to_string()),
    }
}

/// The process's permission to write one database file: held by the writer for each batch and
/// by `db::begin_write` for its transaction. Waiters queue here, not in SQLite's busy handler.
#[derive(Default)]
pub struct Gate {
    held: Mutex<bool>,
    free: Condvar,
}

/// Holding the gate; dropping it lets the next writer in.
pub struct Held(Arc<Gate>);

impl Drop for Held {
    fn drop(&mut self) {
        let mut h = self.0.held.lock().unwrap_or_else(|p| p.into_inner());
        *h = false;
        drop(h);
        self.0.free.notify_one();
    }
}

impl Gate {
    /// Waits (at most [`GATE_WAIT`]) for the gate; `SQLITE_BUSY` when it stays taken.
    pub fn enter(self: &Arc<Self>) -> rusqlite::Result<Held> {
        let deadline = Instant::now() + GATE_WAIT;
        let mut h = self.held.lock().unwrap_or_else(|p| p.into_inner());
        while *h {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some("database is busy: the write gate stayed taken".into()),
                ));
            }
            h = self
                .free
                .wait_timeout(h, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *h = true;
        Ok(Held(self.clone()))
    }
}

/// Gates by database file name (as SQLite reports it), so a connection the caller holds finds
/// the gate of the `Db` that opened its file.
static GATES: Mutex<Option<HashMap<String, Weak<Gate>>>> = Mutex::new(None);

/// The gate of `path`, created (and registered) when none is live.
pub(crate) fn gate_for_path(path: &str) -> Arc<Gate> {
    let mut g = GATES.lock().unwrap_or_else(|p| p.into_inner());
    let map = g.get_or_insert_with(HashMap::new);
    if let Some(gate) = map.get(path).and_then(Weak::upgrade) {
        return gate;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let gate = Arc::new(Gate::default());
    map.insert(path.to_owned(), Arc::downgrade(&gate));
    gate
}

/// The gate of the file `c` writes to, if a `Db` of this process has it open.
pub(crate) fn gate_of(c: &Connection) -> Option<Arc<Gate>> {
    let path = c.path().filter(|p| !p.is_empty())?;
    let g = GATES.lock().unwrap_or_else(|p| p.into_inner());
    g.as_ref()?.get(path).and_then(Weak::upgrade)
}
