//! `kabinet import contracts|services|ledger FILE.csv`: the billing system's data from CSV,
//! through the same validation and database functions as the JSON API. One transaction per
//! file: every row is stored, or (on any error) none, and the errors are listed by line.
//!
//! The first line names the columns (any order; `,` or `;` separated, UTF-8). Columns:
//! - contracts: number, organization_name, organization_inn, address, segment, status,
//!   recommended_payment_kop, password (organization_*, password may be empty); optional
//!   requisites for documents: organization_kpp, organization_ogrn, organization_legal_address,
//!   documents_email
//! - services: contract, kind, name, tariff_name, price_kop, period, status, paid_until,
//!   speed_mbps, static_ip, equipment, channel_package, channel_count (each contract in the
//!   file gets exactly the listed services; internet columns only for kind internet, tv ones
//!   only for kind tv)
//! - ledger: contract, external_id, kind, description, amount_kop, occurred_at
mod rows;

use std::collections::{BTreeMap, HashMap};

use crate::{
    app::billing as app_billing,
    db::{self, billing},
    domain::billing::ServiceIn,
};
use rows::{contract_row, ledger_row, line_error, read_rows, requisites_row, service_row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Contracts,
    Services,
    Ledger,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "contracts" => Some(Kind::Contracts),
            "services" => Some(Kind::Services),
            "ledger" => Some(Kind::Ledger),
            _ => None,
        }
    }

    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Contracts => (
                &[
                    "number",
                    "address",
                    "segment",
                    "status",
                    "recommended_payment_kop",
                ],
                &[
                    "organization_name",
                    "organization_inn",
                    "password",
                    "organization_kpp",
                    "organization_ogrn",
                    "organization_legal_address",
                    "documents_email",
                ],
            ),
            Kind::Services => (
                &[
                    "contract",
                    "kind",
                    "name",
                    "tariff_name",
                    "price_kop",
                    "status",
                ],
                &[
                    "period",
                    "paid_until",
                    "speed_mbps",
                    "static_ip",
                    "equipment",
                    "channel_package",
                    "channel_count",
                ],
            ),
            Kind::Ledger => (
                &[
                    "contract",
                    "external_id",
                    "kind",
                    "amount_kop",
                    "occurred_at",
                ],
                &["description"],
            ),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Contracts => "contracts",
            Kind::Services => "services",
            Kind::Ledger => "ledger",
        }
    }
}

/// What an import stored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub duplicates: usize,
}

/// Parses and checks every row (collecting all errors), then stores them in one transaction.
/// The error messages quote the file (column names, numbers, ids): control characters in them
/// (escape sequences, newlines, NUL, bidi overrides) come out as visible escapes, so a crafted
/// file cannot drive the operator's terminal or forge lines of the output.
pub fn import(c: &mut db::Conn, kind: Kind, data: &[u8], now: i64) -> Result<Summary, Vec<String>> {
    import_rows(c, kind, data, now).map_err(|errors| {
        errors
            .iter()
            .map(|e| crate::net::logsafe::Esc(e).to_string())
            .collect()
    })
}

fn import_rows(
    c: &mut db::Conn,
    kind: Kind,
    data: &[u8],
    now: i64,
) -> Result<Summary, Vec<String>> {
    let (rows, mut errors) = read_rows(kind, data)?;
    let mut summary = Summary {
        rows: rows.len(),
        ..Summary::default()
    };
    let db_err = |e: db::SqlError| vec![format!("ошибка базы данных: {e}")];
    // Passwords of new contracts are hashed before the write transaction starts: argon2 for
    // many rows inside it would hold the database's write lock against the running server.
    let mut hashes = HashMap::new();
    if kind == Kind::Contracts && errors.is_empty() {
        let parsed: Vec<_> = rows.iter().filter_map(|r| contract_row(r).ok()).collect();
        if parsed.len() == rows.len() {
            for ci in parsed {
                if let Some(p) = &ci.password {
                    if app_billing::is_new_contract(c, &ci.number).map_err(db_err)? {
                        hashes.insert(ci.number.clone(), crate::auth::password::hash_now(p));
                    }
                }
            }
        }
    }
    let tx = db::begin_write(c).map_err(db_err)?;
    match kind {
        Kind::Contracts => {
            let mut seen = HashMap::new();
            let mut parsed = Vec::new();
            for r in &rows {
                match contract_row(r).and_then(|ci| Ok((ci, requisites_row(r)?))) {
                    Ok((ci, req)) => {
                        if let Some(first) = seen.insert(ci.number.clone(), r.line) {
                            errors.push(format!(
                                "строка {}: number: договор {} уже есть в строке {first}",
                                r.line, ci.number
                            ));
                        }
                        parsed.push((r.line, ci, req));
                    }
                    Err(e) => errors.push(line_error(r.line, &e)),
                }
            }
            if errors.is_empty() {
                for (line, ci, req) in &parsed {
                    let hash = hashes.get(&ci.number).map(String::as_str);
                    let id = match billing::upsert_contract(&tx, ci, hash, now) {
                        Ok((id, true)) => {
                            summary.created += 1;
                            id
                        }
                        Ok((id, false)) => {
                            summary.updated += 1;
                            id
                        }
                        Err(e) => {
                            errors.push(format!("строка {line}: {e}"));
                            continue;
                        }
                    };
                    if let Err(e) = rows::store_requisites(&tx, id, req) {
                        errors.push(format!("строка {line}: {e}"));
                    }
                }
            }
        }
        Kind::Services => {
            let mut by_contract: BTreeMap<String, (u64, Vec<ServiceIn>)> = BTreeMap::new();
            for r in &rows {
                match service_row(r) {
                    Ok((number, s)) => by_contract
                        .entry(number)
                        .or_insert((r.line, Vec::new()))
                        .1
                        .push(s),
                    Err(e) => errors.push(line_error(r.line, &e)),
                }
            }
            if errors.is_empty() {
                for (number, (line, list)) in &by_contract {
                    match billing::contract_id(&tx, number) {
                        Ok(Some(id)) => match billing::replace_services(&tx, id, list) {
                            // a contract's list replaced counts as one update
                            Ok(()) => summary.updated += 1,
                            Err(e) => errors.push(format!("строка {line}: {e}")),
                        },
                        Ok(None) => errors.push(format!(
                            "строка {line}: contract: договор {number} не найден"
                        )),
                        Err(e) => errors.push(format!("строка {line}: {e}")),
                    }
                }
            }
        }
        Kind::Ledger => {
            let mut seen = HashMap::new();
            let mut parsed = Vec::new();
            for r in &rows {
                match ledger_row(r, now) {
                    Ok(e) => {
                        if let Some(first) = seen.insert(e.external_id.clone(), r.line) {
                            errors.push(format!(
                                "строка {}: external_id: «{}» уже есть в строке {first}",
                                r.line, e.external_id
                            ));
                        }
                        parsed.push((r.line, e));
                    }
                    Err(e) => errors.push(line_error(r.line, &e)),
                }
            }
            if errors.is_empty() {
                for (line, e) in &parsed {
                    match billing::ledger_entry(&tx, e, "", now) {
                        Ok(o) if o.result == "created" => summary.created += 1,
                        Ok(_) => summary.duplicates += 1,
                        Err(err) => errors.push(format!("строка {line}: {err}")),
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        // by line; dropping `tx` rolls back every row
        errors.sort_by_key(|e| {
            e.strip_prefix("строка ")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        });
        return Err(errors);
    }
    let details = format!(
        "{} rows: {} created, {} updated, {} duplicate",
        summary.rows, summary.created, summary.updated, summary.duplicates
    );
    db::audit::system(
        &tx,
        &format!("import.{}", kind.name()),
        "",
        &details,
        "",
        now,
    )
    .map_err(db_err)?;
    // A server running on this file drops its cached pages at once (see `db::fresh`).
    db::note_external_write(&tx).map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(summary)
}
