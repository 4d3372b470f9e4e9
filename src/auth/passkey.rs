//! Passkeys through `webauthn-rs`: the relying party from `[passkeys]` (RP id and origin), and
//! the pending ceremonies — each challenge is kept in memory, used once and short-lived.
//! Pending ceremonies are bounded per owner (an account adding a passkey, a client address
//! logging in) and in total; past a bound the oldest go, one at a time.
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use rand::Rng;
pub use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid,
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
    /// A login with a discoverable passkey: the browser picks the credential, the answer
    /// names it (nothing about accounts or their credentials is sent before).
    Login { state: DiscoverableAuthentication },
}

/// Who started a ceremony, for the per-owner bound.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Account(i64),
    /// A login from this client address (IPv6 by /64).
    Client(IpAddr),
}

/// Pending ceremonies in total; past it the oldest goes.
pub const MAX_PENDING: usize = 4096;
/// Pending ceremonies of one account (adding passkeys); past it its oldest goes.
pub const MAX_PENDING_PER_ACCOUNT: usize = 4;
/// Pending logins of one client address; past it its oldest goes.
pub const MAX_PENDING_PER_CLIENT: usize = 16;

struct Held {
    at: Instant,
    owner: Owner,
    pending: Pending,
}

pub struct Passkeys {
    pub rp: Option<Webauthn>,
    ttl: Duration,
    pending: Mutex<HashMap<String, Held>>,
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

    /// Keeps a ceremony of an account (adding a passkey); returns its id for the browser.
    pub fn hold(&self, p: Pending) -> String {
        let owner = match &p {
            Pending::Register { account_id, .. } => Owner::Account(*account_id),
            // (logins are held with their client's address: `hold_login`)
            Pending::Login { .. } => Owner::Client(IpAddr::from([0, 0, 0, 0])),
        };
        self.hold_for(owner, p)
    }

    /// Keeps a login ceremony started from `ip`; returns its id for the browser.
    pub fn hold_login(&self, ip: IpAddr, state: DiscoverableAuthentication) -> String {
        let owner = Owner::Client(crate::domain::ip::limit_key(ip));
        self.hold_for(owner, Pending::Login { state })
    }

    fn hold_for(&self, owner: Owner, pending: Pending) -> String {
        let mut id = [0u8; 16];
        rand::rng().fill(&mut id);
        let id = hex::encode(id);
        if let Ok(mut m) = self.pending.lock() {
            let now = Instant::now();
            m.retain(|_, h| now.duration_since(h.at) < self.ttl);
            let per_owner = match owner {
                Owner::Account(_) => MAX_PENDING_PER_ACCOUNT,
                Owner::Client(_) => MAX_PENDING_PER_CLIENT,
            };
            while m.values().filter(|h| h.owner == owner).count() >= per_owner
                && evict_oldest(&mut m, |h| h.owner == owner)
            {}
            while m.len() >= MAX_PENDING && evict_oldest(&mut m, |_| true) {}
            m.insert(
                id.clone(),
                Held {
                    at: now,
                    owner,
                    pending,
                },
            );
        }
        id
    }

    /// Takes a ceremony out (single use); None when unknown or expired.
    pub fn take(&self, id: &str) -> Option<Pending> {
        let h = self.pending.lock().ok()?.remove(id)?;
        (h.at.elapsed() < self.ttl).then_some(h.pending)
    }

    /// Ceremonies held now (expired ones included until the next `hold`).
    pub fn pending_count(&self) -> usize {
        self.pending.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// Removes the oldest ceremony that `which` picks; false when there is none.
fn evict_oldest(m: &mut HashMap<String, Held>, which: impl Fn(&Held) -> bool) -> bool {
    let oldest = m
        .iter()
        .filter(|(_, h)| which(h))
        .min_by_key(|(_, h)| h.at)
        .map(|(id, _)| id.clone());
    oldest.is_some_and(|id| m.remove(&id).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_logins_are_bounded_per_client_address() {
        let pk = Passkeys::new(&Cfg::default(), "t");
        let rp = pk.rp.as_ref().expect("a relying party");
        let start = |ip: [u8; 4]| {
            let (_, state) = rp.start_discoverable_authentication().unwrap();
            pk.hold_login(IpAddr::from(ip), state)
        };
        let mine: Vec<String> = (0..MAX_PENDING_PER_CLIENT + 4)
            .map(|_| start([203, 0, 113, 7]))
            .collect();
        let other = start([198, 51, 100, 2]);
        assert_eq!(pk.pending_count(), MAX_PENDING_PER_CLIENT + 1);
        for id in &mine[..4] {
            assert!(pk.take(id).is_none(), "the address's oldest went");
        }
        assert!(pk.take(&mine[4]).is_some());
        assert!(
            pk.take(&other).is_some(),
            "another address keeps its ceremony"
        );
    }
}
