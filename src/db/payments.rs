//! Payments: created before the provider is called (idempotency key stored first), credited
//! exactly once from a provider-verified status.
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::domain::{
    money,
    payment::{Remote, RemoteStatus},
    time,
};

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: i64,
    pub contract_id: i64,
    pub account_id: Option<i64>,
    pub purpose: String,
    pub amount_kop: i64,
    pub email: Option<String>,
    pub status: String,
    pub provider: String,
    pub provider_payment_id: Option<String>,
    pub confirmation_url: Option<String>,
    pub return_token: Option<String>,
    pub idempotency_key: String,
}

const COLS: &str = "id, contract_id, account_id, purpose, amount_kop, email, status, provider, \
    provider_payment_id, confirmation_url, return_token, idempotency_key";

fn row(r: &Row) -> rusqlite::Result<PaymentRow> {
    Ok(PaymentRow {
        id: r.get(0)?,
        contract_id: r.get(1)?,
        account_id: r.get(2)?,
        purpose: r.get(3)?,
        amount_kop: r.get(4)?,
        email: r.get(5)?,
        status: r.get(6)?,
        provider: r.get(7)?,
        provider_payment_id: r.get(8)?,
        confirmation_url: r.get(9)?,
        return_token: r.get(10)?,
        idempotency_key: r.get(11)?,
    })
}

pub struct NewPayment {
    pub contract_id: i64,
    pub account_id: Option<i64>,
    pub purpose: &'static str,
    pub amount_kop: i64,
    pub email: Option<String>,
    pub provider: &'static str,
    /// Unique per submitted form: a double submit finds the same payment.
    pub idempotency_key: String,
    pub return_token: String,
    pub now: i64,
}

/// A pending payment of the same contract, amount and purpose started this recently is reused
/// (a second tab or a re-opened modal goes to the same checkout instead of a second payment).
pub const REUSE_WINDOW_SECS: i64 = 15 * 60;

/// Stores the payment (or finds the one this key / a twin tab already made). Runs before any
/// provider call, so a crash after it leaves a pending row the re-check job can settle.
pub fn begin(c: &mut Connection, p: &NewPayment) -> rusqlite::Result<PaymentRow> {
    let tx = super::begin_write(c)?;
    let found = tx
        .prepare_cached(&format!(
            "SELECT {COLS} FROM payments WHERE idempotency_key = ?1"
        ))?
        .query_row([&p.idempotency_key], row)
        .optional()?;
    let twin = match found {
        Some(f) => Some(f),
        None if p.purpose != "autopay" => tx
            .prepare_cached(&format!(
                "SELECT {COLS} FROM payments WHERE contract_id = ?1 AND purpose = ?2 AND amount_kop = ?3
                   AND status = 'pending' AND confirmation_url IS NOT NULL AND created_at >= ?4
                   AND account_id IS ?5 AND email IS ?6
                 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(
                params![
                    p.contract_id,
                    p.purpose,
                    p.amount_kop,
                    p.now - REUSE_WINDOW_SECS,
                    p.account_id,
                    p.email
                ],
                row,
            )
            .optional()?,
        None => None,
    };
    if let Some(t) = twin {
        tx.commit()?;
        return Ok(t);
    }
    tx.prepare_cached(
        "INSERT INTO payments(contract_id, account_id, purpose, amount_kop, email, status, provider,
            idempotency_key, return_token, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        p.contract_id,
        p.account_id,
        p.purpose,
        p.amount_kop,
        p.email,
        p.provider,
        p.idempotency_key,
        p.return_token,
        p.now
    ])?;
    let id = tx.last_insert_rowid();
    let r = tx
        .prepare_cached(&format!("SELECT {COLS} FROM payments WHERE id = ?1"))?
        .query_row([id], row)?;
    tx.commit()?;
    Ok(r)
}

/// Records the provider's payment id and checkout link.
pub fn set_remote(c: &Connection, id: i64, remote: &Remote, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE payments SET provider_payment_id = ?2, confirmation_url = ?3, updated_at = ?4
         WHERE id = ?1 AND (provider_payment_id IS NULL OR provider_payment_id = ?2)",
    )?
    .execute(params![id, remote.id, remote.confirmation_url, now])?;
    Ok(())
}

pub fn by_return_token(c: &Connection, token: &str) -> rusqlite::Result<Option<PaymentRow>> {
    c.prepare_cached(&format!(
        "SELECT {COLS} FROM payments WHERE return_token = ?1"
    ))?
    .query_row([token], row)
    .optional()
}

pub fn by_id(c: &Connection, id: i64) -> rusqlite::Result<Option<PaymentRow>> {
    c.prepare_cached(&format!("SELECT {COLS} FROM payments WHERE id = ?1"))?
        .query_row([id], row)
        .optional()
}

/// Pending payments known to the provider and not updated for `older_than` seconds.
pub fn stuck_pending(
    c: &Connection,
    provider: &str,
    before: i64,
    limit: i64,
) -> rusqlite::Result<Vec<String>> {
    let mut s = c.prepare_cached(
        "SELECT provider_payment_id FROM payments
         WHERE status = 'pending' AND provider = ?1 AND provider_payment_id IS NOT NULL AND updated_at < ?2
         ORDER BY updated_at LIMIT ?3",
    )?;
    let v = s
        .query_map(params![provider, before, limit], |r| r.get(0))?
        .collect();
    v
}

pub fn touch(
    c: &Connection,
    provider: &str,
    provider_payment_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE payments SET updated_at = ?3 WHERE provider = ?1 AND provider_payment_id = ?2 AND status = 'pending'",
    )?
    .execute(params![provider, provider_payment_id, now])?;
    Ok(())
}

/// Payments the provider never heard of (the call failed) are canceled after a while.
pub fn cancel_never_sent(c: &Connection, before: i64, now: i64) -> rusqlite::Result<usize> {
    let n = c.execute(
        "UPDATE payments SET status = 'canceled', updated_at = ?2
         WHERE status = 'pending' AND provider_payment_id IS NULL AND created_at < ?1",
        params![before, now],
    )?;
    c.execute(
        "UPDATE autopay_attempts SET status = 'declined', updated_at = ?1
         WHERE status = 'pending' AND payment_id IN (SELECT id FROM payments WHERE status = 'canceled')",
        [now],
    )?;
    Ok(n)
}

/// The provider refused to create the payment (e.g. a saved card it no longer accepts): the
/// payment is canceled, and an autopay charge counts as declined.
pub fn refused(c: &mut Connection, id: i64, ctx: &ApplyCtx) -> rusqlite::Result<bool> {
    let tx = super::begin_write(c)?;
    let p = tx
        .prepare_cached(&format!("SELECT {COLS} FROM payments WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?;
    let moved = tx.execute(
        "UPDATE payments SET status = 'canceled', updated_at = ?2
         WHERE id = ?1 AND status = 'pending' AND provider_payment_id IS NULL",
        params![id, ctx.now],
    )?;
    if moved == 1 {
        if let Some(p) = p.filter(|p| p.purpose == "autopay") {
            super::autopay::declined(&tx, p.id, p.contract_id, ctx)?;
        }
    }
    tx.commit()?;
    Ok(moved == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The balance was credited (once).
    Credited {
        payment_id: i64,
        contract_id: i64,
    },
    Canceled {
        payment_id: i64,
    },
    /// This event was processed before.
    Duplicate,
    /// The provider still has it pending.
    StillPending,
    /// Not ours, or it does not match what we stored: nothing changed.
    Unknown,
    /// A valid event that changes nothing (e.g. «canceled» after «succeeded»).
    Ignored,
}

pub struct ApplyCtx<'a> {
    pub tz: &'a jiff::tz::TimeZone,
    pub currency: &'a str,
    pub max_declines: i64,
    pub now: i64,
}

fn description(purpose: &str) -> &'static str {
    match purpose {
        "autopay" => "Автоплатеж",
        _ => "Пополнение баланса",
    }
}

/// Settles a payment from the provider's (fetched, trusted) view. One transaction: the event
/// row (unique), the status move out of pending, the ledger entry with the contract balance,
/// the receipt e-mail, and the autopay bookkeeping.
pub fn apply(
    c: &mut Connection,
    provider: &str,
    r: &Remote,
    ctx: &ApplyCtx,
) -> rusqlite::Result<Applied> {
    if r.status == RemoteStatus::Pending {
        return Ok(Applied::StillPending);
    }
    let tx = super::begin_write(c)?;
    let out = apply_in(&tx, provider, r, ctx)?;
    tx.commit()?;
    Ok(out)
}

/// [`apply`] inside the caller's write transaction (the writer's, `Db::write`). Everything it
/// writes belongs to the payment's contract (see `db::fresh::scoped`).
pub fn apply_in(
    tx: &Connection,
    provider: &str,
    r: &Remote,
    ctx: &ApplyCtx,
) -> rusqlite::Result<Applied> {
    if r.status == RemoteStatus::Pending {
        return Ok(Applied::StillPending);
    }
    let Some(p) = tx
        .prepare_cached(&format!(
            "SELECT {COLS} FROM payments WHERE provider = ?1 AND provider_payment_id = ?2"
        ))?
        .query_row([provider, &r.id], row)
        .optional()?
    else {
        return Ok(Applied::Unknown);
    };
    if p.amount_kop != r.amount_kop {
        tracing::warn!(
            payment = p.id,
            "provider amount differs from ours; not settled"
        );
        return Ok(Applied::Unknown);
    }
    super::fresh::scoped(tx, &[super::fresh::Scope::Money(p.contract_id)], || {
        let event_id = format!("{}:{}", r.id, r.status.as_str());
        let fresh = tx
            .prepare_cached(
                "INSERT INTO payment_events(provider, event_id, payment_id, kind, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(provider, event_id) DO NOTHING",
            )?
            .execute(params![
                provider,
                event_id,
                p.id,
                format!("payment.{}", r.status.as_str()),
                ctx.now
            ])?;
        if fresh == 0 {
            return Ok(Applied::Duplicate);
        }
        let moved = tx
            .prepare_cached(
                "UPDATE payments SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'pending'",
            )?
            .execute(params![p.id, r.status.as_str(), ctx.now])?;
        if moved == 0 {
            return Ok(Applied::Ignored);
        }
        Ok(match r.status {
            RemoteStatus::Succeeded => {
                credit(tx, &p, r, ctx)?;
                Applied::Credited {
                    payment_id: p.id,
                    contract_id: p.contract_id,
                }
            }
            _ => {
                if p.purpose == "autopay" {
                    super::autopay::declined(tx, p.id, p.contract_id, ctx)?;
                }
                Applied::Canceled { payment_id: p.id }
            }
        })
    })
}

fn credit(tx: &Connection, p: &PaymentRow, r: &Remote, ctx: &ApplyCtx) -> rusqlite::Result<()> {
    let (number, balance): (String, i64) = tx
        .prepare_cached(
            "UPDATE contracts SET balance_kop = balance_kop + ?2 WHERE id = ?1 RETURNING number, balance_kop",
        )?
        .query_row(params![p.contract_id, p.amount_kop], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    tx.prepare_cached(
        "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
         VALUES (?1, 'payment', ?2, ?3, ?4, ?5, ?6, ?5)",
    )?
    .execute(params![
        p.contract_id,
        description(&p.purpose),
        p.amount_kop,
        balance,
        ctx.now,
        format!("payment:{}", p.id)
    ])?;
    if let Some(email) = &p.email {
        let amount = money::format(p.amount_kop, ctx.currency);
        let when = time::datetime(ctx.now, ctx.tz);
        super::outbox::queue_email(
            tx,
            email,
            &format!("Оплата по договору № {number}"),
            &format!(
                "Здравствуйте!\n\nПлатеж на сумму {amount} по договору № {number} зачислен {when}.\n\
                 Номер платежа: {}.\n\nКассовый чек по 54-ФЗ отправит платежная система на этот адрес.\n\
                 Спасибо, что вы с нами!\n",
                p.id
            ),
            ctx.now,
        )?;
    }
    match p.purpose.as_str() {
        "autopay_setup" => super::autopay::saved(tx, p.contract_id, r.method.as_ref(), ctx.now)?,
        "autopay" => super::autopay::charged(tx, p.id, p.contract_id, ctx.now)?,
        _ => {}
    }
    Ok(())
}

/// The e-mail the contract paid with last time.
pub fn last_email(c: &Connection, contract_id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached(
        "SELECT email FROM payments WHERE contract_id = ?1 AND email IS NOT NULL ORDER BY id DESC LIMIT 1",
    )?
    .query_row([contract_id], |r| r.get(0))
    .optional()
}

/// Is there a payment of ours with this provider id? (Checked before a notification makes us
/// call the provider: a forged notification with a random id costs one indexed lookup.)
pub fn known_remote(
    c: &Connection,
    provider: &str,
    provider_payment_id: &str,
) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT 1 FROM payments WHERE provider = ?1 AND provider_payment_id = ?2")?
        .exists([provider, provider_payment_id])
}
