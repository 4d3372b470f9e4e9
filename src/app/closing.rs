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

/// Contracts per chunk of the closing job.
const CHUNK: i64 = 50;

/// Runs the closing job now (tests, the tick above): every month from the last one closed
/// through the previous one, one document per contract with charges. Idempotent:
/// `closing_runs` records each (contract, month) once.
///
/// At 100 000 contracts this is a long batch, so it goes in chunks of [`CHUNK`] contracts,
/// each document in a transaction of its own (the write lock is held for one document, never
/// for the chunk), and after each chunk the job rests as long as the chunk took: it takes at
/// most half of one core, and the pages keep their speed while the month closes. Its commits
/// change nothing a cached page shows (documents, their e-mails, the job's bookkeeping), so
/// they leave the read caches valid. Returns how many documents were issued.
pub async fn run_closing(st: &SharedState) -> usize {
    // Never a closing document under the demo company outside the demo (said at start).
    if !st.cfg.documents.requisites_ready() {
        return 0;
    }
    let mut issued = 0;
    let now = st.clock.now();
    match st.db.run_quiet(move |c| app::release_stale(c, now)).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            numbers = n,
            "document numbers of interrupted issues released"
        ),
        Err(e) => tracing::warn!(error = %e, "releasing interrupted document numbers failed"),
    }
    let st2 = st.clone();
    let months = match st.db.run(move |c| app::closing_months(c, &ctx(&st2))).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "closing documents job failed");
            return 0;
        }
    };
    for month in months {
        let mut after = 0;
        loop {
            let t = std::time::Instant::now();
            let st2 = st.clone();
            match st
                .db
                .run_quiet(move |c| app::close_chunk(c, &ctx(&st2), month, after, CHUNK))
                .await
            {
                Ok((n, next)) => {
                    issued += n;
                    match next {
                        Some(id) => after = id,
                        None => break,
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "closing documents job failed");
                    return issued;
                }
            }
            tokio::time::sleep(t.elapsed().min(std::time::Duration::from_secs(2))).await;
        }
    }
    if issued > 0 {
        tracing::info!(documents = issued, "closing documents issued");
    }
    issued
}

fn ctx(st: &crate::state::AppState) -> app::Ctx<'_> {
    app::Ctx {
        cfg: &st.cfg,
        tz: &st.tz,
        now: st.clock.now(),
    }
}
