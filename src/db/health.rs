//! Storage health for `/readyz`: the last storage failure a query met (a full disk, a read-only
//! file, an I/O error, corruption), and a probe of the file.
use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use super::Db;
use crate::error::{AppError, Storage};

/// A write that failed for lack of space keeps the server "not ready" this long (later writes
/// that fail the same way extend it); corruption keeps it not ready until a restart.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Health {
    last: Mutex<Option<(Instant, Storage)>>,
}

impl Health {
    pub fn note(&self, e: &AppError) {
        if let Some(s) = e.storage().filter(|s| *s != Storage::Busy) {
            tracing::error!(problem = s.describe(), error = %e, "storage failure");
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if !matches!(*last, Some((_, Storage::Corrupt))) {
                *last = Some((Instant::now(), s));
            }
        }
    }

    pub fn problem(&self) -> Option<Storage> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match *last {
            Some((_, Storage::Corrupt)) => Some(Storage::Corrupt),
            Some((at, s)) if at.elapsed() < FAILURE_WINDOW => Some(s),
            _ => None,
        }
    }
}

impl Db {
    /// `Ok` when the database answers, is writable, and no write met a storage failure lately.
    pub async fn readiness(&self) -> Result<(), String> {
        let probe = self
            .run(|c| {
                c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
                let query_only: bool = c.pragma_query_value(None, "query_only", |r| r.get(0))?;
                Ok(query_only || c.is_readonly(rusqlite::MAIN_DB)?)
            })
            .await;
        match probe {
            Err(e) => Err(match e.storage() {
                Some(s) => s.describe().to_owned(),
                None => "database unavailable".to_owned(),
            }),
            Ok(true) => Err(Storage::ReadOnly.describe().to_owned()),
            Ok(false) => match self.health.problem() {
                Some(s) => Err(s.describe().to_owned()),
                None => Ok(()),
            },
        }
    }

    /// Records a storage failure met outside [`Db::run`]'s result (e.g. an ignored touch).
    pub fn note_failure(&self, e: &AppError) {
        self.health.note(e);
    }
}
