//! The built-in sandbox gateway: payments live in its own table, the payer confirms on an
//! in-app checkout page («Оплатить» / «Отказаться»), and the result is reported through the same
//! notification path a real gateway uses.
use rand::RngCore;

use super::{CreateReq, PaymentProvider, ProviderError, Remote, RemoteStatus, SavedMethod};
use crate::{
    db::{self, Db},
    routes,
};

pub struct Sandbox {
    db: Db,
    decline_saved: bool,
}

pub use crate::domain::payment::Checkout;

fn random_id(prefix: &str) -> String {
    let mut b = [0u8; 12];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

fn transport(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Transport(e.to_string())
}

impl Sandbox {
    pub fn new(db: Db, decline_saved: bool) -> Sandbox {
        Sandbox { db, decline_saved }
    }
}

fn status_of(s: &str) -> RemoteStatus {
    match s {
        "succeeded" => RemoteStatus::Succeeded,
        "canceled" => RemoteStatus::Canceled,
        _ => RemoteStatus::Pending,
    }
}

/// Reads a sandbox payment for its checkout page.
pub fn checkout(c: &db::Conn, id: &str) -> db::SqlResult<Option<Checkout>> {
    db::sandbox::checkout(c, id)
}

/// The payer's decision on the checkout page. Returns false when the payment was not pending.
pub fn decide(c: &db::Conn, id: &str, pay: bool) -> db::SqlResult<bool> {
    db::sandbox::decide(c, id, pay, &random_id("sbpm_"))
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn create(&self, req: &CreateReq) -> Result<Remote, ProviderError> {
        let c = self.db.get().map_err(transport)?;
        let now = jiff::Timestamp::now().as_second();
        let (status, method, mask) = match &req.saved_method_id {
            // A saved card is charged at once, no checkout page.
            Some(m) => {
                let known = db::sandbox::card_mask(&c, m).map_err(transport)?;
                let Some(mask) = known else {
                    return Err(ProviderError::Rejected("unknown payment method".into()));
                };
                let st = if self.decline_saved {
                    "canceled"
                } else {
                    "succeeded"
                };
                (st, Some(m.clone()), Some(mask))
            }
            None => ("pending", None, None),
        };
        let id = random_id("sb_");
        let row = db::sandbox::NewRow {
            id: &id,
            idempotency_key: &req.idempotency_key,
            amount_kop: req.amount_kop,
            description: &req.description,
            status,
            save_method: req.save_method,
            method: method.as_deref(),
            card_mask: mask.as_deref(),
            return_url: &req.return_url,
            now,
        };
        // Same idempotency key → the payment created the first time.
        let id = db::sandbox::insert(&c, &row).map_err(transport)?;
        drop(c);
        self.fetch(&id)
    }

    fn fetch(&self, id: &str) -> Result<Remote, ProviderError> {
        let c = self.db.get().map_err(transport)?;
        let row = db::sandbox::get(&c, id).map_err(transport)?;
        let Some((id, status, amount_kop, method, mask)) = row else {
            return Err(ProviderError::NotFound);
        };
        let status = status_of(&status);
        Ok(Remote {
            confirmation_url: (status == RemoteStatus::Pending)
                .then(|| format!("{}/{id}", routes::SANDBOX_CHECKOUT)),
            method: match (method, mask) {
                (Some(id), Some(card_mask)) => Some(SavedMethod { id, card_mask }),
                _ => None,
            },
            id,
            status,
            amount_kop,
        })
    }
}
