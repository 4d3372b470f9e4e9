//! The payment flow on top of a provider: start (store first, then call the provider), settle
//! from a notification or a re-check (always by fetching the payment back from the provider).
use crate::{
    db::{
        self,
        payments::{Applied, ApplyCtx, NewPayment, PaymentRow},
    },
    error::AppError,
    routes,
    services::payments::{parse_notification, CreateReq, ProviderError, Remote, RemoteStatus},
    state::SharedState,
};

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<crate::db::SqlError> for FlowError {
    fn from(e: crate::db::SqlError) -> Self {
        FlowError::App(e.into())
    }
}

#[derive(Debug)]
pub enum Started {
    /// Send the payer to the provider's checkout page.
    Redirect(String),
    /// Nothing to confirm (already settled, or a saved card charged at once).
    Settled(Box<PaymentRow>),
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ProviderError> + Send + 'static,
) -> Result<T, ProviderError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ProviderError::Transport(format!("task: {e}")))?
}

/// Where the payer lands after the checkout page.
pub fn return_path(token: &str) -> String {
    format!("{}/{token}", routes::PAYMENT_RETURN)
}

/// Stores the payment (idempotent by key), then asks the provider for it with the same key.
pub async fn start(
    st: &SharedState,
    np: NewPayment,
    base_url: &str,
    description: String,
    save_method: bool,
    saved_method_id: Option<String>,
) -> Result<Started, FlowError> {
    // A new payment touches only its contract's money: everyone else's cached pages stay.
    let money = vec![db::fresh::Scope::Money(np.contract_id)];
    let p = st
        .db
        .run_scoped(money.clone(), move |c| Ok(db::payments::begin(c, &np)?))
        .await?;
    if p.status != "pending" {
        return Ok(Started::Settled(Box::new(p)));
    }
    if let Some(url) = &p.confirmation_url {
        return Ok(Started::Redirect(url.clone()));
    }
    let req = CreateReq {
        idempotency_key: p.idempotency_key.clone(),
        amount_kop: p.amount_kop,
        description,
        email: p.email.clone(),
        return_url: format!(
            "{base_url}{}",
            return_path(p.return_token.as_deref().unwrap_or(""))
        ),
        save_method,
        saved_method_id,
        local_id: p.id,
        receipt_item: st.cfg.payments.receipt_item.clone(),
    };
    let provider = st.money.provider.clone();
    let remote = blocking(move || provider.create(&req)).await?;
    let now = st.clock.now();
    let r2 = remote.clone();
    let pid = p.id;
    st.db
        .run_scoped(money, move |c| {
            Ok(db::payments::set_remote(c, pid, &r2, now)?)
        })
        .await?;
    if remote.status != RemoteStatus::Pending {
        settle(st, remote).await?;
        let p = st
            .db
            .run(move |c| Ok(db::payments::by_id(c, pid)?))
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Started::Settled(Box::new(p)));
    }
    match remote.confirmation_url {
        Some(u) => Ok(Started::Redirect(u)),
        None => Err(ProviderError::Transport("no confirmation url".into()).into()),
    }
}

/// Applies a provider-fetched payment.
pub async fn settle(st: &SharedState, remote: Remote) -> Result<Applied, AppError> {
    let name = st.money.provider.name();
    let tz = st.tz.clone();
    let currency = st.cfg.branding.currency_symbol.clone();
    let max_declines = st.cfg.payments.autopay_max_declines;
    let now = st.clock.now();
    // On the writer: concurrent notifications share one commit.
    let applied = st
        .db
        .write(move |c| {
            let ctx = ApplyCtx {
                tz: &tz,
                currency: &currency,
                max_declines,
                now,
            };
            let a = db::payments::apply_in(c, name, &remote, &ctx)?;
            if a == Applied::StillPending {
                db::payments::touch(c, name, &remote.id, now)?;
            }
            Ok(a)
        })
        .await?;
    match &applied {
        Applied::Credited {
            payment_id,
            contract_id,
        } => tracing::info!(payment_id, contract_id, "payment credited"),
        Applied::Canceled { payment_id } => tracing::info!(payment_id, "payment canceled"),
        _ => {}
    }
    Ok(applied)
}

/// Fetches a payment back from the provider and applies what it says.
pub async fn refresh(st: &SharedState, provider_payment_id: String) -> Result<Applied, FlowError> {
    let provider = st.money.provider.clone();
    let remote = blocking(move || provider.fetch(&provider_payment_id)).await?;
    Ok(settle(st, remote).await?)
}

/// A notification from the gateway. The body only names the payment; its status is fetched back.
pub async fn notify(st: &SharedState, body: &[u8]) -> Result<Applied, FlowError> {
    let Some(n) = parse_notification(body) else {
        return Ok(Applied::Unknown);
    };
    let name = st.money.provider.name();
    let id = n.payment_id.clone();
    let known = st
        .db
        .run(move |c| Ok(db::payments::known_remote(c, name, &id)?))
        .await?;
    if !known {
        return Ok(Applied::Unknown);
    }
    match refresh(st, n.payment_id).await {
        Err(FlowError::Provider(ProviderError::NotFound)) => Ok(Applied::Unknown),
        other => other,
    }
}
