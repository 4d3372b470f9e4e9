//! Budgets for costly actions: how often one person, one contract and the whole site may ask
//! for work that costs CPU, disk or money (today: issuing PDF documents). One [`Budget`] per
//! kind of action, kept in [`Budgets`] on the app state; an action spends one unit of each of
//! its keys (`account:7`, `contract:12`, …) and of the site's ceiling, or is refused with a
//! clear Russian message and how long to wait.
//!
//! Built like the login limits in `auth::rate` (governor, GCRA): "10 a minute" allows a burst
//! of 10 that refills one unit every 6 s; "100 a day" a burst of 100 refilled one unit every
//! 14.4 min. The budgets live in memory: a restart (an operator's act) refills them.
//!
//! The same module checks the other budget of a stored document: free disk space under the
//! database ([`ensure_free_disk`]).
use governor::{
    clock::Clock as _, clock::DefaultClock, DefaultDirectRateLimiter, DefaultKeyedRateLimiter,
    Quota,
};
use std::{num::NonZeroU32, path::Path, time::Duration};

use crate::{config::Config, error::AppError};

/// The limits of one budget.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per key (a person, a contract) and minute.
    pub per_minute: u32,
    /// Per key and day.
    pub per_day: u32,
    /// All keys together, per minute.
    pub site_per_minute: u32,
}

/// What a refused action is told: the message (Russian, shown as is) and when to retry.
#[derive(Debug, Clone)]
pub struct Refused {
    pub message: String,
    pub retry_after: Duration,
}

impl From<Refused> for AppError {
    fn from(r: Refused) -> AppError {
        AppError::TooMany(r.message)
    }
}

/// One kind of costly action's budget.
pub struct Budget {
    /// «документов», for the messages.
    what: &'static str,
    limits: Limits,
    minute: DefaultKeyedRateLimiter<String>,
    day: DefaultKeyedRateLimiter<String>,
    site: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

/// «через 40 сек.», «через 3 мин.», «через 2 ч.»
pub fn human_wait(d: Duration) -> String {
    let s = d.as_secs().max(1);
    if s >= 3600 {
        format!("через {} ч.", s.div_ceil(3600))
    } else if s >= 60 {
        format!("через {} мин.", s.div_ceil(60))
    } else {
        format!("через {s} сек.")
    }
}

impl Budget {
    pub fn new(what: &'static str, limits: Limits) -> Budget {
        let day = Quota::with_period(Duration::from_secs(86_400) / limits.per_day.max(1))
            .expect("non-zero period")
            .allow_burst(nz(limits.per_day));
        Budget {
            what,
            limits,
            minute: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nz(limits.per_minute))),
            day: DefaultKeyedRateLimiter::keyed(day),
            site: DefaultDirectRateLimiter::direct(Quota::per_minute(nz(limits.site_per_minute))),
            clock: DefaultClock::default(),
        }
    }

    /// Spends one unit for each key and one of the site's, or refuses. Short windows are
    /// checked first, so a refusal by the minute's limit does not eat into the day's.
    pub fn spend(&self, keys: &[String]) -> Result<(), Refused> {
        let now = self.clock.now();
        for k in keys {
            if let Err(n) = self.minute.check_key(k) {
                let wait = n.wait_time_from(now);
                return Err(Refused {
                    message: format!(
                        "Слишком много {} подряд: не больше {} в минуту. Попробуйте {}",
                        self.what,
                        self.limits.per_minute,
                        human_wait(wait)
                    ),
                    retry_after: wait,
                });
            }
        }
        for k in keys {
            if let Err(n) = self.day.check_key(k) {
                let wait = n.wait_time_from(now);
                let whose = if k.starts_with("contract:") {
                    "по договору"
                } else {
                    "на пользователя"
                };
                return Err(Refused {
                    message: format!(
                        "Исчерпан дневной лимит {}: не больше {} в сутки {whose}. Попробуйте {}",
                        self.what,
                        self.limits.per_day,
                        human_wait(wait)
                    ),
                    retry_after: wait,
                });
            }
        }
        if let Err(n) = self.site.check() {
            let wait = n.wait_time_from(now);
            tracing::warn!(what = self.what, "site-wide budget exhausted");
            return Err(Refused {
                message: format!(
                    "Сервер сейчас перегружен формированием {}. Попробуйте {}",
                    self.what,
                    human_wait(wait)
                ),
                retry_after: wait,
            });
        }
        Ok(())
    }

    /// Forgets keys that are back to a full budget.
    pub fn housekeeping(&self) {
        self.minute.retain_recent();
        self.minute.shrink_to_fit();
        self.day.retain_recent();
        self.day.shrink_to_fit();
    }
}

/// Every budget of the app.
pub struct Budgets {
    /// Issuing PDF documents (invoices, «Акт сверки») on request.
    pub documents: Budget,
}

impl Budgets {
    pub fn new(cfg: &Config) -> Budgets {
        let d = &cfg.documents;
        Budgets {
            documents: Budget::new(
                "документов",
                Limits {
                    per_minute: d.issue_per_minute,
                    per_day: d.issue_per_day,
                    site_per_minute: d.issue_site_per_minute,
                },
            ),
        }
    }

    pub fn housekeeping(&self) {
        self.documents.housekeeping();
    }
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
pub fn ensure_free_disk(c: &rusqlite::Connection, min_mb: u64) -> Result<(), AppError> {
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

    fn keys() -> Vec<String> {
        vec!["account:1".into(), "contract:1".into()]
    }

    #[test]
    fn a_key_gets_its_minute_and_then_a_clear_refusal() {
        let b = Budget::new(
            "документов",
            Limits {
                per_minute: 3,
                per_day: 100,
                site_per_minute: 100,
            },
        );
        for _ in 0..3 {
            b.spend(&keys()).unwrap();
        }
        let r = b.spend(&keys()).unwrap_err();
        assert!(r.message.contains("не больше 3 в минуту"), "{}", r.message);
        assert!(r.retry_after > Duration::ZERO);
        // another contract of another person is not affected
        b.spend(&["account:2".into(), "contract:2".into()]).unwrap();
    }

    #[test]
    fn the_day_and_the_site_have_their_own_ceilings() {
        let b = Budget::new(
            "документов",
            Limits {
                per_minute: 100,
                per_day: 2,
                site_per_minute: 3,
            },
        );
        b.spend(&keys()).unwrap();
        b.spend(&keys()).unwrap();
        let r = b.spend(&keys()).unwrap_err();
        assert!(r.message.contains("не больше 2 в сутки"), "{}", r.message);
        b.spend(&["contract:9".into()]).unwrap();
        let r = b.spend(&["contract:10".into()]).unwrap_err();
        assert!(
            r.message.contains("Сервер сейчас перегружен"),
            "{}",
            r.message
        );
    }

    #[test]
    fn free_disk_is_known_here_and_an_absurd_threshold_refuses() {
        let dir = std::env::temp_dir();
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(free_bytes(&dir).is_some_and(|b| b > 0));
        }
        let f = dir.join(format!("kabinet-budget-{}.db", std::process::id()));
        let c = rusqlite::Connection::open(&f).unwrap();
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
