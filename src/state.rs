//! Shared application state, passed to handlers as `Data<&Arc<AppState>>`.
use crate::{auth::password::Passwords, auth::rate::Limiters, config::Config, db::Db};
use std::sync::{
    atomic::{AtomicI64, AtomicU64, Ordering},
    Arc,
};

pub struct AppState {
    pub db: Db,
    pub cfg: Config,
    pub tz: jiff::tz::TimeZone,
    pub passwords: Passwords,
    pub limits: Limiters,
    /// Budgets for costly actions (issuing documents; see `auth::budget`, `app::budget`).
    pub budgets: crate::auth::budget::Budgets,
    pub clock: Clock,
    pub csrf_key: [u8; 32],
    /// The demo data set is active (shown on the login page).
    pub demo: bool,
    /// The configured logo: (content type, bytes).
    pub logo: Option<(String, Vec<u8>)>,
    /// Ended sessions are announced here (session ids), so live connections that belong to
    /// them (chat WebSockets) close at once. Send with [`AppState::sessions_ended`].
    pub ended_sessions: tokio::sync::broadcast::Sender<std::sync::Arc<[i64]>>,
    /// (account, contract) pairs whose access just changed (a user removed or given another
    /// role): that account's chat sockets on that contract close so its tabs reload at once.
    /// Send with [`AppState::access_changed`].
    pub access_changed: tokio::sync::broadcast::Sender<(i64, i64)>,
    /// Passkeys: the relying party and the pending ceremonies.
    pub passkeys: crate::auth::passkey::Passkeys,
    /// Live chat listeners.
    pub chat: std::sync::Arc<crate::chat::hub::Hub>,
    /// The one outbound HTTP client (payment gateway, SMS gateway, Web Push) and its policy;
    /// see `services::outbound`.
    pub outbound: crate::services::outbound::Outbound,
    /// Delivers SMS (login codes); see `services::sms`.
    pub sms: Arc<dyn crate::services::sms::SmsSender>,
    /// CSP violation reports received (logged too).
    pub csp_violations: AtomicU64,
    /// Payment provider and express-payment rate limits.
    pub money: crate::services::payments::money::Money,
    /// CSP reports and unknown payment notifications (see `auth::throttle`).
    pub throttles: crate::auth::throttle::Throttles,
    /// Chat sockets per session and messages per account (see `chat::quota`).
    pub chat_quota: crate::chat::quota::ChatQuota,
    /// Web Push: the VAPID key and the HTTP agent (see `app::notify`).
    pub push: crate::services::push::PushState,
    /// Staff broadcasts shown as banners on the main page (see `app::notify::broadcast`).
    pub banners: crate::domain::notify::Banners,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Announces that these sessions were deleted (logout, reset devices, password change).
    pub fn sessions_ended(&self, ids: Vec<i64>) {
        if !ids.is_empty() {
            let _ = self.ended_sessions.send(ids.into());
        }
    }

    /// Announces that `account_id`'s access to `contract_id` changed (see `access_changed`).
    pub fn access_changed(&self, account_id: i64, contract_id: i64) {
        let _ = self.access_changed.send((account_id, contract_id));
    }
}

/// Wall clock in unix seconds, with an offset tests can move.
#[derive(Clone, Default)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    pub fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.0.load(Ordering::Relaxed)
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::Relaxed);
    }
}
