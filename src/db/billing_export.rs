//! What the billing system reads back: requests, applications and payments, in pages by
//! ascending id (`after_id` cursor).
use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

/// Unix seconds as RFC 3339 (UTC).
pub fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

fn json_text(s: String) -> Value {
    serde_json::from_str(&s).unwrap_or(Value::String(s))
}

fn page<F>(
    c: &Connection,
    sql: &str,
    after_id: i64,
    limit: i64,
    f: F,
) -> rusqlite::Result<Vec<Value>>
where
    F: FnMut(&Row) -> rusqlite::Result<Value>,
{
    let mut st = c.prepare_cached(sql)?;
    let rows = st.query_map(params![after_id, limit], f)?;
    rows.collect()
}

pub fn requests(c: &Connection, after_id: i64, limit: i64) -> rusqlite::Result<Vec<Value>> {
    page(
        c,
        "SELECT r.id, c.number, r.kind, r.title, r.status, r.fields_json, r.created_at, r.updated_at
         FROM requests r JOIN contracts c ON c.id = r.contract_id
         WHERE r.id > ?1 ORDER BY r.id LIMIT ?2",
        after_id,
        limit,
        |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "contract": r.get::<_, String>(1)?,
                "kind": r.get::<_, String>(2)?,
                "title": r.get::<_, String>(3)?,
                "status": r.get::<_, String>(4)?,
                "fields": json_text(r.get(5)?),
                "created_at": rfc3339(r.get(6)?),
                "updated_at": rfc3339(r.get(7)?),
            }))
        },
    )
}

pub fn applications(c: &Connection, after_id: i64, limit: i64) -> rusqlite::Result<Vec<Value>> {
    page(
        c,
        "SELECT a.id, a.kind, a.address, a.name, a.phone, a.email, a.details_json, c.number,
                a.consent_version, a.consent_at, a.status, a.staff_comment, a.created_at, a.updated_at
         FROM applications a LEFT JOIN contracts c ON c.id = a.referrer_contract_id
         WHERE a.id > ?1 ORDER BY a.id LIMIT ?2",
        after_id,
        limit,
        |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "kind": r.get::<_, String>(1)?,
                "address": r.get::<_, String>(2)?,
                "name": r.get::<_, String>(3)?,
                "phone": r.get::<_, String>(4)?,
                "email": r.get::<_, Option<String>>(5)?,
                "details": json_text(r.get(6)?),
                "referrer_contract": r.get::<_, Option<String>>(7)?,
                "consent_version": r.get::<_, String>(8)?,
                "consent_at": rfc3339(r.get(9)?),
                "status": r.get::<_, String>(10)?,
                "staff_comment": r.get::<_, String>(11)?,
                "created_at": rfc3339(r.get(12)?),
                "updated_at": rfc3339(r.get(13)?),
            }))
        },
    )
}

pub fn payments(c: &Connection, after_id: i64, limit: i64) -> rusqlite::Result<Vec<Value>> {
    page(
        c,
        "SELECT p.id, c.number, p.purpose, p.amount_kop, p.status, p.provider, p.provider_payment_id,
                p.idempotency_key, p.email, p.created_at, p.updated_at
         FROM payments p JOIN contracts c ON c.id = p.contract_id
         WHERE p.id > ?1 ORDER BY p.id LIMIT ?2",
        after_id,
        limit,
        |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "contract": r.get::<_, String>(1)?,
                "purpose": r.get::<_, String>(2)?,
                "amount_kop": r.get::<_, i64>(3)?,
                "status": r.get::<_, String>(4)?,
                "provider": r.get::<_, String>(5)?,
                "provider_payment_id": r.get::<_, Option<String>>(6)?,
                "idempotency_key": r.get::<_, String>(7)?,
                "email": r.get::<_, Option<String>>(8)?,
                "created_at": rfc3339(r.get(9)?),
                "updated_at": rfc3339(r.get(10)?),
            }))
        },
    )
}
