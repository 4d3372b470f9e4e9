//! What the billing system reads back: requests, applications and payments, in pages by
//! ascending id (`after_id`: new rows) or by (updated_at, id) (`changed_after`: every change,
//! e.g. a payment that went from pending to succeeded, a request that was done).
use rusqlite::{params, Connection, Row};
use serde::Serialize;
use serde_json::Value;

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

fn json_text(s: String) -> Value {
    serde_json::from_str(&s).unwrap_or(Value::String(s))
}

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    /// New rows: ids above this one, in id order.
    AfterId(i64),
    /// Every change: rows whose (updated_at, id) is above this pair, in that order. Rows changed
    /// in the last `SETTLE_SECS` seconds wait for the next poll, so a row updated in the same
    /// second as the cursor (or by a transaction still committing) is never skipped.
    Changed { at: i64, id: i64, now: i64 },
}

/// See [`Cursor::Changed`].
pub const SETTLE_SECS: i64 = 2;

/// One exported row: its (updated_at, id), for the change cursor, and the row.
pub type Item<T> = (i64, i64, T);

/// A request filed by a subscriber (`GET /api/v1/requests`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestItem {
    pub id: i64,
    pub contract: String,
    pub kind: String,
    pub title: String,
    /// new, in_progress, done or rejected.
    pub status: String,
    /// The form's fields as the subscriber filled them.
    #[schema(value_type = Object)]
    pub fields: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A connection application from the join form or wizard (`GET /api/v1/applications`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationItem {
    pub id: i64,
    pub kind: String,
    pub address: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    #[schema(value_type = Object)]
    pub details: Value,
    /// The contract whose referral link brought it.
    pub referrer_contract: Option<String>,
    pub consent_version: String,
    #[schema(format = DateTime)]
    pub consent_at: String,
    pub status: String,
    pub staff_comment: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A payment made in the portal (`GET /api/v1/payments`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentItem {
    pub id: i64,
    pub contract: String,
    /// balance, autopay_setup or autopay.
    pub purpose: String,
    pub amount_kop: i64,
    /// pending, succeeded, canceled or failed.
    pub status: String,
    pub provider: String,
    /// A sandbox test payment: never real money.
    pub test: bool,
    pub provider_payment_id: Option<String>,
    pub idempotency_key: String,
    pub email: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

pub(super) fn page<T, F>(
    c: &Connection,
    select: &str,
    alias: &str,
    updated_col: usize,
    cur: Cursor,
    limit: i64,
    mut f: F,
) -> rusqlite::Result<Vec<Item<T>>>
where
    F: FnMut(&Row) -> rusqlite::Result<T>,
{
    let mut map = |r: &Row| Ok((r.get(updated_col)?, r.get(0)?, f(r)?));
    match cur {
        Cursor::AfterId(after) => {
            let sql = format!("{select} WHERE {alias}.id > ?1 ORDER BY {alias}.id LIMIT ?2");
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![after, limit], &mut map)?;
            rows.collect()
        }
        Cursor::Changed { at, id, now } => {
            let sql = format!(
                "{select} WHERE ({alias}.updated_at, {alias}.id) > (?1, ?2) AND {alias}.updated_at <= ?3
                 ORDER BY {alias}.updated_at, {alias}.id LIMIT ?4"
            );
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![at, id, now - SETTLE_SECS, limit], &mut map)?;
            rows.collect()
        }
    }
}

pub fn requests(
    c: &Connection,
    cur: Cursor,
    limit: i64,
) -> rusqlite::Result<Vec<Item<RequestItem>>> {
    page(
        c,
        "SELECT r.id, c.number, r.kind, r.title, r.status, r.fields_json, r.created_at, r.updated_at
         FROM requests r JOIN contracts c ON c.id = r.contract_id",
        "r",
        7,
        cur,
        limit,
        |r| {
            Ok(RequestItem {
                id: r.get::<_, i64>(0)?,
                contract: r.get::<_, String>(1)?,
                kind: r.get::<_, String>(2)?,
                title: r.get::<_, String>(3)?,
                status: r.get::<_, String>(4)?,
                fields: json_text(r.get(5)?),
                created_at: rfc3339(r.get(6)?),
                updated_at: rfc3339(r.get(7)?),
            })
        },
    )
}

pub fn applications(
    c: &Connection,
    cur: Cursor,
    limit: i64,
) -> rusqlite::Result<Vec<Item<ApplicationItem>>> {
    page(
        c,
        "SELECT a.id, a.kind, a.address, a.name, a.phone, a.email, a.details_json, c.number,
                a.consent_version, a.consent_at, a.status, a.staff_comment, a.created_at, a.updated_at
         FROM applications a LEFT JOIN contracts c ON c.id = a.referrer_contract_id",
        "a",
        13,
        cur,
        limit,
        |r| {
            Ok(ApplicationItem {
                id: r.get::<_, i64>(0)?,
                kind: r.get::<_, String>(1)?,
                address: r.get::<_, String>(2)?,
                name: r.get::<_, String>(3)?,
                phone: r.get::<_, String>(4)?,
                email: r.get::<_, Option<String>>(5)?,
                details: json_text(r.get(6)?),
                referrer_contract: r.get::<_, Option<String>>(7)?,
                consent_version: r.get::<_, String>(8)?,
                consent_at: rfc3339(r.get(9)?),
                status: r.get::<_, String>(10)?,
                staff_comment: r.get::<_, String>(11)?,
                created_at: rfc3339(r.get(12)?),
                updated_at: rfc3339(r.get(13)?),
            })
        },
    )
}

use crate::domain::payment::TEST_PROVIDER;

/// Real payments only: what a billing system may count as money.
pub fn payments(
    c: &Connection,
    cur: Cursor,
    limit: i64,
) -> rusqlite::Result<Vec<Item<PaymentItem>>> {
    payments_where(c, cur, limit, false)
}

/// Real and test (sandbox) payments, each with `"test"`; asked for with `?include_test=true`.
pub fn payments_with_test(
    c: &Connection,
    cur: Cursor,
    limit: i64,
) -> rusqlite::Result<Vec<Item<PaymentItem>>> {
    payments_where(c, cur, limit, true)
}

fn payments_where(
    c: &Connection,
    cur: Cursor,
    limit: i64,
    include_test: bool,
) -> rusqlite::Result<Vec<Item<PaymentItem>>> {
    let from = if include_test {
        "payments p".to_owned()
    } else {
        format!("(SELECT * FROM payments WHERE provider <> '{TEST_PROVIDER}') p")
    };
    page(
        c,
        &format!(
            "SELECT p.id, c.number, p.purpose, p.amount_kop, p.status, p.provider, p.provider_payment_id,
                p.idempotency_key, p.email, p.created_at, p.updated_at
         FROM {from} JOIN contracts c ON c.id = p.contract_id"
        ),
        "p",
        10,
        cur,
        limit,
        |r| {
            Ok(PaymentItem {
                id: r.get::<_, i64>(0)?,
                contract: r.get::<_, String>(1)?,
                purpose: r.get::<_, String>(2)?,
                amount_kop: r.get::<_, i64>(3)?,
                status: r.get::<_, String>(4)?,
                provider: r.get::<_, String>(5)?,
                test: r.get::<_, String>(5)? == TEST_PROVIDER,
                provider_payment_id: r.get::<_, Option<String>>(6)?,
                idempotency_key: r.get::<_, String>(7)?,
                email: r.get::<_, Option<String>>(8)?,
                created_at: rfc3339(r.get(9)?),
                updated_at: rfc3339(r.get(10)?),
            })
        },
    )
}
