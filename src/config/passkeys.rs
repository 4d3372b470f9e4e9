//! Passkeys (WebAuthn): the relying party the browser checks credentials against.
use serde::Deserialize;

/// `[passkeys]`. `rp_id` is the site's domain (no scheme, no port: an IP address is not a
/// valid RP id); `origin` is the exact address users open, e.g. `https://lk.example.ru`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Passkeys {
    pub rp_id: String,
    pub origin: String,
    /// Accept the origin on any port (development and tests only).
    pub allow_any_port: bool,
    /// Seconds a registration or login challenge stays valid (used once).
    pub challenge_ttl_secs: u64,
}

impl Default for Passkeys {
    fn default() -> Self {
        Passkeys {
            rp_id: "localhost".into(),
            origin: "http://localhost:8080".into(),
            allow_any_port: false,
            challenge_ttl_secs: 120,
        }
    }
}
