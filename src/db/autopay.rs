//! Autopay: the saved card per contract and every charge attempt per service period.
use rusqlite::{params, Connection, OptionalExtension};

use super::payments::{self, ApplyCtx, NewPayment, PaymentRow};
pub use crate::domain::autopay::Autopay;
use crate::domain::payment::SavedMethod;

pub fn get(c: &Connection, contract_id: i64) -> rusqlite::Result<Option<Autopay>> {
    c.prepare_cached(
        "SELECT enabled, amount_kop, card_mask, email, notice FROM autopay WHERE contract_id = ?1",
    )?
    .query_row([contract_id], |r| {
        Ok(Autopay {
            enabled: r.get::<_, i64>(0)? != 0,
            amount_kop: r.get(1)?,
            card_mask: r.get(2)?,
            email: r.get(3)?,
            notice: r.get(4)?,
        })
    })
    .optional()
}

/// Remembers what the subscriber asked for; it turns on when the first payment saves the card.
pub fn prepare(
    c: &Connection,
    contract_id: i64,
    amount_kop: i64,
    email: &str,
    provider: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO autopay(contract_id, enabled, amount_kop, provider, email, created_at, updated_at)
         VALUES (?1, 0, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT(contract_id) DO UPDATE SET amount_kop = excluded.amount_kop, provider = excluded.provider,
            email = excluded.email, updated_at = excluded.updated_at",
    )?
    .execute(params![contract_id, amount_kop, provider, email, now])?;
    Ok(())
}

pub fn disable(c: &Connection, contract_id: i64, now: i64) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "UPDATE autopay SET enabled = 0, payment_method_id = NULL, card_mask = NULL, declines = 0,
                notice = NULL, updated_at = ?2
             WHERE contract_id = ?1 AND enabled = 1",
        )?
        .execute(params![contract_id, now])?;
    Ok(n == 1)
}

/// The set-up payment succeeded: keep the saved card and switch autopay on.
pub fn saved(
    tx: &Connection,
    contract_id: i64,
    method: Option<&SavedMethod>,
    now: i64,
) -> rusqlite::Result<()> {
    match method {
        Some(m) => tx.execute(
            "UPDATE autopay SET enabled = 1, payment_method_id = ?2, card_mask = ?3, declines = 0,
                notice = NULL, updated_at = ?4 WHERE contract_id = ?1",
            params![contract_id, m.id, m.card_mask, now],
        )?,
        None => tx.execute(
            "UPDATE autopay SET notice = ?2, updated_at = ?3 WHERE contract_id = ?1",
            params![
                contract_id,
                "Платеж прошел, но банк не сохранил карту: автоплатеж не подключен",
                now
            ],
        )?,
    };
    Ok(())
}

pub fn charged(
    tx: &Connection,
    payment_id: i64,
    contract_id: i64,
    now: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE autopay_attempts SET status = 'succeeded', updated_at = ?2 WHERE payment_id = ?1",
        params![payment_id, now],
    )?;
    tx.execute(
        "UPDATE autopay SET declines = 0, last_charge_at = ?2, updated_at = ?2 WHERE contract_id = ?1",
        params![contract_id, now],
    )?;
    Ok(())
}

/// A charge was declined; after `max_declines` in a row autopay turns off with a notice.
pub fn declined(
    tx: &Connection,
    payment_id: i64,
    contract_id: i64,
    ctx: &ApplyCtx,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE autopay_attempts SET status = 'declined', updated_at = ?2 WHERE payment_id = ?1",
        params![payment_id, ctx.now],
    )?;
    let (declines, email): (i64, Option<String>) = tx.query_row(
        "UPDATE autopay SET declines = declines + 1, updated_at = ?2 WHERE contract_id = ?1
         RETURNING declines, email",
        params![contract_id, ctx.now],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if declines >= ctx.max_declines {
        let notice = format!(
            "Автоплатеж отключен: банк {declines} раза подряд отклонил списание. Подключите его снова с другой картой."
        );
        tx.execute(
            "UPDATE autopay SET enabled = 0, payment_method_id = NULL, card_mask = NULL, notice = ?2
             WHERE contract_id = ?1",
            params![contract_id, notice],
        )?;
        if let Some(e) = email {
            let number: String = tx.query_row(
                "SELECT number FROM contracts WHERE id = ?1",
                [contract_id],
                |r| r.get(0),
            )?;
            super::outbox::queue_email(
                tx,
                &e,
                &format!("Автоплатеж по договору № {number} отключен"),
                &format!("Здравствуйте!\n\n{notice}\n"),
                ctx.now,
            )?;
        }
        tracing::info!(contract_id, declines, "autopay turned off after declines");
    }
    Ok(())
}

/// A contract whose service period ended and whose balance does not cover it.
#[derive(Debug, Clone)]
pub struct Due {
    pub contract_id: i64,
    /// The ended period, as the earliest `paid_until` date of the services due.
    pub period: String,
    pub needed_kop: i64,
    pub method_id: String,
    pub email: Option<String>,
}

/// Contracts with autopay on whose services' paid period ended by `today` (YYYY-MM-DD).
pub fn due(c: &Connection, today: &str, min_kop: i64) -> rusqlite::Result<Vec<Due>> {
    let mut s = c.prepare_cached(
        "SELECT a.contract_id, MIN(s.paid_until), SUM(s.price_kop) - c.balance_kop, a.payment_method_id, a.email
         FROM autopay a
         JOIN contracts c ON c.id = a.contract_id
         JOIN services s ON s.contract_id = a.contract_id
         WHERE a.enabled = 1 AND a.payment_method_id IS NOT NULL AND c.status <> 'closed'
           AND s.status IN ('active', 'blocked_debt') AND s.paid_until IS NOT NULL AND s.paid_until <= ?1
         GROUP BY a.contract_id",
    )?;
    let rows = s.query_map([today], |r| {
        Ok(Due {
            contract_id: r.get(0)?,
            period: r.get(1)?,
            needed_kop: r.get(2)?,
            method_id: r.get(3)?,
            email: r.get(4)?,
        })
    })?;
    let mut out = Vec::new();
    for d in rows {
        let d = d?;
        if d.needed_kop > 0 {
            out.push(Due {
                needed_kop: d.needed_kop.max(min_kop),
                ..d
            });
        }
    }
    Ok(out)
}

/// Starts one charge for a due period, unless one is live or succeeded already, or the last
/// decline was less than `retry_secs` ago. The payment row and the attempt are one transaction.
pub fn start_attempt(
    c: &mut Connection,
    d: &Due,
    provider: &'static str,
    now: i64,
    retry_secs: i64,
) -> rusqlite::Result<Option<PaymentRow>> {
    let tx = super::begin_write(c)?;
    let (live, tries, last): (i64, i64, Option<i64>) = tx.query_row(
        "SELECT COUNT(*) FILTER (WHERE status IN ('pending', 'succeeded')), COUNT(*), MAX(created_at)
         FROM autopay_attempts WHERE contract_id = ?1 AND period = ?2",
        params![d.contract_id, d.period],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if live > 0 || last.is_some_and(|t| now - t < retry_secs) {
        return Ok(None);
    }
    let attempt = tries + 1;
    let key = format!("autopay:{}:{}:{attempt}", d.contract_id, d.period);
    drop(tx);
    let p = payments::begin(
        c,
        &NewPayment {
            contract_id: d.contract_id,
            account_id: None,
            purpose: "autopay",
            amount_kop: d.needed_kop,
            email: d.email.clone(),
            provider,
            idempotency_key: key.clone(),
            return_token: key,
            now,
        },
    )?;
    let inserted = c.execute(
        "INSERT INTO autopay_attempts(contract_id, period, attempt, payment_id, amount_kop, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6) ON CONFLICT DO NOTHING",
        params![d.contract_id, d.period, attempt, p.id, d.needed_kop, now],
    )?;
    Ok((inserted == 1).then_some(p))
}
