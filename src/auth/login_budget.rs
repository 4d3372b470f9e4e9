//! Login budgets that only failures spend (issue 24, item 9).
//!
//! governor's GCRA spends a cell on every check, so a correct password used the budget up as
//! much as a wrong one: six people of one office logging in to the shared contract login from
//! six new browsers within a minute locked the sixth out. Here a login attempt first *looks*
//! at its budgets ([`LoginBudgets::admit`]) and only a wrong secret spends one
//! ([`LoginBudgets::failed`]).
//!
//! The policy, per login (contract number, `staff:<login>`):
//! - a browser with a device cookie for this login (it logged in here before) has its own
//!   budget and nothing else applies to it;
//! - any other browser spends the budget of its IP address (IPv6 by /64) on this login: a
//!   stranger guessing from one address locks out only that address;
//! - failures from all addresses together also spend the login's *total* budget. When it is
//!   spent (guessing from many addresses), an address with no failures of its own on this login
//!   still gets in, after a short wait: its first attempt is answered «try again in N s» and
//!   the next one after that wait is checked. An address that failed on this login is refused
//!   until its own budget is whole again. So a botnet gets one guess per address per refill,
//!   while the owner in a new browser waits `delay` seconds.
//!
//! A budget that is spent refuses a correct password too: otherwise the answer would tell a
//! guesser which password was right.
use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::rate::RetryAfter;
use crate::domain::ip::limit_key;

/// Entries a budget keeps at most; when full, entries back to a whole budget are dropped first,
/// then the ones closest to whole.
const MAX_KEYS: usize = 200_000;

/// A keyed GCRA budget (burst `burst`, one cell back every `period`) that can be looked at
/// without being spent.
pub struct FailureBudget<K> {
    period: Duration,
    /// How far the theoretical arrival time may run ahead of now: `period × (burst − 1)`.
    tolerance: Duration,
    tat: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> FailureBudget<K> {
    pub fn new(burst: u32, period: Duration) -> FailureBudget<K> {
        let period = period.max(Duration::from_millis(1));
        FailureBudget {
            period,
            tolerance: period * burst.max(1).saturating_sub(1),
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// Ok when one more failure would fit; otherwise how long until it does.
    pub fn peek(&self, key: &K, now: Instant) -> Result<(), RetryAfter> {
        let Some(tat) = self.tat.lock().ok().and_then(|m| m.get(key).copied()) else {
            return Ok(());
        };
        let allowed_at = tat.checked_sub(self.tolerance).unwrap_or(now);
        if allowed_at <= now {
            Ok(())
        } else {
            Err(RetryAfter(allowed_at - now))
        }
    }

    /// Whether `key` has no failure outstanding (its budget is whole).
    pub fn is_whole(&self, key: &K, now: Instant) -> bool {
        self.tat
            .lock()
            .ok()
            .and_then(|m| m.get(key).copied())
            .is_none_or(|tat| tat <= now)
    }

    /// Spends one cell (a failure). Concurrent failures that all passed [`Self::peek`] may run
    /// past the burst by a little; the wait is capped at one more `period`.
    pub fn spend(&self, key: &K, now: Instant) {
        let Ok(mut m) = self.tat.lock() else { return };
        if m.len() >= MAX_KEYS && !m.contains_key(key) {
            m.retain(|_, tat| *tat > now);
            if m.len() >= MAX_KEYS {
                // Still full: drop the half closest to a whole budget.
                let mut all: Vec<Instant> = m.values().copied().collect();
                all.sort_unstable();
                let cut = all[all.len() / 2];
                m.retain(|_, tat| *tat > cut);
            }
        }
        let cap = now + self.tolerance + self.period;
        let tat = m.entry(key.clone()).or_insert(now);
        *tat = ((*tat).max(now) + self.period).min(cap);
    }

    /// Drops the keys whose budget is whole again.
    pub fn housekeeping(&self, now: Instant) {
        if let Ok(mut m) = self.tat.lock() {
            m.retain(|_, tat| *tat > now);
            m.shrink_to_fit();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.tat.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// How long a ticket of a clean address stays usable after its wait.
const TICKET_TTL: Duration = Duration::from_secs(300);

/// The budgets of [`crate::app::credentials::check`] for one kind of login.
pub struct LoginBudgets {
    device: FailureBudget<(String, String)>,
    from_ip: FailureBudget<(String, IpAddr)>,
    total: FailureBudget<String>,
    delay: Duration,
    /// (login, address) → when that clean address may try while the login's total is spent.
    tickets: Mutex<HashMap<(String, IpAddr), Instant>>,
}

/// The numbers of a [`LoginBudgets`].
#[derive(Debug, Clone, Copy)]
pub struct BudgetCfg {
    /// Failures of one address (or one known browser) on one login in a burst …
    pub burst: u32,
    /// … and one more after this long.
    pub refill: Duration,
    /// Failures from all addresses on one login in a burst …
    pub total_burst: u32,
    /// … and one more after this long.
    pub total_refill: Duration,
    /// The wait of an address without failures while the total is spent.
    pub delay: Duration,
}

impl LoginBudgets {
    pub fn new(c: BudgetCfg) -> LoginBudgets {
        LoginBudgets {
            device: FailureBudget::new(c.burst, c.refill),
            from_ip: FailureBudget::new(c.burst, c.refill),
            total: FailureBudget::new(c.total_burst, c.total_refill),
            delay: c.delay,
            tickets: Mutex::new(HashMap::new()),
        }
    }

    /// May this attempt on `login` be checked? Spends nothing.
    pub fn admit(&self, login: &str, ip: IpAddr, device: Option<&str>) -> Result<(), RetryAfter> {
        let now = Instant::now();
        if let Some(nonce) = device {
            return self.device.peek(&(login.to_owned(), nonce.to_owned()), now);
        }
        let key = (login.to_owned(), limit_key(ip));
        self.from_ip.peek(&key, now)?;
        let Err(total_wait) = self.total.peek(&login.to_owned(), now) else {
            return Ok(());
        };
        // Guessing from many addresses: only an address without failures of its own, after
        // a wait.
        if !self.from_ip.is_whole(&key, now) {
            return Err(total_wait);
        }
        let Ok(mut t) = self.tickets.lock() else {
            return Err(total_wait);
        };
        match t.get(&key).copied() {
            Some(ready) if ready > now => Err(RetryAfter(ready - now)),
            Some(ready) if now < ready + TICKET_TTL => {
                t.remove(&key);
                Ok(())
            }
            _ => {
                if t.len() >= MAX_KEYS {
                    t.retain(|_, ready| now < *ready + TICKET_TTL);
                    if t.len() >= MAX_KEYS {
                        return Err(total_wait);
                    }
                }
                t.insert(key, now + self.delay);
                Err(RetryAfter(self.delay))
            }
        }
    }

    /// A wrong secret: spends the budgets [`Self::admit`] looked at.
    pub fn failed(&self, login: &str, ip: IpAddr, device: Option<&str>) {
        let now = Instant::now();
        if let Some(nonce) = device {
            self.device
                .spend(&(login.to_owned(), nonce.to_owned()), now);
            return;
        }
        self.from_ip.spend(&(login.to_owned(), limit_key(ip)), now);
        self.total.spend(&login.to_owned(), now);
    }

    pub fn housekeeping(&self) {
        let now = Instant::now();
        self.device.housekeeping(now);
        self.from_ip.housekeeping(now);
        self.total.housekeeping(now);
        if let Ok(mut t) = self.tickets.lock() {
            t.retain(|_, ready| now < *ready + TICKET_TTL);
            t.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeking_spends_nothing_and_failures_refill() {
        let b = FailureBudget::<&str>::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(b.peek(&"k", t0).is_ok());
        }
        for _ in 0..3 {
            assert!(b.peek(&"k", t0).is_ok());
            b.spend(&"k", t0);
        }
        let wait = b.peek(&"k", t0).unwrap_err().0;
        assert_eq!(wait, Duration::from_secs(10));
        assert!(b.peek(&"k", t0 + Duration::from_secs(10)).is_ok());
        assert!(!b.is_whole(&"k", t0 + Duration::from_secs(29)));
        assert!(b.is_whole(&"k", t0 + Duration::from_secs(30)));
        b.housekeeping(t0 + Duration::from_secs(30));
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn concurrent_failures_cap_the_wait() {
        let b = FailureBudget::<&str>::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..50 {
            b.spend(&"k", t0);
        }
        // (at most one period, however many ran past the burst)
        assert_eq!(b.peek(&"k", t0).unwrap_err().0, Duration::from_secs(10));
    }
}
