//! `EXPLAIN QUERY PLAN` of the hot paths: no full scan of a table that grows with contracts,
//! ledger entries, requests or messages (issue 17: 100 000 contracts, 10 000 000 entries).
//! The statements are the db layer's (the staff lookup's is its constant; the others are
//! copied here from the function named beside each — keep them in step).
use crate::common::*;
use kabinet::db::{contracts::SUMMARY_COLS, staff_contracts::SEARCH_SQL};

/// The plan's lines (the detail column).
fn plan(app: &TestApp, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Vec<String> {
    let c = app.db();
    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    st.query_map(params, |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// (name, SQL, parameters, plan lines allowed to scan)
type Case<'a> = (&'a str, String, Vec<&'a dyn rusqlite::ToSql>, &'a [&'a str]);

/// Tables whose size grows with the customer base.
const BIG: &[&str] = &[
    "contracts",
    "organizations",
    "accounts",
    "account_contracts",
    "sessions",
    "ledger_entries",
    "services",
    "requests",
    "payments",
    "chat_conversations",
    "chat_messages",
    "documents",
];

fn assert_no_full_scan(name: &str, lines: &[String], allowed: &[&str]) {
    for l in lines {
        let scan = l.starts_with("SCAN ") && !l.contains("VIRTUAL TABLE");
        if !scan || allowed.iter().any(|a| l.starts_with(a)) {
            continue;
        }
        let table = l["SCAN ".len()..].split_whitespace().next().unwrap_or("");
        // `SCAN c` names an alias: judge by what the line scans, which is a big table here
        // unless it is a subquery or a CTE.
        assert!(
            !(BIG.contains(&table) || table.len() <= 3),
            "{name}: full scan `{l}` in\n{}",
            lines.join("\n")
        );
    }
}

#[tokio::test]
async fn hot_paths_use_indexes_not_full_scans() {
    let app = TestApp::new().await;
    // No ANALYZE: the demo tables are tiny, and the planner without statistics assumes large ones.
    const TOKEN: [u8; 32] = [7; 32];
    let cases: Vec<Case> = vec![
        (
            // db::sessions::with_current_contract — every subscriber request
            "session lookup",
            format!(
                "SELECT s.id, s.account_id, s.staff_id, s.created_at, s.last_seen_at, {SUMMARY_COLS}
                 FROM sessions s
                 JOIN accounts a ON a.id = s.account_id
                 LEFT JOIN account_contracts ac ON ac.account_id = a.id AND ac.contract_id = a.current_contract_id
                 LEFT JOIN contracts c ON c.id = ac.contract_id
                 LEFT JOIN organizations o ON o.id = c.organization_id
                 WHERE s.token_hash = ?1"
            ),
            vec![&TOKEN],
            &[],
        ),
        (
            // db::staff_contracts::search — the staff lookup; the LIKE branch (c3) runs only
            // for queries of one or two letters (?3 = ''), which trigrams cannot serve.
            "staff lookup",
            SEARCH_SQL.to_owned(),
            vec![&"Ромашка", &"Ромашка%", &"\"Ромашка\"", &"%Ромашка%", &"%ромашка%", &"%Ромашка%", &""],
            &["SCAN c3"],
        ),
        (
            // db::ledger::month_before — «История баланса»
            "balance history",
            "SELECT occurred_at FROM ledger_entries WHERE contract_id = ?1 AND occurred_at < ?2
             ORDER BY occurred_at DESC, id DESC LIMIT 1"
                .into(),
            vec![&1i64, &2_000_000_000i64],
            &[],
        ),
        (
            // db::requests::list — main page and the requests block
            "requests of a contract",
            "SELECT id, kind, title, status, created_at FROM requests WHERE contract_id = ?1
             ORDER BY created_at DESC, id DESC LIMIT 20"
                .into(),
            vec![&1i64],
            &[],
        ),
        (
            // db::account_links::list — «Список договоров»
            "contract list",
            "SELECT k.id, k.number, k.address, ac.note, (k.id IS a.contract_id)
             FROM account_contracts ac
             JOIN contracts k ON k.id = ac.contract_id
             JOIN accounts a ON a.id = ac.account_id
             WHERE ac.account_id = ?1
             ORDER BY (k.id IS a.contract_id) DESC, ac.added_at, k.id"
                .into(),
            vec![&1i64],
            &[],
        ),
        (
            // db::payments::known_remote — every gateway notification
            "payment notification",
            "SELECT 1 FROM payments WHERE provider = ?1 AND provider_payment_id = ?2".into(),
            vec![&"sandbox", &"x"],
            &[],
        ),
        (
            // db::autopay::due — the autopay job: walks the autopay table (one row per
            // contract that enabled autopay), contracts and services by key.
            "autopay due",
            "SELECT a.contract_id, MIN(s.paid_until), SUM(s.price_kop) - c.balance_kop, a.payment_method_id, a.email
             FROM autopay a
             JOIN contracts c ON c.id = a.contract_id
             JOIN services s ON s.contract_id = a.contract_id
             WHERE a.enabled = 1 AND a.payment_method_id IS NOT NULL AND c.status <> 'closed'
               AND s.status IN ('active', 'blocked_debt') AND s.paid_until IS NOT NULL AND s.paid_until <= ?1
             GROUP BY a.contract_id"
                .into(),
            vec![&"2026-12-01"],
            &["SCAN a"],
        ),
        (
            // db::backoffice::requests — the staff requests list (open ones by default); the
            // status index bounds it by the open requests, then sorts those.
            "staff requests list",
            "SELECT r.id, k.id, k.number, COALESCE(o.name, ''), r.title, r.status, r.created_at
             FROM requests r JOIN contracts k ON k.id = r.contract_id
             LEFT JOIN organizations o ON o.id = k.organization_id
             WHERE r.status IN (?1, ?2, ?3, ?4)
               AND (k.number LIKE ?5 ESCAPE '\\' OR o.name LIKE ?5 ESCAPE '\\' OR r.title LIKE ?5 ESCAPE '\\')
             ORDER BY r.created_at, r.id LIMIT 300"
                .into(),
            vec![&"new", &"in_progress", &"", &"", &"%%"],
            &[],
        ),
        (
            // db::billing_export::page — the change feed's cursor (requests; payments and
            // applications have the same index)
            "export cursor",
            "SELECT r.id FROM requests r WHERE (r.updated_at, r.id) > (?1, ?2) AND r.updated_at <= ?3
             ORDER BY r.updated_at, r.id LIMIT 500"
                .into(),
            vec![&0i64, &0i64, &2_000_000_000i64],
            &[],
        ),
        (
            // db::documents::closing_due — the closing job's next chunk: contracts by key,
            // each checked by two index lookups, never a scan of the ledger.
            "closing job chunk",
            kabinet::db::documents::CLOSING_DUE_SQL.into(),
            vec![&0i64, &"2026-11", &0i64, &2_000_000_000i64, &50i64],
            &[],
        ),
    ];
    for (name, sql, params, allowed) in cases {
        let lines = plan(&app, &sql, &params);
        assert_no_full_scan(name, &lines, allowed);
    }
    // The trigram index answers substring queries in any case (SQLite's LIKE folds ASCII only).
    let found = kabinet::db::staff_contracts::search(&app.db(), "ОКТЯБРЯ").unwrap();
    assert!(found.iter().any(|f| f.number == DEMO_CONTRACT), "{found:?}");
}
