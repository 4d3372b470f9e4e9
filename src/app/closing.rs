//! The monthly closing-document job, run from the background job loop at most every
//! `documents.job_interval_secs` (it issues only what is due, so running it often is harmless).
use std::sync::atomic::{AtomicI64, Ordering};

use crate::{app::documents as app, state::SharedState};

static LAST_RUN: AtomicI64 = AtomicI64::new(0);

/// Closes due months when the interval has passed. Returns how many documents were issued.
pub async fn closing_tick(st: &SharedState) -> usize {
    let now = st.clock.now();
    let every = st.cfg.documents.job_interval_secs as i64;
    let last = LAST_RUN.load(Ordering::Relaxed);
    if now - last < every && last != 0 {
        return 0;
    }
    LAST_RUN.store(now, Ordering::Relaxed);
    run_closing(st).await
}

/// Runs the closing job now (tests, the admin command, the tick above).
pub async fn run_closing(st: &SharedState) -> usize {
    let st2 = st.clone();
    match st
        .db
        .run(move |c| {
            let ctx = app::Ctx {
                cfg: &st2.cfg,
                tz: &st2.tz,
                now: st2.clock.now(),
            };
            app::run_closing(c, &ctx)
        })
        .await
    {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "closing documents job failed");
            0
        }
    }
}
