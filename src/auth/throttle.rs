//! Throttles of unauthenticated endpoints that write log lines or cost a lookup: CSP reports
//! and payment notifications naming payments we do not know.
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use std::{net::IpAddr, num::NonZeroU32};

use crate::domain::ip::limit_key;

/// CSP reports logged per client IP per minute …
pub const CSP_PER_IP_PER_MINUTE: u32 = 10;
/// … and for the whole site per minute (the rest are counted, not logged).
pub const CSP_PER_MINUTE: u32 = 120;
/// Notifications naming an unknown payment, per client IP per minute (past it: 429, nothing
/// looked up).
pub const UNKNOWN_NOTIFY_PER_IP_PER_MINUTE: u32 = 10;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

pub struct Throttles {
    csp_ip: DefaultKeyedRateLimiter<IpAddr>,
    csp_all: DefaultDirectRateLimiter,
    notify_unknown_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for Throttles {
    fn default() -> Self {
        Throttles {
            csp_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nz(CSP_PER_IP_PER_MINUTE))),
            csp_all: DefaultDirectRateLimiter::direct(Quota::per_minute(nz(CSP_PER_MINUTE))),
            notify_unknown_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nz(
                UNKNOWN_NOTIFY_PER_IP_PER_MINUTE,
            ))),
        }
    }
}

impl Throttles {
    /// May this CSP report be logged?
    pub fn csp(&self, ip: IpAddr) -> bool {
        self.csp_ip.check_key(&limit_key(ip)).is_ok() && self.csp_all.check().is_ok()
    }

    /// Counts a notification for an unknown payment; false past the limit.
    pub fn unknown_notification(&self, ip: IpAddr) -> bool {
        self.notify_unknown_ip.check_key(&limit_key(ip)).is_ok()
    }

    pub fn housekeeping(&self) {
        self.csp_ip.retain_recent();
        self.csp_ip.shrink_to_fit();
        self.notify_unknown_ip.retain_recent();
        self.notify_unknown_ip.shrink_to_fit();
    }
}
