//! `[outbound]`: the one outbound HTTP client (payment gateway, SMS gateway, Web Push).
use serde::Deserialize;

use super::ConfigError;

/// Every outbound HTTP call goes over `https://` to a public address, resolved by the server
/// at the moment of the call (issue 24). `insecure_hosts` lists the exceptions, by exact host.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Outbound {
    /// Hosts (exact names or IP addresses, no port) the server may also reach over plain
    /// `http://` and at loopback or private addresses: an SMS gateway in the operator's own
    /// network, a local stand-in service in tests. Empty by default; a push endpoint on one of
    /// them also needs `notify.push.allow_http` and `notify.push.allowed_hosts`.
    pub insecure_hosts: Vec<String>,
}

impl Outbound {
    /// `host` (lower case, IPv6 without brackets) is one of `insecure_hosts`.
    pub fn is_insecure_host(&self, host: &str) -> bool {
        self.insecure_hosts.iter().any(|h| {
            h.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(host)
        })
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for h in &self.insecure_hosts {
            let h = h.trim();
            if h.is_empty() || h.contains(['/', '@', ' ']) || h.contains("://") {
                return Err(ConfigError::Invalid(format!(
                    "outbound.insecure_hosts: {h:?} must be a host name or an IP address"
                )));
            }
        }
        Ok(())
    }
}
