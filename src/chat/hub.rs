//! The chat hub: who is listening to what. Each live socket registers a bounded queue under a
//! topic (a subscriber account, or «all staff»). Publishing never waits: a queue that is full
//! belongs to a client that does not read, and that client is dropped (its queue closes and
//! its socket task ends), so memory per connection stays bounded.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};
use tokio::sync::mpsc;

/// Who receives an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every open tab of one subscriber account.
    Account(i64),
    /// Every open staff console.
    Staff,
}

/// A pre-serialised JSON event, shared by all receivers. `id` is the message id for chat
/// messages (0 for other events), so a socket can skip what it already sent.
#[derive(Debug)]
pub struct Out {
    pub id: i64,
    pub json: String,
}

pub type Event = Arc<Out>;

struct Sub {
    id: u64,
    tx: mpsc::Sender<Event>,
}

pub struct Hub {
    /// Held from storing a chat message until it is published, so listeners receive messages
    /// in id order (a client resuming from the last id it saw can never skip one).
    pub write_order: tokio::sync::Mutex<()>,
    subs: Mutex<HashMap<Topic, Vec<Sub>>>,
    next: AtomicU64,
    queue: usize,
    dropped: AtomicU64,
}

/// A registration; dropping it unregisters.
pub struct Subscription {
    hub: Arc<Hub>,
    topic: Topic,
    id: u64,
    pub rx: mpsc::Receiver<Event>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.remove(self.topic, self.id);
    }
}

impl Hub {
    pub fn new(queue: usize) -> Arc<Hub> {
        Arc::new(Hub {
            write_order: tokio::sync::Mutex::new(()),
            subs: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            queue: queue.max(1),
            dropped: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Topic, Vec<Sub>>> {
        self.subs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn subscribe(self: &Arc<Self>, topic: Topic) -> Subscription {
        let (tx, rx) = mpsc::channel(self.queue);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().entry(topic).or_default().push(Sub { id, tx });
        Subscription {
            hub: self.clone(),
            topic,
            id,
            rx,
        }
    }

    fn remove(&self, topic: Topic, id: u64) {
        let mut subs = self.lock();
        if let Some(v) = subs.get_mut(&topic) {
            v.retain(|s| s.id != id);
            if v.is_empty() {
                subs.remove(&topic);
            }
        }
    }

    /// Queues `event` for every listener of `topic`; listeners whose queue is full are dropped.
    pub fn publish(&self, topic: Topic, event: Event) {
        let mut subs = self.lock();
        let Some(v) = subs.get_mut(&topic) else {
            return;
        };
        let mut gone = 0usize;
        v.retain(|s| match s.tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                gone += 1;
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        if gone > 0 {
            self.dropped.fetch_add(gone as u64, Ordering::Relaxed);
            tracing::info!(dropped = gone, "slow chat clients dropped");
        }
        if v.is_empty() {
            subs.remove(&topic);
        }
    }

    /// Live listeners of a topic.
    pub fn listeners(&self, topic: Topic) -> usize {
        self.lock().get(&topic).map_or(0, Vec::len)
    }

    /// Live listeners of all topics (open chat sockets).
    pub fn total_listeners(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// Clients dropped for not reading, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
