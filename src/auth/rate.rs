//! Rate limits (governor, GCRA) keyed by IP address or by a normalised identifier.
use governor::{
    clock::Clock as _, clock::DefaultClock, DefaultDirectRateLimiter, DefaultKeyedRateLimiter,
    Quota,
};
use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use super::login_budget::{BudgetCfg, LoginBudgets};
use crate::config::{Limits as LimitCfg, Sms as SmsCfg};

pub struct Limiters {
    /// Every credential check per IP (wrong or right: each costs an argon2 hash).
    pub login_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Second-factor codes per account (`2fa:<id>`; spent by every check).
    pub login_contract: DefaultKeyedRateLimiter<String>,
    /// Failed logins per login: only failures spend them (see `auth::login_budget`).
    pub login: LoginBudgets,
    /// «Стать абонентом» submissions per IP.
    pub applications_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// SMS login codes per phone number, per IP address and in total per day.
    pub code_phone: DefaultKeyedRateLimiter<String>,
    pub code_ip: DefaultKeyedRateLimiter<IpAddr>,
    pub code_daily: DefaultDirectRateLimiter,
    /// Failed billing-API authentications per IP (see [`Limiters::api_auth_failed`]).
    pub api_auth_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// IPs refused after too many failed API authentications, until the given instant: they
    /// are refused even with a valid token, so guessing cannot go on past the limit.
    api_blocked: std::sync::Mutex<std::collections::HashMap<IpAddr, std::time::Instant>>,
    clock: DefaultClock,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

/// Refused: retry after this long.
#[derive(Debug, Clone, Copy)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// «через 2 мин.» / «через 40 сек.»
    pub fn human(&self) -> String {
        let s = self.0.as_secs().max(1);
        if s >= 60 {
            format!("через {} мин.", s.div_ceil(60))
        } else {
            format!("через {s} сек.")
        }
    }
}

impl Limiters {
    pub fn new(cfg: &LimitCfg, sms: &SmsCfg) -> Limiters {
        let per_phone = Quota::with_period(Duration::from_secs(sms.phone_refill_seconds.max(1)))
            .expect("non-zero period")
            .allow_burst(nz(sms.per_phone_burst));
        let daily = Quota::with_period(Duration::from_secs(86_400) / sms.daily_total.max(1))
            .expect("non-zero period")
            .allow_burst(nz(sms.daily_total));
        let per_contract = Quota::with_period(Duration::from_secs(
            cfg.login_contract_refill_seconds.max(1),
        ))
        .expect("non-zero period")
        .allow_burst(nz(cfg.login_per_contract_burst));
        Limiters {
            login_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nz(
                cfg.login_per_ip_per_minute
            ))),
            login_contract: DefaultKeyedRateLimiter::keyed(per_contract),
            login: LoginBudgets::new(BudgetCfg {
                burst: cfg.login_per_contract_burst,
                refill: Duration::from_secs(cfg.login_contract_refill_seconds.max(1)),
                total_burst: cfg.login_failures_all_ips_burst,
                total_refill: Duration::from_secs(cfg.login_failures_all_ips_refill_seconds.max(1)),
                delay: Duration::from_secs(cfg.login_new_ip_delay_seconds.max(1)),
            }),
            applications_ip: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nz(
                cfg.applications_per_ip_per_hour
            ))),
            code_phone: DefaultKeyedRateLimiter::keyed(per_phone),
            code_ip: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nz(sms.per_ip_per_hour))),
            code_daily: DefaultDirectRateLimiter::direct(daily),
            api_auth_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nz(
                cfg.api_auth_failures_per_minute
            ))),
            api_blocked: Default::default(),
            clock: DefaultClock::default(),
        }
    }

    pub fn check_ip(
        &self,
        limiter: &DefaultKeyedRateLimiter<IpAddr>,
        ip: IpAddr,
    ) -> Result<(), RetryAfter> {
        // IPv6 by /64: one line usually gets a whole /64.
        limiter
            .check_key(&crate::domain::ip::limit_key(ip))
            .map_err(|n| RetryAfter(n.wait_time_from(self.clock.now())))
    }

    pub fn check_key(
        &self,
        limiter: &DefaultKeyedRateLimiter<String>,
        key: &str,
    ) -> Result<(), RetryAfter> {
        limiter
            .check_key(&key.to_owned())
            .map_err(|n| RetryAfter(n.wait_time_from(self.clock.now())))
    }

    /// One unit of the daily SMS budget.
    pub fn check_daily_codes(&self) -> Result<(), RetryAfter> {
        self.code_daily
            .check()
            .map_err(|n| RetryAfter(n.wait_time_from(self.clock.now())))
    }

    /// Whether this IP is refused for now after failed API authentications.
    pub fn api_blocked(&self, ip: IpAddr) -> Option<RetryAfter> {
        let ip = crate::domain::ip::limit_key(ip);
        let now = std::time::Instant::now();
        let m = self.api_blocked.lock().ok()?;
        let until = *m.get(&ip)?;
        (until > now).then(|| RetryAfter(until - now))
    }

    /// Counts a failed API authentication; past the limit the IP is blocked for a while.
    pub fn api_auth_failed(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        let wait = self.check_ip(&self.api_auth_ip, ip);
        if let Err(w) = wait {
            let until = std::time::Instant::now() + w.0.max(Duration::from_secs(1));
            if let Ok(mut m) = self.api_blocked.lock() {
                m.insert(crate::domain::ip::limit_key(ip), until);
            }
        }
        wait
    }

    /// Drops state of keys that are back to full quota (call periodically).
    pub fn housekeeping(&self) {
        self.api_auth_ip.retain_recent();
        self.api_auth_ip.shrink_to_fit();
        if let Ok(mut m) = self.api_blocked.lock() {
            let now = std::time::Instant::now();
            m.retain(|_, until| *until > now);
        }
        self.login_ip.retain_recent();
        self.login_contract.retain_recent();
        self.login.housekeeping();
        self.applications_ip.retain_recent();
        self.applications_ip.shrink_to_fit();
        self.login_ip.shrink_to_fit();
        self.login_contract.shrink_to_fit();
        self.code_phone.retain_recent();
        self.code_ip.retain_recent();
        self.code_phone.shrink_to_fit();
        self.code_ip.shrink_to_fit();
    }
}
