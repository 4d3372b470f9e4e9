//! The built-in sandbox gateway's own table (`sandbox_payments`).
use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::payment::Checkout;

/// Reads a sandbox payment for its checkout page.
pub fn checkout(c: &Connection, id: &str) -> rusqlite::Result<Option<Checkout>> {
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
/// (The sandbox's table shows on no cached screen: its commits invalidate nothing.)
pub fn decide(c: &Connection, id: &str, pay: bool, method: &str) -> rusqlite::Result<bool> {
    super::fresh::quietly(|| decide_rows(c, id, pay, method))
}

fn decide_rows(c: &Connection, id: &str, pay: bool, method: &str) -> rusqlite::Result<bool> {
    let n = if pay {
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

/// A new sandbox payment.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub idempotency_key: &'a str,
    pub amount_kop: i64,
    pub description: &'a str,
    pub status: &'a str,
    pub save_method: bool,
    pub method: Option<&'a str>,
    pub card_mask: Option<&'a str>,
    pub return_url: &'a str,
    pub now: i64,
}

/// Stores the payment once per idempotency key; returns the id stored under that key (the
/// first payment's when the key was seen before). Invalidates no cached read (as [`decide`]).
pub fn insert(c: &Connection, r: &NewRow) -> rusqlite::Result<String> {
    super::fresh::quietly(|| insert_row(c, r))?;
    c.query_row(
        "SELECT id FROM sandbox_payments WHERE idempotency_key = ?1",
        [r.idempotency_key],
        |row| row.get(0),
    )
}

fn insert_row(c: &Connection, r: &NewRow) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO sandbox_payments(id, idempotency_key, amount_kop, description, status, save_method,
            payment_method_id, card_mask, return_url, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(idempotency_key) DO NOTHING",
        params![
            r.id,
            r.idempotency_key,
            r.amount_kop,
            r.description,
            r.status,
            r.save_method as i64,
            r.method,
            r.card_mask,
            r.return_url,
            r.now
        ],
    )
}

/// The card mask of a saved sandbox payment method.
pub fn card_mask(c: &Connection, method: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT card_mask FROM sandbox_payments WHERE payment_method_id = ?1",
        [method],
        |r| r.get(0),
    )
    .optional()
}

/// (id, status, amount, saved method id, card mask) of a sandbox payment.
pub type Row = (String, String, i64, Option<String>, Option<String>);

pub fn get(c: &Connection, id: &str) -> rusqlite::Result<Option<Row>> {
    c.prepare_cached(
        "SELECT id, status, amount_kop, payment_method_id, card_mask FROM sandbox_payments WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .optional()
}
