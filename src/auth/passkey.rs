//! Passkeys through `webauthn-rs`: the relying party from `[passkeys]` (RP id and origin), and
//! the pending ceremonies — each challenge is kept in memory, used once and short-lived.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use rand::Rng;
pub use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::config::Passkeys as Cfg;

/// A ceremony waiting for the browser's answer.
pub enum Pending {
    /// An account adds a passkey.
    Register {
        account_id: i64,
        state: PasskeyRegistration,
    },
    /// A login with one of the account's passkeys.
    Login {
        account_id: i64,
        state: PasskeyAuthentication,
    },
}

/// Pending ceremonies are bounded: the oldest go when full.
const MAX_PENDING: usize = 4096;

pub struct Passkeys {
    pub rp: Option<Webauthn>,
    ttl: Duration,
    pending: Mutex<HashMap<String, (Instant, Pending)>>,
}

impl Passkeys {
    /// The relying party, or none (logged) when `[passkeys]` does not describe one.
    pub fn new(cfg: &Cfg, name: &str) -> Passkeys {
        let rp = Url::parse(&cfg.origin).ok().and_then(|origin| {
            WebauthnBuilder::new(&cfg.rp_id, &origin)
                .ok()?
                .rp_name(name)
                .allow_any_port(cfg.allow_any_port)
                .build()
                .ok()
        });
        if rp.is_none() {
            tracing::warn!(rp_id = %cfg.rp_id, origin = %cfg.origin, "passkeys off: [passkeys] rp_id/origin do not match");
        }
        Passkeys {
            rp,
            ttl: Duration::from_secs(cfg.challenge_ttl_secs.max(10)),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps a ceremony; returns its id for the browser.
    pub fn hold(&self, p: Pending) -> String {
        let mut id = [0u8; 16];
        rand::rng().fill(&mut id);
        let id = hex::encode(id);
        if let Ok(mut m) = self.pending.lock() {
            let now = Instant::now();
            m.retain(|_, (at, _)| now.duration_since(*at) < self.ttl);
            if m.len() >= MAX_PENDING {
                m.clear();
            }
            m.insert(id.clone(), (now, p));
        }
        id
    }

    /// Takes a ceremony out (single use); None when unknown or expired.
    pub fn take(&self, id: &str) -> Option<Pending> {
        let (at, p) = self.pending.lock().ok()?.remove(id)?;
        (at.elapsed() < self.ttl).then_some(p)
    }
}
