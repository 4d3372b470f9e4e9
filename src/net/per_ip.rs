//! The cap on open connections per client address (IPv6 by /64): one client that reconnects
//! in a loop cannot hold the listener at its global cap (issue 24, item 10). Reverse proxies
//! (`security.trusted_proxies`) are not capped: each of their connections carries many clients.
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// Which peers are not held to `max_connections_per_ip`.
#[derive(Debug, Clone, Default)]
pub enum PerIpExempt {
    /// Every peer is capped (no proxy in front).
    #[default]
    None,
    /// These proxies are not.
    Proxies(Vec<crate::domain::ip::Cidr>),
    /// No peer is: every peer is a proxy (`trust_proxy_headers` without `trusted_proxies`).
    All,
}

impl PerIpExempt {
    pub(super) fn covers(&self, ip: IpAddr) -> bool {
        match self {
            PerIpExempt::None => false,
            PerIpExempt::Proxies(list) => list.iter().any(|c| c.contains(ip)),
            PerIpExempt::All => true,
        }
    }
}

/// Open connections per client address.
pub(super) struct PerIp {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection's place under its address's cap; released on drop.
pub(super) struct IpSlot {
    ip: IpAddr,
    per_ip: Arc<PerIp>,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.per_ip.open.lock() {
            if let Some(n) = m.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.ip);
                }
            }
        }
    }
}

impl PerIp {
    /// At most `max` connections per address.
    pub(super) fn new(max: usize) -> Arc<PerIp> {
        Arc::new(PerIp {
            max: max.max(1),
            open: Default::default(),
        })
    }

    /// A place for one more connection from `peer`, or None at its cap.
    pub(super) fn take(self: &Arc<Self>, peer: IpAddr) -> Option<IpSlot> {
        let ip = crate::domain::ip::limit_key(peer);
        let mut m = self.open.lock().ok()?;
        let n = m.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            ip,
            per_ip: self.clone(),
        })
    }
}

/// What a connection over its address's cap gets before it is closed.
pub(super) const PER_IP_REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
