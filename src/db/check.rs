//! `kabinet check`: is this file a sound kabinet database?
use rusqlite::Connection;

use super::migrate;

/// What a check found. `problems` empty means the database is sound.
#[derive(Debug, Default)]
pub struct Report {
    pub version: i64,
    pub contracts: i64,
    pub ledger_entries: i64,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

const MAX_LISTED: usize = 20;

/// Runs `integrity_check`, `foreign_key_check`, the schema version and the balance of every
/// contract against its ledger. Only an error opening or reading the file is an `Err`.
pub fn run(c: &Connection) -> rusqlite::Result<Report> {
    let mut r = Report {
        version: migrate::version(c)?,
        ..Report::default()
    };
    let mut integrity = Vec::new();
    let mut st = c.prepare("PRAGMA integrity_check")?;
    let mut rows = st.query([])?;
    while let Some(row) = rows.next()? {
        let line: String = row.get(0)?;
        if line != "ok" && integrity.len() < MAX_LISTED {
            integrity.push(format!("integrity: {line}"));
        }
    }
    drop(rows);
    drop(st);
    let corrupt = !integrity.is_empty();
    r.problems.extend(integrity);
    if r.version == 0 || r.version > migrate::VERSION {
        r.problems.push(format!(
            "schema version {} (this kabinet knows 1..={})",
            r.version,
            migrate::VERSION
        ));
        return Ok(r);
    }
    if r.version < migrate::VERSION {
        r.notes.push(format!(
            "schema version {} is older than {}; the server migrates it at start",
            r.version,
            migrate::VERSION
        ));
    }
    if corrupt {
        return Ok(r);
    }
    let mut st = c.prepare("PRAGMA foreign_key_check")?;
    let fks = st
        .query_map([], |row| {
            Ok(format!(
                "foreign key: {} row {} points to a missing {}",
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?.unwrap_or(0),
                row.get::<_, String>(2)?
            ))
        })?
        .take(MAX_LISTED)
        .collect::<rusqlite::Result<Vec<_>>>()?;
    r.problems.extend(fks);
    let mut st = c.prepare(
        "SELECT c.number, c.balance_kop, COALESCE(SUM(l.amount_kop), 0) AS ledger
         FROM contracts c LEFT JOIN ledger_entries l ON l.contract_id = c.id
         GROUP BY c.id HAVING c.balance_kop <> ledger ORDER BY c.id",
    )?;
    let balances = st
        .query_map([], |row| {
            Ok(format!(
                "balance: contract {} holds {} kop, its ledger sums to {} kop",
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?
            ))
        })?
        .take(MAX_LISTED)
        .collect::<rusqlite::Result<Vec<_>>>()?;
    r.problems.extend(balances);
    r.contracts = c.query_row("SELECT count(*) FROM contracts", [], |x| x.get(0))?;
    r.ledger_entries = c.query_row("SELECT count(*) FROM ledger_entries", [], |x| x.get(0))?;
    Ok(r)
}

/// The fast start-up check (`PRAGMA quick_check`): problems found, empty when sound.
pub fn quick(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare("PRAGMA quick_check(5)")?;
    let lines = st
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(lines.into_iter().filter(|l| l != "ok").collect())
}
