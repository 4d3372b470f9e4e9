//! Chat quotas beyond one socket's own limits: sockets per session, messages per account
//! (over all its sockets and tabs).
use governor::{DefaultKeyedRateLimiter, Quota};
use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
};

use crate::config::Chat;

pub struct ChatQuota {
    max_per_session: usize,
    sockets: Arc<Mutex<HashMap<i64, usize>>>,
    messages: DefaultKeyedRateLimiter<i64>,
}

/// A socket's place in its session's quota; released on drop.
pub struct SocketSlot {
    session_id: i64,
    sockets: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.sockets.lock() {
            if let Some(n) = m.get_mut(&self.session_id) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.session_id);
                }
            }
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
            sockets: Default::default(),
            messages: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(nz(cfg.account_messages_per_minute))
                    .allow_burst(nz(cfg.rate_burst)),
            ),
        }
    }

    /// A place for one more socket of this session, or None at the cap.
    pub fn open_socket(&self, session_id: i64) -> Option<SocketSlot> {
        let mut m = self.sockets.lock().ok()?;
        let n = m.entry(session_id).or_insert(0);
        if *n >= self.max_per_session {
            return None;
        }
        *n += 1;
        Some(SocketSlot {
            session_id,
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
