//! Budgets for costly actions, the rules: which budget an action spends and under which keys
//! (the person and the contract; the system spends none), and the disk budget of a stored
//! document. The counters are `auth::budget`'s (kept on the app state).
use std::path::Path;

pub use crate::auth::budget::{human_wait, Budget, Budgets, Limits, Refused};
use crate::{db::Conn, error::AppError};

/// The keys an action spends: the person who asks (`account:7`, `staff:3`, `api:2`; none for
/// the system) and the contract it is for.
pub fn keys(person: Option<(&str, i64)>, contract_id: i64) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some((kind, id)) = person {
        keys.push(format!("{kind}:{id}"));
    }
    keys.push(format!("contract:{contract_id}"));
    keys
}

/// Shown when a document is refused for lack of disk space.
pub const LOW_DISK_MESSAGE: &str =
    "Документ не сохранён: на сервере мало свободного места. Попробуйте позже";

/// Free bytes for unprivileged writers on the file system of `dir` (`None`: unknown).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path; `st` is a valid out-pointer for statvfs.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

/// Refuses (503, [`LOW_DISK_MESSAGE`]) when the folder of the database `c` writes to has less
/// than `min_mb` MiB free. Call before anything of the new document is written. An in-memory
/// database or an unknown answer passes.
pub fn ensure_free_disk(c: &Conn, min_mb: u64) -> Result<(), AppError> {
    if min_mb == 0 {
        return Ok(());
    }
    let Some(file) = c.path().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let dir = Path::new(file).parent().unwrap_or(Path::new("."));
    match free_bytes(dir) {
        Some(free) if free < min_mb.saturating_mul(1024 * 1024) => {
            tracing::error!(
                free_mb = free / (1024 * 1024),
                min_mb,
                "free disk below documents.min_free_disk_mb: new documents are refused"
            );
            Err(AppError::LowDisk(LOW_DISK_MESSAGE.into()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_disk_is_known_here_and_an_absurd_threshold_refuses() {
        let dir = std::env::temp_dir();
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(free_bytes(&dir).is_some_and(|b| b > 0));
        }
        let f = dir.join(format!("kabinet-budget-{}.db", std::process::id()));
        let c = Conn::open(&f).unwrap();
        assert!(ensure_free_disk(&c, 1).is_ok());
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(matches!(
                ensure_free_disk(&c, u64::MAX / (1 << 21)),
                Err(AppError::LowDisk(_))
            ));
        }
        drop(c);
        let _ = std::fs::remove_file(f);
    }
}
