//! Admin file operations on the database: backup, restore, the server's lock file, and
//! atomic creation of a new database. Every file is written under a temporary name, fsynced and
//! renamed, so the final name only ever holds a complete file.
use rusqlite::{Connection, OpenFlags};
use std::{
    fs::{self, File},
    path::{Path, PathBuf},
};

use super::check;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OpsError + '_ {
    move |source| OpsError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn sq(path: &Path) -> impl FnOnce(rusqlite::Error) -> OpsError + '_ {
    move |source| OpsError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// `path` with `suffix` appended to its file name (`kabinet.db` → `kabinet.db-suffix`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// An existing, non-empty database file, or a clear refusal.
pub fn existing_source(path: &Path) -> Result<(), OpsError> {
    match fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(OpsError::Refused(format!(
            "database {} does not exist (check --db / KABINET_DB); nothing was written",
            path.display()
        ))),
        Err(e) => Err(io(path)(e)),
        Ok(m) if !m.is_file() => Err(OpsError::Refused(format!(
            "{} is not a file",
            path.display()
        ))),
        Ok(m) if m.len() == 0 => Err(OpsError::Refused(format!(
            "database {} is an empty (0-byte) file, not a kabinet database",
            path.display()
        ))),
        Ok(_) => Ok(()),
    }
}

/// Opens an existing database read-only (never creates it, never migrates it).
pub fn open_read_only(path: &Path) -> Result<Connection, OpsError> {
    existing_source(path)?;
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sq(path))?;
    c.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sq(path))?;
    // A file that is not SQLite at all fails here rather than half-way through.
    c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(sq(path))?;
    Ok(c)
}

fn remove_if_exists(path: &Path) -> Result<(), OpsError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

fn fsync_file(path: &Path) -> Result<(), OpsError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

fn fsync_dir(path: &Path) -> Result<(), OpsError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Directories can be fsynced on Unix; elsewhere this is best effort.
    match File::open(dir).and_then(|f| f.sync_all()) {
        Err(e) if cfg!(unix) => Err(io(dir)(e)),
        _ => Ok(()),
    }
}

/// Removes a temporary file and the journal SQLite may have left beside it.
fn discard_temp(tmp: &Path) {
    let _ = fs::remove_file(tmp);
    let _ = fs::remove_file(sibling(tmp, "-journal"));
}

/// A consistent copy of the database `src` (opened read-only, WAL included) in `dest`: written
/// to `dest.tmp-<pid>`, fsynced, then renamed, so `dest` is either absent or complete.
pub fn backup(src: &Path, dest: &Path) -> Result<(), OpsError> {
    let c = open_read_only(src)?;
    if dest.is_dir() {
        return Err(OpsError::Refused(format!(
            "{} is a directory; name the backup file",
            dest.display()
        )));
    }
    let tmp = sibling(dest, &format!(".tmp-{}", std::process::id()));
    discard_temp(&tmp);
    let tmp_s = tmp
        .to_str()
        .ok_or_else(|| OpsError::Refused(format!("{}: not a UTF-8 path", dest.display())))?;
    let written = c
        .execute("VACUUM INTO ?1", [tmp_s])
        .map_err(sq(src))
        .and_then(|_| fsync_file(&tmp))
        .and_then(|_| fs::rename(&tmp, dest).map_err(io(dest)))
        .and_then(|_| fsync_dir(dest));
    if written.is_err() {
        discard_temp(&tmp);
    }
    written
}

/// Held by a running server for its whole life: `restore` refuses while it is held. The OS
/// releases it when the process ends, however it ends.
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    pub fn path(db: &Path) -> PathBuf {
        sibling(db, ".lock")
    }

    /// Takes the lock without waiting.
    pub fn acquire(db: &Path) -> Result<ServerLock, OpsError> {
        let path = Self::path(db);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(ServerLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(OpsError::Refused(format!(
                "database {} is in use ({} is locked by a running kabinet server or a restore); \
                 stop it first",
                db.display(),
                path.display()
            ))),
            Err(fs::TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }
}

/// Replaces the database `target` with the backup `file`: checks `file` first (integrity,
/// foreign keys, schema version, balances), refuses while a server holds `target`, keeps the
/// replaced database as `<target>.before-restore`, and writes the new one atomically.
pub fn restore(file: &Path, target: &Path) -> Result<check::Report, OpsError> {
    let report = {
        let c = open_read_only(file)?;
        check::run(&c).map_err(sq(file))?
    };
    if !report.ok() {
        return Err(OpsError::Refused(format!(
            "{} failed the check, nothing was restored:\n{}",
            file.display(),
            report.problems.join("\n")
        )));
    }
    let _lock = ServerLock::acquire(target)?;
    if target.exists() {
        let keep = sibling(target, ".before-restore");
        if let Err(e) = backup(target, &keep) {
            tracing::warn!(error = %e, "could not keep a copy of the replaced database");
        }
    }
    let tmp = sibling(target, &format!(".restore-{}", std::process::id()));
    if let Err(e) = backup(file, &tmp) {
        discard_temp(&tmp);
        return Err(e);
    }
    // The replaced database's WAL and shared memory must not be applied to the new file.
    remove_if_exists(&sibling(target, "-wal"))?;
    remove_if_exists(&sibling(target, "-shm"))?;
    fs::rename(&tmp, target).map_err(io(target))?;
    fsync_dir(target)?;
    Ok(report)
}

/// Creates a new database at `path` atomically: `build` runs on a connection to a temporary
/// file (schema, migrations, demo data), which is then closed, fsynced and linked to `path`.
/// A kill at any point leaves `path` absent (the next start creates it again) or complete.
pub fn create_new<E>(
    path: &Path,
    build: impl FnOnce(&mut Connection) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<OpsError>,
{
    let tmp = sibling(path, &format!(".new-{}", std::process::id()));
    discard_temp(&tmp);
    let _ = fs::remove_file(sibling(&tmp, "-wal"));
    let _ = fs::remove_file(sibling(&tmp, "-shm"));
    let result = (|| {
        let mut c = Connection::open(&tmp).map_err(sq(&tmp))?;
        // A file no `Db` has opened yet has no cached reads: its commits invalidate nothing.
        // (Without this, seeding a new database invalidated every cache in the process,
        // e.g. another test's app.)
        super::fresh::quietly(|| build(&mut c))?;
        // Leaving WAL mode checkpoints everything into the file itself, so the one file linked
        // into place is the whole database (the next open turns WAL on again).
        c.pragma_update(None, "journal_mode", "DELETE")
            .map_err(sq(&tmp))?;
        c.close().map_err(|(_, e)| sq(&tmp)(e))?;
        fsync_file(&tmp)?;
        // A hard link never replaces: if another process created `path` meanwhile, we lose.
        match fs::hard_link(&tmp, path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            r => r.map_err(io(path))?,
        }
        fsync_dir(path)?;
        Ok(())
    })();
    discard_temp(&tmp);
    let _ = fs::remove_file(sibling(&tmp, "-wal"));
    let _ = fs::remove_file(sibling(&tmp, "-shm"));
    result
}
