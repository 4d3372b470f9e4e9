//! Rate limits (governor, GCRA) keyed by IP address or by a normalised identifier.
use governor::{
    clock::Clock as _, clock::DefaultClock, DefaultDirectRateLimiter, DefaultKeyedRateLimiter,
    Quota,
};
use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use crate::config::{Limits as LimitCfg, Sms as SmsCfg};

pub struct Limiters {
    pub login_ip: DefaultKeyedRateLimiter<IpAddr>,
    pub login_contract: DefaultKeyedRateLimiter<String>,
    /// «Стать абонентом» submissions per IP.
    pub applications_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// SMS login codes per phone number, per IP address and in total per day.
    pub code_phone: DefaultKeyedRateLimiter<String>,
    pub code_ip: DefaultKeyedRateLimiter<IpAddr>,
    pub code_daily: DefaultDirectRateLimiter,
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
            applications_ip: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nz(
                cfg.applications_per_ip_per_hour
            ))),
            code_phone: DefaultKeyedRateLimiter::keyed(per_phone),
            code_ip: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nz(sms.per_ip_per_hour))),
            code_daily: DefaultDirectRateLimiter::direct(daily),
            clock: DefaultClock::default(),
        }
    }

    pub fn check_ip(
        &self,
        limiter: &DefaultKeyedRateLimiter<IpAddr>,
        ip: IpAddr,
    ) -> Result<(), RetryAfter> {
        limiter
            .check_key(&ip)
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

    /// Drops state of keys that are back to full quota (call periodically).
    pub fn housekeeping(&self) {
        self.login_ip.retain_recent();
        self.login_contract.retain_recent();
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
