//! Contract lookup for the staff console: search, and one contract with everything support
//! needs on the phone (services, requests, money, who has access).
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    autopay,
    contracts::{summary_from_row, SUMMARY_COLS},
    like_escape, requests, services,
};
pub use crate::domain::staff_contracts::{
    Card, Found, Holder, LedgerLine, PaymentLine, SEARCH_LIMIT,
};

/// SQLite's LIKE folds ASCII case only, so Cyrillic text is tried as typed, in lower case and
/// capitalised («ромашка» finds «ООО Ромашка»).
fn variants(q: &str) -> [String; 3] {
    let lower = q.to_lowercase();
    let mut chars = lower.chars();
    let capital = match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    [q.to_owned(), lower, capital]
}

/// Contracts matching `q`: by number (prefix), organization name, INN, address (substring), or
/// the phone of an account that holds it. An empty query lists the first contracts by number.
///
/// Each way is an indexed lookup (the number's unique index, `organizations_by_inn`, the
/// `contract_search` trigram index, the accounts' phone index), so the lookup stays fast at
/// 100 000 contracts; a query of one or two letters (too short for trigrams) falls back to
/// scanning names and addresses.
pub fn search(c: &Connection, q: &str) -> rusqlite::Result<Vec<Found>> {
    let q = crate::domain::validate::search_text(q, 100);
    let q = q.as_str();
    let phone = crate::domain::outbox::normalize_phone(q).unwrap_or_default();
    let row = |r: &rusqlite::Row| {
        Ok(Found {
            number: r.get(0)?,
            org_name: r.get(1)?,
            address: r.get(2)?,
            balance_kop: r.get(3)?,
            status: r.get(4)?,
        })
    };
    debug_assert_eq!(SEARCH_LIMIT, 50);
    if q.is_empty() {
        let mut st = c.prepare_cached(
            "SELECT c.number, COALESCE(o.name, ''), c.address, c.balance_kop, c.status
             FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id
             ORDER BY c.number LIMIT 50",
        )?;
        let rows = st.query_map([], row)?;
        return rows.collect();
    }
    let text = if q.chars().count() >= 3 {
        // An FTS5 phrase: the query as a substring, quotes doubled.
        format!("\"{}\"", q.replace('"', "\"\""))
    } else {
        String::new()
    };
    let [a, b, d] = variants(q).map(|v| format!("%{}%", like_escape(&v)));
    let mut st = c.prepare_cached(SEARCH_SQL)?;
    let rows = st.query_map(
        params![q, format!("{}%", like_escape(q)), text, a, b, d, phone],
        row,
    )?;
    rows.collect()
}

/// The lookup of [`search`] for a non-empty query: ?1 the query, ?2 the number prefix pattern,
/// ?3 the FTS5 phrase ('' when too short), ?4–?6 the LIKE patterns of the fallback, ?7 the
/// phone. Public for the query-plan test (`tests/it/query_plans.rs`).
pub const SEARCH_SQL: &str = "SELECT c.number, COALESCE(o.name, ''), c.address, c.balance_kop, c.status
         FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id
         WHERE c.id IN (
            SELECT id FROM contracts WHERE number LIKE ?2 ESCAPE '\\'
            UNION ALL
            SELECT c2.id FROM organizations o2 JOIN contracts c2 ON c2.organization_id = o2.id
            WHERE o2.inn = ?1
            UNION ALL
            SELECT rowid FROM contract_search WHERE ?3 <> '' AND contract_search MATCH ?3
            UNION ALL
            SELECT c3.id FROM contracts c3 LEFT JOIN organizations o3 ON o3.id = c3.organization_id
            WHERE ?3 = '' AND (o3.name LIKE ?4 ESCAPE '\\' OR o3.name LIKE ?5 ESCAPE '\\'
                OR o3.name LIKE ?6 ESCAPE '\\' OR c3.address LIKE ?4 ESCAPE '\\'
                OR c3.address LIKE ?5 ESCAPE '\\' OR c3.address LIKE ?6 ESCAPE '\\')
            UNION ALL
            SELECT ac.contract_id FROM accounts acc JOIN account_contracts ac ON ac.account_id = acc.id
            WHERE ?7 <> '' AND acc.phone = ?7)
         ORDER BY c.number
         LIMIT 50";

/// Everything the contract page shows, or None for an unknown number.
pub fn card(c: &Connection, number: &str) -> rusqlite::Result<Option<Card>> {
    let found = c
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLS}, o.inn FROM contracts c
             LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.number = ?1"
        ))?
        .query_row([number], |r| Ok((summary_from_row(r, 0)?, r.get(9)?)))
        .optional()?;
    let Some((summary, inn)) = found else {
        return Ok(None);
    };
    let id = summary.id;
    let ledger = c
        .prepare_cached(
            "SELECT description, amount_kop, occurred_at FROM ledger_entries
             WHERE contract_id = ?1 ORDER BY occurred_at DESC, id DESC LIMIT 15",
        )?
        .query_map([id], |r| {
            Ok(LedgerLine {
                description: r.get(0)?,
                amount_kop: r.get(1)?,
                occurred_at: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let payments = c
        .prepare_cached(
            "SELECT id, purpose, amount_kop, status, provider, created_at FROM payments
             WHERE contract_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 10",
        )?
        .query_map([id], |r| {
            Ok(PaymentLine {
                id: r.get(0)?,
                purpose: r.get(1)?,
                amount_kop: r.get(2)?,
                status: r.get(3)?,
                provider: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let holders = c
        .prepare_cached(
            "SELECT a.kind, a.phone, COALESCE(ac.note, ''), COALESCE(ac.added_at, a.created_at),
                    (SELECT COUNT(*) FROM sessions s WHERE s.account_id = a.id), a.id,
                    CASE WHEN a.contract_id = ?1 THEN 'owner' ELSE COALESCE(ac.role, 'owner') END
             FROM accounts a
             LEFT JOIN account_contracts ac ON ac.account_id = a.id AND ac.contract_id = ?1
             WHERE a.contract_id = ?1 OR ac.contract_id IS NOT NULL
             ORDER BY a.kind = 'phone', ac.added_at",
        )?
        .query_map([id], |r| {
            let phone: Option<String> = r.get(1)?;
            Ok(Holder {
                account_id: r.get(5)?,
                role: r.get(6)?,
                phone_masked: phone.map(|p| crate::domain::outbox::mask_phone(&p)),
                note: r.get(2)?,
                added_at: r.get(3)?,
                sessions: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(Card {
        inn,
        services: services::list(c, id)?,
        requests: requests::list(c, id)?,
        ledger,
        payments,
        holders,
        autopay: autopay::get(c, id)?,
        summary,
    }))
}
