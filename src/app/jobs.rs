//! Background jobs: re-check payments stuck in pending, charge autopay, deliver e-mail.
use std::time::Duration;

use crate::{
    app::{outbox, payments as flow},
    db::{self, payments::Applied},
    domain::time,
    services::payments::ProviderError,
    state::SharedState,
};

pub fn spawn(st: SharedState) -> tokio::task::JoinHandle<()> {
    super::notify::spawn(st.clone());
    tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(Duration::from_secs(st.cfg.payments.job_interval_secs));
        loop {
            tick.tick().await;
            recheck_pending(&st).await;
            autopay_tick(&st).await;
            super::closing::closing_tick(&st).await;
            outbox::flush(&st).await;
        }
    })
}

/// Asks the provider about payments pending for longer than `recheck_after_secs`, and cancels
/// payments the provider never received (the create call failed) after an hour.
/// Returns how many were settled.
pub async fn recheck_pending(st: &SharedState) -> usize {
    let now = st.clock.now();
    let before = now - st.cfg.payments.recheck_after_secs;
    let name = st.money.provider.name();
    let ids = match st
        .db
        .run(move |c| {
            let n = db::payments::cancel_never_sent(c, now - 3600, now)?;
            if n > 0 {
                tracing::info!(payments = n, "unsent payments canceled");
            }
            Ok(db::payments::stuck_pending(c, name, before, 50)?)
        })
        .await
    {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "pending re-check failed");
            return 0;
        }
    };
    let mut settled = 0;
    for id in ids {
        match flow::refresh(st, id).await {
            Ok(Applied::Credited { .. } | Applied::Canceled { .. }) => settled += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pending re-check: provider"),
        }
    }
    settled
}

/// Charges saved cards of contracts whose service period ended and whose balance is short.
/// Returns how many charges were started.
pub async fn autopay_tick(st: &SharedState) -> usize {
    let now = st.clock.now();
    let today = time::zoned(now, &st.tz).date().to_string();
    let min = st.cfg.payments.min_amount_kop;
    let due = match st
        .db
        .run(move |c| Ok(db::autopay::due(c, &today, min)?))
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "autopay: due list failed");
            return 0;
        }
    };
    let mut started = 0;
    let retry = st.cfg.payments.autopay_retry_secs;
    let name = st.money.provider.name();
    for d in due {
        let d2 = d.clone();
        let p = match st
            .db
            .run(move |c| Ok(db::autopay::start_attempt(c, &d2, name, now, retry)?))
            .await
        {
            Ok(Some(p)) => p,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "autopay: attempt not stored");
                continue;
            }
        };
        started += 1;
        let np = db::payments::NewPayment {
            contract_id: p.contract_id,
            account_id: None,
            purpose: "autopay",
            amount_kop: p.amount_kop,
            email: p.email.clone(),
            provider: name,
            idempotency_key: p.idempotency_key.clone(),
            return_token: p.return_token.clone().unwrap_or_default(),
            now,
        };
        let base = st.cfg.payments.public_url.clone().unwrap_or_default();
        let description = format!("Автоплатеж по договору, период до {}", d.period);
        match flow::start(st, np, &base, description, false, Some(d.method_id.clone())).await {
            Ok(_) => {
                tracing::info!(contract_id = d.contract_id, period = %d.period, "autopay charge started")
            }
            Err(flow::FlowError::Provider(ProviderError::Rejected(e))) => {
                tracing::warn!(contract_id = d.contract_id, error = %e, "autopay charge refused");
                let (tz, cur) = (st.tz.clone(), st.cfg.branding.currency_symbol.clone());
                let max = st.cfg.payments.autopay_max_declines;
                let id = p.id;
                let r = st
                    .db
                    .run(move |c| {
                        let ctx = db::payments::ApplyCtx {
                            tz: &tz,
                            currency: &cur,
                            max_declines: max,
                            now,
                        };
                        Ok(db::payments::refused(c, id, &ctx)?)
                    })
                    .await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, "autopay: refusal not stored");
                }
            }
            Err(e) => {
                tracing::warn!(contract_id = d.contract_id, error = %e, "autopay charge failed to start")
            }
        }
    }
    started
}
