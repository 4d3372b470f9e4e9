//! Balance history, one calendar month (in the operator's zone) at a time.
pub use crate::domain::ledger::{Entry, Month};
use jiff::{civil::Date, tz::TimeZone, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};

fn month_start(year: i16, month: i8, tz: &TimeZone) -> i64 {
    Date::new(year, month, 1)
        .ok()
        .and_then(|d| d.to_zoned(tz.clone()).ok())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

/// The newest month with entries strictly before `before` (unix seconds), or None.
/// Three indexed lookups on (contract_id, occurred_at): cost does not grow with history length.
pub fn month_before(
    c: &Connection,
    contract_id: i64,
    before: i64,
    tz: &TimeZone,
) -> rusqlite::Result<Option<Month>> {
    let newest: Option<i64> = c
        .prepare_cached(
            "SELECT occurred_at FROM ledger_entries WHERE contract_id = ?1 AND occurred_at < ?2
             ORDER BY occurred_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![contract_id, before], |r| r.get(0))
        .optional()?;
    let Some(newest) = newest else {
        return Ok(None);
    };
    let z = Timestamp::from_second(newest)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone());
    let (year, month) = (z.year(), z.month());
    let start = month_start(year, month, tz);
    let mut s = c.prepare_cached(
        "SELECT description, amount_kop, occurred_at FROM ledger_entries
         WHERE contract_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3
         ORDER BY occurred_at DESC, id DESC",
    )?;
    let entries = s
        .query_map(params![contract_id, start, before], |r| {
            Ok(Entry {
                description: r.get(0)?,
                amount_kop: r.get(1)?,
                occurred_at: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let opening: Option<i64> = c
        .prepare_cached(
            "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = ?1 AND occurred_at < ?2
             ORDER BY occurred_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![contract_id, start], |r| r.get(0))
        .optional()?;
    Ok(Some(Month {
        year,
        month,
        entries,
        opening_kop: opening.unwrap_or(0),
        older: opening.map(|_| start),
    }))
}

/// The balance just before `at` (unix seconds): the running balance of the last entry dated
/// earlier — the rule «На начало месяца» uses, for any instant («Акт сверки»).
pub fn balance_before(c: &Connection, contract_id: i64, at: i64) -> rusqlite::Result<i64> {
    Ok(c.prepare_cached(
        "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = ?1 AND occurred_at < ?2
             ORDER BY occurred_at DESC, id DESC LIMIT 1",
    )?
    .query_row(params![contract_id, at], |r| r.get(0))
    .optional()?
    .unwrap_or(0))
}

/// A ledger entry with its kind, oldest first (for documents).
#[derive(Debug, Clone)]
pub struct KindEntry {
    pub kind: String,
    pub description: String,
    pub amount_kop: i64,
    pub occurred_at: i64,
}

/// Entries with `start <= occurred_at < end`, oldest first (the order «История баланса» shows
/// them in, reversed).
pub fn entries_between(
    c: &Connection,
    contract_id: i64,
    start: i64,
    end: i64,
) -> rusqlite::Result<Vec<KindEntry>> {
    let mut s = c.prepare_cached(
        "SELECT kind, description, amount_kop, occurred_at FROM ledger_entries
         WHERE contract_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3
         ORDER BY occurred_at, id",
    )?;
    let rows = s.query_map(params![contract_id, start, end], |r| {
        Ok(KindEntry {
            kind: r.get(0)?,
            description: r.get(1)?,
            amount_kop: r.get(2)?,
            occurred_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// The first entry of this amount on or after `since` (the demo links an invoice to it).
pub fn first_of_amount(
    c: &Connection,
    contract_id: i64,
    amount_kop: i64,
    since: i64,
) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT id FROM ledger_entries WHERE contract_id = ?1 AND amount_kop = ?2
         AND occurred_at >= ?3 ORDER BY occurred_at, id LIMIT 1",
        rusqlite::params![contract_id, amount_kop, since],
        |r| r.get(0),
    )
}
