//! `[server]`: connection and body limits (see `net::server` and `web::limits`).
use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// A request's headers must arrive within this many seconds of the connection becoming
    /// ready for one (HTTP/1 keep-alive connections idle this long are closed too).
    pub header_read_timeout_secs: u64,
    /// A request body must arrive within this many seconds (413/408 otherwise).
    pub body_read_timeout_secs: u64,
    /// A connection without traffic and without a request in progress closes after this long.
    pub idle_timeout_secs: u64,
    /// Open connections at most (lowered at start to fit the open-file limit).
    pub max_connections: usize,
    /// Open connections from one client address (IPv6 by /64) at most; at most half of
    /// `max_connections` is used. Not applied to `security.trusted_proxies` (and off when
    /// `trust_proxy_headers` is on without that list: then every peer is a proxy).
    pub max_connections_per_ip: usize,
    /// Largest form or other page request body, KiB (uploads have `uploads.max_mb`).
    pub max_form_kb: usize,
    /// Largest billing-API (JSON) request body, KiB.
    pub max_api_kb: usize,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            header_read_timeout_secs: 15,
            body_read_timeout_secs: 60,
            idle_timeout_secs: 60,
            max_connections: 10_000,
            max_connections_per_ip: 256,
            max_form_kb: 256,
            max_api_kb: 1024,
        }
    }
}

impl Server {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.header_read_timeout_secs == 0
            || self.body_read_timeout_secs == 0
            || self.idle_timeout_secs == 0
            || self.max_connections < 16
            || self.max_connections_per_ip == 0
            || self.max_form_kb == 0
            || self.max_api_kb == 0
        {
            return Err(ConfigError::Invalid(
                "server: timeouts and body limits must be positive, max_connections at least 16, max_connections_per_ip at least 1"
                    .into(),
            ));
        }
        Ok(())
    }
}
