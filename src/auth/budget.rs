//! The counters behind `app::budget`: how often one person, one contract and the whole site
//! may ask for work that costs CPU, disk or money (today: issuing PDF documents). One
//! [`Budget`] per kind of action, kept in [`Budgets`] on the app state (which may not import
//! `app`, hence here, next to the login limits); which keys an action spends is `app`'s rule.
//! An action spends one unit of each of its keys (`account:7`, `contract:12`, …) and of the
//! site's ceiling, or is refused with a clear Russian message and how long to wait.
//!
//! Built like the login limits in `auth::rate` (governor, GCRA): "10 a minute" allows a burst
//! of 10 that refills one unit every 6 s; "100 a day" a burst of 100 refilled one unit every
//! 14.4 min. The budgets live in memory: a restart (an operator's act) refills them.
use governor::{
    clock::Clock as _, clock::DefaultClock, DefaultDirectRateLimiter, DefaultKeyedRateLimiter,
    Quota,
};
use std::{num::NonZeroU32, time::Duration};

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
}
