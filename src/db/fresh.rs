//! Read caches that are never stale for the app's own writes.
//!
//! Every pooled connection registers a WAL hook, which SQLite calls right after each commit of
//! a write transaction; the hook bumps a process-wide commit counter. A value read from the
//! database is cached together with the counter as it was *before* the read, and is served only
//! while the counter is unchanged. So once any write has committed (and before its HTTP request
//! has answered), every cached read is invalid; hits happen only between writes. Writes by
//! another process (an import run against the file) are not seen by the hook; they show once
//! an entry's short time-to-live (`cache.ttl_ms`) has passed.
use rusqlite::hooks::Wal;
use std::{
    collections::HashMap,
    hash::Hash,
    os::raw::c_int,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

static COMMITS: AtomicU64 = AtomicU64::new(0);

/// Number of write transactions committed through this process's connections.
pub fn commits() -> u64 {
    COMMITS.load(Ordering::Acquire)
}

/// WAL frames after which a commit runs a passive checkpoint (SQLite's default auto-checkpoint,
/// which our hook replaces).
const CHECKPOINT_PAGES: c_int = 1000;

/// The WAL hook (installed by `db::configure`).
pub(crate) fn on_commit(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    COMMITS.fetch_add(1, Ordering::AcqRel);
    if pages >= CHECKPOINT_PAGES {
        // Like SQLite's default hook: a busy checkpoint is simply retried on a later commit.
        let _ = wal.checkpoint();
    }
    Ok(())
}

/// A bounded map of values read from the database, each valid while no write has committed
/// since it was read and for at most `ttl`.
pub struct ReadCache<K, V> {
    map: Mutex<HashMap<K, Entry<V>>>,
    max: usize,
    ttl: Duration,
}

struct Entry<V> {
    commits: u64,
    at: Instant,
    value: V,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    pub fn new(max: usize, ttl: Duration) -> Self {
        ReadCache {
            map: Mutex::new(HashMap::new()),
            max,
            ttl,
        }
    }

    /// The cached value, if nothing was written since it was read.
    pub fn get(&self, k: &K) -> Option<V> {
        let now = commits();
        let m = self.map.lock().ok()?;
        let e = m.get(k)?;
        (e.commits == now && e.at.elapsed() < self.ttl).then(|| e.value.clone())
    }

    /// Stores a value read after `commits_before` was taken with [`commits`].
    pub fn put(&self, k: K, commits_before: u64, value: V) {
        if commits_before != commits() {
            return; // already stale
        }
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= self.max {
                let now = commits();
                m.retain(|_, e| e.commits == now);
                if m.len() >= self.max {
                    m.clear();
                }
            }
            m.insert(
                k,
                Entry {
                    commits: commits_before,
                    at: Instant::now(),
                    value,
                },
            );
        }
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
        let cache: ReadCache<u8, &str> = ReadCache::new(4, Duration::from_secs(60));
        let dir = tempfile::tempdir().unwrap();
        let c = Connection::open(dir.path().join("t.db")).unwrap();
        crate::db::configure(&c).unwrap();
        c.execute("CREATE TABLE t(x)", []).unwrap();
        let before = commits();
        cache.put(1, before, "old");
        if commits() == before {
            assert_eq!(cache.get(&1), Some("old"));
        }
        c.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(cache.get(&1), None, "a commit invalidates");
        cache.put(2, before, "read before the commit");
        assert_eq!(cache.get(&2), None, "a stale read is not stored");
    }
}
