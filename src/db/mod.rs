//! SQLite storage: one file, an r2d2 pool, every call on the blocking pool.
pub mod account_links;
pub mod accounts;
pub mod activity;
pub mod api_tokens;
pub mod applications;
pub mod audit;
pub mod autopay;
pub mod backoffice;
pub mod billing;
pub mod billing_export;
pub mod chat;
pub mod check;
pub mod company;
pub mod contracts;
pub mod demo;
mod demo_requests;
mod demo_services;
pub mod documents;
pub mod express;
pub mod fresh;
pub mod health;
pub mod invitations;
pub mod ledger;
pub mod lifecycle;
pub mod migrate;
pub mod notify;
pub mod ops;
pub mod outbox;
pub mod passkeys;
pub mod payments;
pub mod phone_login;
pub mod referral;
pub mod requests;
pub mod sandbox;
pub mod second_factor;
pub mod services;
pub mod sessions;
pub mod staff;
pub mod staff_contracts;
pub mod states;
pub mod stories;
pub mod stories_admin;
pub mod writer;

use crate::error::AppError;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;

pub type Pool = r2d2::Pool<SqliteConnectionManager>;
/// A connection, as the use cases see it (they never name rusqlite).
pub type Conn = Connection;
/// Query results and errors, as the layers above see them.
pub type SqlResult<T> = rusqlite::Result<T>;
pub type SqlError = rusqlite::Error;

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    health: std::sync::Arc<health::Health>,
    /// The one writer connection and its queue (see [`writer`]).
    writer: std::sync::Arc<writer::Writer>,
    /// Keeps this file's write gate registered while the `Db` lives.
    _gate: std::sync::Arc<writer::Gate>,
    /// What the read caches over this database check (see [`fresh`]).
    fresh: std::sync::Arc<fresh::Fresh>,
}

/// What opening the database found.
#[derive(Debug, Clone, Copy)]
pub struct Opened {
    /// The file had no schema yet (the baseline was just applied).
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} was written by a newer kabinet (schema version {found}, this binary knows up to {known}); \
         upgrade kabinet or restore a backup"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database writer thread: {0}")]
    Writer(std::io::Error),
}

/// PRAGMAs every connection gets.
pub fn configure(c: &Connection) -> rusqlite::Result<()> {
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    c.set_prepared_statement_cache_capacity(64);
    // Counts commits for the read caches; also runs SQLite's usual auto-checkpoint.
    c.wal_hook(Some(fresh::on_commit));
    Ok(())
}

impl Db {
    /// Opens (creating if needed) and migrates the database, then builds the pool.
    pub fn open(path: &Path) -> Result<(Db, Opened), OpenError> {
        let p = path.display().to_string();
        let sq = |source| OpenError::Sqlite {
            path: p.clone(),
            source,
        };
        // Attached before the migrations: their commits then invalidate only this database's
        // (still empty) caches, not every `Fresh` of the process (another app in a test).
        let fresh = fresh::Fresh::new();
        let (opened, writer_conn) = {
            let mut c = Connection::open(path).map_err(sq)?;
            configure(&c).map_err(sq)?;
            fresh::attach(&c, fresh.clone());
            let opened = migrate::run(&mut c).map_err(|e| match e {
                migrate::MigrateError::TooNew { found, known } => OpenError::TooNew {
                    path: p.clone(),
                    found,
                    known,
                },
                migrate::MigrateError::Sqlite(e) => sq(e),
            })?;
            (opened, c)
        };
        // The migrating connection becomes the writer's.
        let gate = writer::gate_for_path(writer_conn.path().unwrap_or_default());
        let f = fresh.clone();
        let manager = SqliteConnectionManager::file(path).with_init(move |c| {
            configure(c)?;
            // 512 KiB of page cache per reader (SQLite's default is 2 MiB): in WAL mode a
            // reader's cache is dropped whenever another connection committed, so under
            // writes a larger one only costs memory (`Db::read` keeps one screen's reads in
            // one transaction, so its pages are read once).
            c.pragma_update(None, "cache_size", -512)?;
            fresh::attach(c, f.clone());
            Ok(())
        });
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .min_idle(Some(2))
            // a local file cannot go stale like a network connection
            .test_on_check_out(false)
            .build(manager)?;
        let w = writer::Writer::start(writer_conn, gate.clone(), pool.clone(), fresh.clone())
            .map_err(OpenError::Writer)?;
        Ok((
            Db {
                pool,
                health: Default::default(),
                writer: std::sync::Arc::new(w),
                _gate: gate,
                fresh,
            },
            opened,
        ))
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        match tokio::task::spawn_blocking(move || {
            let mut c = pool.get()?;
            f(&mut c)
        })
        .await
        {
            Ok(r) => {
                if let Err(e) = &r {
                    self.health.note(e);
                }
                r
            }
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(AppError::Internal(format!("blocking task: {e}"))),
        }
    }

    /// Runs the reads of `f` in one read transaction on a pooled connection: one snapshot for
    /// the whole screen, and one look at the log instead of one per statement (a connection
    /// drops its page cache whenever a commit happened since its last read transaction, so
    /// under writes each autocommit statement started from an empty cache). `f` gets a shared
    /// connection: it cannot start a transaction of its own.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        self.run(move |c| {
            c.prepare_cached("BEGIN")?.execute([])?;
            let r = f(c);
            // A read transaction ends the same way either way.
            let end = c.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
            if end.is_err() && !c.is_autocommit() {
                let _ = c.execute_batch("ROLLBACK");
            }
            let t = r?;
            end?;
            Ok(t)
        })
        .await
    }

    /// Like [`Db::run`], for work whose writes change only rows that no read cache shows
    /// (notices and their delivery, the outbox, job bookkeeping): its commits leave every
    /// cached page valid (see [`fresh`]). Anything a subscriber's page shows must not be
    /// written here.
    pub async fn run_quiet<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, AppError> + Send + 'static,
    {
        self.run(move |c| fresh::quietly(|| f(c))).await
    }

    /// Like [`Db::run`], for a transaction that changes only what `scopes` cover (e.g. a new
    /// payment of one contract): after its commit only the cached reads depending on those
    /// scopes are invalid, not every one (see [`fresh`]).
    pub async fn run_scoped<T, F>(&self, scopes: Vec<fresh::Scope>, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, AppError> + Send + 'static,
    {
        let r = self.run_quiet(f).await;
        // After the commit, before the caller hears of it (also after an error: harmless).
        self.fresh.invalidate(&scopes);
        r
    }

    /// How many writes other processes recorded with [`note_external_write`] (the counter a
    /// running server watches, see `spawn_cache_watch`).
    pub async fn external_writes(&self) -> Result<Option<String>, AppError> {
        self.run(|c| Ok(setting(c, EXTERNAL_WRITES)?)).await
    }

    /// Runs `f` inside the writer's transaction (see [`writer`]): queued behind the writes
    /// already waiting, committed with them in one transaction under its own savepoint (an
    /// error from `f` rolls back only `f`'s changes), and answered after the commit's fsync.
    /// A full queue answers [`AppError::Busy`] (503) at once. Keep `f` short: it holds every
    /// other write up while it runs (no network, no password hashing).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .submit(Box::new(writer::WriteJob { f, reply }))?;
        let r = match rx.await {
            Ok(writer::Reply::Done(r)) => r,
            Ok(writer::Reply::Panicked(p)) => std::panic::resume_unwind(p),
            Err(_) => Err(AppError::Internal("database writer stopped".into())),
        };
        if let Err(e) = &r {
            self.health.note(e);
        }
        r
    }

    /// The invalidation state the read caches over this database check.
    pub fn fresh(&self) -> std::sync::Arc<fresh::Fresh> {
        self.fresh.clone()
    }

    /// Writes waiting in the writer's queue.
    pub fn writes_queued(&self) -> usize {
        self.writer.queued()
    }

    /// Synchronous access for start-up work and admin commands.
    pub fn get(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, AppError> {
        Ok(self.pool.get()?)
    }
}

/// `s` as a LIKE pattern's literal part (use with `ESCAPE '\'`): `%` and `_` match themselves.
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Reads a setting.
pub fn setting(c: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

pub fn set_setting(c: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// The setting another process (`kabinet import`) bumps when it wrote to the file, which a
/// running server watches ([`Db::external_writes`]).
const EXTERNAL_WRITES: &str = "cache.external_writes";

/// Records a write by this process that a server running on the same file must see at once
/// (its read caches cannot see another process's commits): call inside the transaction.
pub fn note_external_write(c: &Connection) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO settings(key, value) VALUES (?1, '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [EXTERNAL_WRITES],
    )?;
    Ok(())
}

/// Runs `f` inside one `BEGIN IMMEDIATE` transaction on a connection the caller holds (after
/// the process's write gate, see [`writer`]).
pub fn in_write<T, E>(
    c: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<rusqlite::Error>,
{
    let tx = begin_write(c)?;
    let t = f(&tx)?;
    tx.commit()?;
    Ok(t)
}

/// An open write transaction (commit it, or drop it to roll back). While it is open it holds
/// the write gate of its file, so it never races the writer's batches in SQLite's busy handler.
pub struct WriteTx<'a> {
    // Dropped in this order: the transaction rolls back (unless committed), then the gate opens.
    tx: rusqlite::Transaction<'a>,
    _gate: Option<writer::Held>,
}

impl WriteTx<'_> {
    pub fn commit(self) -> rusqlite::Result<()> {
        self.tx.commit()
    }

    pub fn rollback(self) -> rusqlite::Result<()> {
        self.tx.rollback()
    }
}

impl<'a> std::ops::Deref for WriteTx<'a> {
    type Target = rusqlite::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Starts a `BEGIN IMMEDIATE` transaction on a connection the caller holds, after taking the
/// write gate of its file (when a `Db` of this process has the file open).
pub fn begin_write(c: &mut Connection) -> rusqlite::Result<WriteTx<'_>> {
    let gate = match writer::gate_of(c) {
        Some(g) => Some(g.enter()?),
        None => None,
    };
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    Ok(WriteTx { tx, _gate: gate })
}
