//! Chat quotas beyond one socket's own limits: sockets per session and per account (over all
//! its sessions: one account logged in from many browsers), messages per account (over all its
//! sockets and tabs).
use governor::{DefaultKeyedRateLimiter, Quota};
use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
};

use crate::config::Chat;

/// Open sockets by session and by account.
#[derive(Default)]
struct Open {
    by_session: HashMap<i64, usize>,
    by_account: HashMap<i64, usize>,
}

fn release(m: &mut HashMap<i64, usize>, key: i64) {
    if let Some(n) = m.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            m.remove(&key);
        }
    }
}

pub struct ChatQuota {
    max_per_session: usize,
    max_per_account: usize,
    sockets: Arc<Mutex<Open>>,
    messages: DefaultKeyedRateLimiter<i64>,
}

/// A socket's place in its session's and account's quotas; released on drop.
pub struct SocketSlot {
    session_id: i64,
    account_id: i64,
    sockets: Arc<Mutex<Open>>,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.sockets.lock() {
            release(&mut m.by_session, self.session_id);
            release(&mut m.by_account, self.account_id);
        }
    }
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

impl ChatQuota {
    pub fn new(cfg: &Chat) -> ChatQuota {
        ChatQuota {
            max_per_session: cfg.max_sockets_per_session,
            max_per_account: cfg.max_sockets_per_account,
            sockets: Default::default(),
            messages: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(nz(cfg.account_messages_per_minute))
                    .allow_burst(nz(cfg.rate_burst)),
            ),
        }
    }

    /// A place for one more socket of this session of this account, or None at either cap.
    pub fn open_socket(&self, session_id: i64, account_id: i64) -> Option<SocketSlot> {
        let mut m = self.sockets.lock().ok()?;
        let in_session = m.by_session.get(&session_id).copied().unwrap_or(0);
        let in_account = m.by_account.get(&account_id).copied().unwrap_or(0);
        if in_session >= self.max_per_session || in_account >= self.max_per_account {
            return None;
        }
        *m.by_session.entry(session_id).or_insert(0) += 1;
        *m.by_account.entry(account_id).or_insert(0) += 1;
        Some(SocketSlot {
            session_id,
            account_id,
            sockets: self.sockets.clone(),
        })
    }

    /// May this account send one more message now?
    pub fn message(&self, account_id: i64) -> bool {
        self.messages.check_key(&account_id).is_ok()
    }

    pub fn housekeeping(&self) {
        self.messages.retain_recent();
        self.messages.shrink_to_fit();
    }
}
