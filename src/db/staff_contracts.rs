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
pub fn search(c: &Connection, q: &str) -> rusqlite::Result<Vec<Found>> {
    let q = q.trim();
    let phone = crate::domain::outbox::normalize_phone(q).unwrap_or_default();
    let [a, b, d] = variants(q).map(|v| format!("%{}%", like_escape(&v)));
    let mut st = c.prepare_cached(
        "SELECT c.number, COALESCE(o.name, ''), c.address, c.balance_kop, c.status
         FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id
         WHERE ?1 = ''
            OR c.number LIKE ?2 ESCAPE '\\'
            OR o.inn = ?1
            OR o.name LIKE ?3 ESCAPE '\\' OR o.name LIKE ?4 ESCAPE '\\' OR o.name LIKE ?5 ESCAPE '\\'
            OR c.address LIKE ?3 ESCAPE '\\' OR c.address LIKE ?4 ESCAPE '\\' OR c.address LIKE ?5 ESCAPE '\\'
            OR (?6 <> '' AND c.id IN (SELECT ac.contract_id FROM account_contracts ac
                                      JOIN accounts acc ON acc.id = ac.account_id
                                      WHERE acc.phone = ?6))
         ORDER BY c.number
         LIMIT 50",
    )?;
    debug_assert_eq!(SEARCH_LIMIT, 50);
    let rows = st.query_map(
        params![q, format!("{}%", like_escape(q)), a, b, d, phone],
        |r| {
            Ok(Found {
                number: r.get(0)?,
                org_name: r.get(1)?,
                address: r.get(2)?,
                balance_kop: r.get(3)?,
                status: r.get(4)?,
            })
        },
    )?;
    rows.collect()
}

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
