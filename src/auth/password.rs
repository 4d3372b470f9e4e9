//! argon2id password hashing on a fixed set of worker threads.
//!
//! argon2 with the crate defaults (m=19 MiB, t=2, p=1) allocates 19 MiB per hash. Run on
//! tokio's blocking pool, every blocking thread ends up with its own malloc arena holding
//! such a block, and RSS grows with the number of threads. Here a fixed number of threads
//! do all hashing; a semaphore admits at most `queue` waiting jobs, so memory stays bounded
//! however many logins arrive at once.
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use tokio::sync::{oneshot, Semaphore};

use crate::error::AppError;

enum Job {
    Hash(String, oneshot::Sender<String>),
    /// `None` hash: verify against a dummy hash so unknown logins take the same time.
    Verify(Option<String>, String, oneshot::Sender<bool>),
}

#[derive(Clone)]
pub struct Passwords {
    tx: mpsc::SyncSender<Job>,
    admit: Arc<Semaphore>,
}

pub fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default params cannot fail")
        .to_string()
}

fn verify_now(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

impl Passwords {
    pub fn new(workers: usize) -> Passwords {
        let workers = workers.max(1);
        let (tx, rx) = mpsc::sync_channel::<Job>(workers * 2);
        let rx = Arc::new(Mutex::new(rx));
        // One per process: every `Passwords` (a test process builds one per app) shares it.
        static DUMMY: OnceLock<Arc<str>> = OnceLock::new();
        let dummy = DUMMY
            .get_or_init(|| hash_now("kabinet dummy password for timing").into())
            .clone();
        for i in 0..workers {
            let rx = rx.clone();
            let dummy = dummy.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(Job::Hash(pw, reply)) => {
                            let _ = reply.send(hash_now(&pw));
                        }
                        Ok(Job::Verify(hash, pw, reply)) => {
                            let ok = match &hash {
                                Some(h) => verify_now(h, &pw),
                                None => {
                                    verify_now(&dummy, &pw);
                                    false
                                }
                            };
                            let _ = reply.send(ok);
                        }
                        Err(_) => return,
                    }
                })
                .expect("spawn argon2 worker");
        }
        Passwords {
            tx,
            admit: Arc::new(Semaphore::new(workers * 2)),
        }
    }

    async fn submit<T>(&self, job: Job, rx: oneshot::Receiver<T>) -> Result<T, AppError> {
        // Waiting here costs a few hundred bytes per request, never another 19 MiB block.
        let _permit = self.admit.acquire().await.map_err(|_| AppError::Busy)?;
        let tx = self.tx.clone();
        tx.try_send(job).map_err(|_| AppError::Busy)?;
        rx.await.map_err(|_| AppError::Busy)
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Hash(password, reply), rx).await
    }

    /// Verifies `password` against `hash`; with `None` burns the same time and returns false.
    pub async fn verify(&self, hash: Option<String>, password: String) -> Result<bool, AppError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Verify(hash, password, reply), rx).await
    }
}
