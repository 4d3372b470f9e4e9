//! Read caches that are never stale for the app's own writes, invalidated by what a write
//! touched.
//!
//! Every cached value is stored with a *stamp* ([`stamp`], taken before its read) and the
//! [`Scope`]s it depends on (the account and contract it shows). It is served while no write
//! that touched one of those scopes — nor any unscoped write — has been published after the
//! stamp, and for at most the cache's time-to-live.
//!
//! Writes publish what they touched in two ways:
//! - through the writer (`Db::write`, see `db::writer`): a db function that changes only one
//!   account's or contract's data says so with [`scoped`]; after the batch commits (and before
//!   any caller hears of it) the batch publishes those scopes. A job that changed rows outside
//!   [`scoped`] (counted with SQLite's change counter) publishes "everything".
//! - any other commit through the app's connections (a transaction on a pooled connection, an
//!   admin command, a test's direct write): the WAL hook, which SQLite calls right after each
//!   commit, publishes "everything" — the conservative default.
//!
//! So a subscriber's note, chat message or request leaves everyone else's cached pages valid.
//! Writes by another process (an import run against the file) are not seen by the hook; they
//! show once an entry's short time-to-live (`cache.ttl_ms`) has passed.
use rusqlite::{hooks::Wal, Connection};
use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    hash::Hash,
    os::raw::c_int,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, RwLock, Weak,
    },
    time::{Duration, Instant},
};

/// What a cached value depends on, and what a write touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A contract's own rows: balance, status, services, requests, payments, autopay.
    Contract(i64),
    /// Only a contract's money: its balance, ledger, payments and autopay (what a credited
    /// payment changes). A screen that shows any of them depends on this scope as well as on
    /// [`Scope::Contract`]; the service and request cards do not, so a payment leaves them
    /// cached.
    Money(i64),
    /// An account's rows: its sessions, links, current contract, chat, story views.
    Account(i64),
    /// An account's own notes on its contracts (shown only in «Список договоров»).
    Notes(i64),
}

static COMMITS: AtomicU64 = AtomicU64::new(0);
/// Scopes remembered at most; past it they are forgotten and everything is invalidated once.
const SCOPES_MAX: usize = 65_536;
/// Set by the writer's WAL hook when the log wants a checkpoint (run off the writer thread).
static CHECKPOINT_DUE: AtomicBool = AtomicBool::new(false);
/// Every live [`Fresh`] of the process, for commits on connections not made by `Db::open`
/// (none in the server), which invalidate them all.
static LIVE: Mutex<Vec<Weak<Fresh>>> = Mutex::new(Vec::new());

thread_local! {
    static IS_WRITER: Cell<bool> = const { Cell::new(false) };
    /// Set while a [`quietly`] closure runs: its commits touch nothing a cache shows.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static CLAIMS: RefCell<Claims> = RefCell::new(Claims::default());
    /// The database whose commit is under way on this thread: set by the commit hook (just
    /// before the commit), taken by the WAL hook (just after it).
    static COMMITTING: RefCell<Option<Arc<Fresh>>> = const { RefCell::new(None) };
}

/// Number of write transactions committed through this process's connections.
pub fn commits() -> u64 {
    COMMITS.load(Ordering::Acquire)
}

/// The invalidation state of one database (held by its `Db`, shared with its read caches).
#[derive(Default)]
pub struct Fresh {
    /// Publications so far; a stamp is this number before a read.
    seq: AtomicU64,
    /// The publication of the last unscoped write.
    all_at: AtomicU64,
    /// The publication of the last write per scope.
    scopes: RwLock<HashMap<Scope, u64>>,
    /// Invalidations of everything, and of some scopes, so far (for `/metrics`).
    all_count: AtomicU64,
    scoped_count: AtomicU64,
}

impl Fresh {
    /// A new state, registered for the commits made outside `Db::run`.
    pub fn new() -> Arc<Fresh> {
        let f = Arc::new(Fresh::default());
        let mut live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|w| w.strong_count() > 0);
        live.push(Arc::downgrade(&f));
        f
    }

    /// Take before reading a value to cache; pass to [`ReadCache::put`].
    pub fn stamp(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Every cached value is invalid from now on.
    pub fn invalidate_all(&self) {
        self.all_count.fetch_add(1, Ordering::Relaxed);
        let s = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        self.all_at.fetch_max(s, Ordering::AcqRel);
    }

    /// Values depending on any of `scopes` are invalid from now on.
    pub fn invalidate(&self, scopes: &[Scope]) {
        if scopes.is_empty() {
            return;
        }
        self.scoped_count.fetch_add(1, Ordering::Relaxed);
        let s = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        let mut map = self.scopes.write().unwrap_or_else(|p| p.into_inner());
        if map.len() + scopes.len() > SCOPES_MAX {
            map.clear();
            self.all_at.fetch_max(s, Ordering::AcqRel);
            return;
        }
        for sc in scopes {
            map.insert(*sc, s);
        }
    }

    /// (invalidations of everything, scoped invalidations) so far.
    pub fn invalidations(&self) -> (u64, u64) {
        (
            self.all_count.load(Ordering::Relaxed),
            self.scoped_count.load(Ordering::Relaxed),
        )
    }

    /// Whether a value read after `stamp` and depending on `scopes` is still current.
    pub fn valid(&self, stamp: u64, scopes: &[Scope]) -> bool {
        if self.all_at.load(Ordering::Acquire) > stamp {
            return false;
        }
        let map = self.scopes.read().unwrap_or_else(|p| p.into_inner());
        scopes
            .iter()
            .all(|s| map.get(s).is_none_or(|&at| at <= stamp))
    }
}

/// Ties a connection's commits to `f`, the state of the database it belongs to (`Db::open`
/// does this for every connection it makes), so they invalidate that database's caches only.
pub(crate) fn attach(c: &Connection, f: Arc<Fresh>) {
    c.commit_hook(Some(move || {
        COMMITTING.set(Some(f.clone()));
        false // let the commit go on
    }))
    .ok();
}

/// Runs `f`, whose commits on this thread change only rows no read cache shows (notices, the
/// outbox, job bookkeeping): they invalidate nothing. See `Db::run_quiet`.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            QUIET.set(self.0);
        }
    }
    let _reset = Reset(QUIET.replace(true));
    f()
}

/// Runs `f`, a write confined to `scopes`: when it runs inside the writer's batch, the rows it
/// changes invalidate only the cached values of those scopes (see the module notes).
pub fn scoped<T>(c: &Connection, scopes: &[Scope], f: impl FnOnce() -> T) -> T {
    if !IS_WRITER.get() {
        return f(); // committed by a pooled connection: the WAL hook invalidates everything
    }
    let outer = CLAIMS.with_borrow_mut(|cl| {
        cl.depth += 1;
        cl.depth == 1
    });
    let before = c.total_changes();
    let t = f();
    let changed = c.total_changes() - before;
    CLAIMS.with_borrow_mut(|cl| {
        cl.depth -= 1;
        if outer {
            cl.changes += changed;
            cl.scopes.extend_from_slice(scopes);
        }
    });
    t
}

/// The scoped changes of the job running on this (writer) thread.
#[derive(Default)]
pub(crate) struct Claims {
    depth: u32,
    changes: u64,
    scopes: Vec<Scope>,
}

pub(crate) fn mark_writer_thread() {
    IS_WRITER.set(true);
}

pub(crate) fn claims_reset() {
    CLAIMS.with_borrow_mut(|cl| *cl = Claims::default());
}

pub(crate) fn claims_take() -> Claims {
    CLAIMS.with_borrow_mut(std::mem::take)
}

/// Whether the writer's commits asked for a checkpoint since the last call.
pub(crate) fn checkpoint_due() -> bool {
    CHECKPOINT_DUE.swap(false, Ordering::AcqRel)
}

/// What one batch of the writer touched.
#[derive(Default)]
pub(crate) struct Touched {
    all: bool,
    scopes: Vec<Scope>,
}

impl Touched {
    /// A job that changed `changes` rows, `claims` of them inside [`scoped`].
    pub(crate) fn add_job(&mut self, changes: u64, claims: Claims) {
        if changes == 0 {
            return;
        }
        if claims.changes < changes {
            self.all = true;
        } else {
            self.scopes.extend(claims.scopes);
        }
    }

    pub(crate) fn publish(self, f: &Fresh) {
        if self.all {
            f.invalidate_all();
        } else {
            f.invalidate(&self.scopes);
        }
    }
}

/// WAL frames after which a commit runs a passive checkpoint (SQLite's default auto-checkpoint,
/// which our hook replaces).
const CHECKPOINT_PAGES: c_int = 1000;

/// The WAL hook (installed by `db::configure`).
pub(crate) fn on_commit(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    COMMITS.fetch_add(1, Ordering::AcqRel);
    let writer = IS_WRITER.get();
    let committing = COMMITTING.take();
    if !writer && !QUIET.get() {
        match committing {
            Some(f) => f.invalidate_all(),
            None => {
                let live = LIVE.lock().unwrap_or_else(|p| p.into_inner());
                for f in live.iter().filter_map(Weak::upgrade) {
                    f.invalidate_all();
                }
            }
        }
    }
    if pages >= CHECKPOINT_PAGES {
        if writer {
            // The writer holds the write gate: its checkpoint runs on another thread.
            CHECKPOINT_DUE.store(true, Ordering::Release);
        } else {
            // Like SQLite's default hook: a busy checkpoint is simply retried on a later commit.
            let _ = wal.checkpoint();
        }
    }
    Ok(())
}

/// A bounded map of values read from the database, each valid while no write touching its
/// scopes was published since it was read, and for at most `ttl`. Bounded by a number of
/// entries and, when built [`ReadCache::with_bytes`], by the bytes its values weigh.
pub struct ReadCache<K, V> {
    map: Mutex<Map<K, V>>,
    max: usize,
    max_bytes: usize,
    weigh: fn(&V) -> usize,
    ttl: Duration,
    fresh: Arc<Fresh>,
}

struct Map<K, V> {
    entries: HashMap<K, Entry<V>>,
    bytes: usize,
}

struct Entry<V> {
    stamp: u64,
    scopes: Box<[Scope]>,
    at: Instant,
    bytes: usize,
    value: V,
}

impl<V> Entry<V> {
    fn live(&self, ttl: Duration, f: &Fresh) -> bool {
        self.at.elapsed() < ttl && f.valid(self.stamp, &self.scopes)
    }
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// A cache of at most `max` reads from the database whose state is `fresh` (`Db::fresh`).
    pub fn new(max: usize, ttl: Duration, fresh: Arc<Fresh>) -> Self {
        Self::with_bytes(max, usize::MAX, |_| 0, ttl, fresh)
    }

    /// Like [`ReadCache::new`], also holding at most `max_bytes` as `weigh` counts them.
    pub fn with_bytes(
        max: usize,
        max_bytes: usize,
        weigh: fn(&V) -> usize,
        ttl: Duration,
        fresh: Arc<Fresh>,
    ) -> Self {
        ReadCache {
            map: Mutex::new(Map {
                entries: HashMap::new(),
                bytes: 0,
            }),
            max,
            max_bytes,
            weigh,
            ttl,
            fresh,
        }
    }

    /// Take before reading a value to cache; pass to [`ReadCache::put`].
    pub fn stamp(&self) -> u64 {
        self.fresh.stamp()
    }

    /// The cached value, if nothing it depends on was written since it was read.
    pub fn get(&self, k: &K) -> Option<V> {
        let m = self.map.lock().ok()?;
        let e = m.entries.get(k)?;
        e.live(self.ttl, &self.fresh).then(|| e.value.clone())
    }

    /// Stores a value read after `stamp` was taken with [`ReadCache::stamp`]; it depends on
    /// `scopes`.
    pub fn put(&self, k: K, stamp: u64, scopes: &[Scope], value: V) {
        if !self.fresh.valid(stamp, scopes) {
            return; // already stale
        }
        let bytes = (self.weigh)(&value);
        if bytes > self.max_bytes {
            return;
        }
        let Ok(mut m) = self.map.lock() else {
            return;
        };
        if m.entries.len() >= self.max || m.bytes + bytes > self.max_bytes {
            // Full: the stale entries go, then (if still full) the older half.
            let (ttl, f) = (self.ttl, &self.fresh);
            m.entries.retain(|_, e| e.live(ttl, f));
            if !m.entries.is_empty() && m.entries.len() >= self.max
                || m.entries.values().map(|e| e.bytes).sum::<usize>() + bytes > self.max_bytes
            {
                let mut ages: Vec<Instant> = m.entries.values().map(|e| e.at).collect();
                if !ages.is_empty() {
                    let mid = ages.len() / 2;
                    let (_, median, _) = ages.select_nth_unstable(mid);
                    let median = *median;
                    m.entries.retain(|_, e| e.at > median);
                }
            }
            m.bytes = m.entries.values().map(|e| e.bytes).sum();
        }
        let old = m.entries.insert(
            k,
            Entry {
                stamp,
                scopes: scopes.into(),
                at: Instant::now(),
                bytes,
                value,
            },
        );
        m.bytes = m.bytes + bytes - old.map_or(0, |e| e.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn commits_are_counted_and_the_wal_is_still_checkpointed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let c = Connection::open(&path).unwrap();
        crate::db::configure(&c).unwrap();
        c.pragma_update(None, "synchronous", "OFF").unwrap();
        c.execute("CREATE TABLE t(x BLOB)", []).unwrap();
        let before = commits();
        let _: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        for _ in 0..600 {
            c.execute("INSERT INTO t VALUES (zeroblob(16000))", [])
                .unwrap();
        }
        // Other tests may commit at the same time: at least our 600.
        assert!(commits() >= before + 600);
        // About 10 MB went through the log; the checkpoints keep it near 1000 pages (4 MB).
        let wal = std::fs::metadata(dir.path().join("t.db-wal"))
            .unwrap()
            .len();
        assert!(wal < 6 << 20, "WAL grew to {wal} bytes");
    }

    #[test]
    fn a_value_read_before_a_commit_is_not_served_after_it() {
        let f = Fresh::new();
        let cache: ReadCache<u8, &str> = ReadCache::new(4, Duration::from_secs(60), f.clone());
        let dir = tempfile::tempdir().unwrap();
        let c = Connection::open(dir.path().join("t.db")).unwrap();
        crate::db::configure(&c).unwrap();
        c.execute("CREATE TABLE t(x)", []).unwrap();
        let before = cache.stamp();
        cache.put(1, before, &[], "old");
        attach(&c, f.clone());
        c.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(cache.get(&1), None, "a commit invalidates");
        cache.put(2, before, &[], "read before the commit");
        assert_eq!(cache.get(&2), None, "a stale read is not stored");
    }

    #[test]
    fn a_scoped_write_invalidates_only_its_scope() {
        let f = Fresh::new();
        let cache: ReadCache<u8, &str> = ReadCache::new(8, Duration::from_secs(60), f.clone());
        let (a, b) = (Scope::Contract(1), Scope::Contract(2));
        let s = cache.stamp();
        cache.put(1, s, &[Scope::Account(1), a], "a");
        cache.put(2, s, &[Scope::Account(2), b], "b");
        f.invalidate(&[a]);
        assert_eq!(cache.get(&1), None);
        assert_eq!(cache.get(&2), Some("b"));
        f.invalidate_all();
        assert_eq!(cache.get(&2), None);
    }
}
