//! What the payment flow shares between requests: the provider and the express-payment limits.
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};
use std::{net::IpAddr, num::NonZeroU32, sync::Arc};

use super::PaymentProvider;
use crate::{config::Config, db};

/// Payment-related shared state.
pub struct Money {
    pub provider: Arc<dyn PaymentProvider>,
    pub express_ip: DefaultKeyedRateLimiter<IpAddr>,
    pub express_global: DefaultDirectRateLimiter,
    /// Express payment starts per IP (issue 24, item 7).
    pub express_pay_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

impl Money {
    pub fn new(cfg: &Config, db: &db::Db, client: &crate::services::outbound::Outbound) -> Money {
        Money {
            provider: super::build(cfg, db, client),
            express_ip: DefaultKeyedRateLimiter::keyed(Quota::per_minute(nz(cfg
                .payments
                .express_per_ip_per_minute))),
            express_global: DefaultDirectRateLimiter::direct(Quota::per_minute(nz(cfg
                .payments
                .express_global_per_minute))),
            express_pay_ip: DefaultKeyedRateLimiter::keyed(Quota::per_hour(nz(cfg
                .payments
                .express_payments_per_ip_per_hour))),
        }
    }
}
