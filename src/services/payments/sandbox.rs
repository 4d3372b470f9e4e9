//! The built-in sandbox gateway: payments live in its own table, the payer confirms on an
//! in-app checkout page («Оплатить» / «Отказаться»), and the result is reported through the same
//! notification path a real gateway uses.
use rand::RngCore;
use rusqlite::{params, OptionalExtension};

use super::{CreateReq, PaymentProvider, ProviderError, Remote, RemoteStatus, SavedMethod};
use crate::{db::Db, routes};

pub struct Sandbox {
    db: Db,
    decline_saved: bool,
}

/// A sandbox payment as its checkout page shows it.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub id: String,
    pub amount_kop: i64,
    pub description: String,
    pub status: String,
    pub save_method: bool,
    pub return_url: String,
}

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
pub fn checkout(c: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<Checkout>> {
    c.prepare_cached(
        "SELECT id, amount_kop, description, status, save_method, return_url FROM sandbox_payments WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Checkout {
            id: r.get(0)?,
            amount_kop: r.get(1)?,
            description: r.get(2)?,
            status: r.get(3)?,
            save_method: r.get::<_, i64>(4)? != 0,
            return_url: r.get(5)?,
        })
    })
    .optional()
}

/// The payer's decision on the checkout page. Returns false when the payment was not pending.
pub fn decide(c: &rusqlite::Connection, id: &str, pay: bool) -> rusqlite::Result<bool> {
    let n = if pay {
        let method = random_id("sbpm_");
        c.execute(
            "UPDATE sandbox_payments SET status = 'succeeded',
                payment_method_id = CASE WHEN save_method = 1 THEN ?2 END,
                card_mask = CASE WHEN save_method = 1 THEN 'Visa •••• 4242' END
             WHERE id = ?1 AND status = 'pending'",
            params![id, method],
        )?
    } else {
        c.execute(
            "UPDATE sandbox_payments SET status = 'canceled' WHERE id = ?1 AND status = 'pending'",
            [id],
        )?
    };
    Ok(n == 1)
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
                let known: Option<String> = c
                    .query_row(
                        "SELECT card_mask FROM sandbox_payments WHERE payment_method_id = ?1",
                        [m],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(transport)?;
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
        c.execute(
            "INSERT INTO sandbox_payments(id, idempotency_key, amount_kop, description, status, save_method,
                payment_method_id, card_mask, return_url, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(idempotency_key) DO NOTHING",
            params![
                id,
                req.idempotency_key,
                req.amount_kop,
                req.description,
                status,
                req.save_method as i64,
                method,
                mask,
                req.return_url,
                now
            ],
        )
        .map_err(transport)?;
        // Same idempotency key → the payment created the first time.
        let id: String = c
            .query_row(
                "SELECT id FROM sandbox_payments WHERE idempotency_key = ?1",
                [&req.idempotency_key],
                |r| r.get(0),
            )
            .map_err(transport)?;
        drop(c);
        self.fetch(&id)
    }

    fn fetch(&self, id: &str) -> Result<Remote, ProviderError> {
        let c = self.db.get().map_err(transport)?;
        let row = c
            .prepare_cached(
                "SELECT id, status, amount_kop, payment_method_id, card_mask FROM sandbox_payments WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .optional()
            })
            .map_err(transport)?;
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
