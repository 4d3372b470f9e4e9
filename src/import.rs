//! `kabinet import contracts|services|ledger FILE.csv`: the billing system's data from CSV,
//! through the same validation and database functions as the JSON API. One transaction per
//! file: every row is stored, or (on any error) none, and the errors are listed by line.
//!
//! The first line names the columns (any order; `,` or `;` separated, UTF-8). Columns:
//! - contracts: number, organization_name, organization_inn, address, segment, status,
//!   recommended_payment_kop, password (organization_*, password may be empty)
//! - services: contract, kind, name, tariff_name, price_kop, period, status, paid_until,
//!   speed_mbps, static_ip, equipment, channel_package, channel_count (each contract in the
//!   file gets exactly the listed services; internet columns only for kind internet, tv ones
//!   only for kind tv)
//! - ledger: contract, external_id, kind, description, amount_kop, occurred_at
use rusqlite::{params, Connection, TransactionBehavior};
use std::collections::{BTreeMap, HashMap};

use crate::{
    db::billing,
    domain::billing::{
        contract_number, moment, ContractIn, InternetIn, Invalid, LedgerIn, OrgIn, ServiceIn, TvIn,
    },
};

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
                &["organization_name", "organization_inn", "password"],
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

    fn name(self) -> &'static str {
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

/// One CSV row: its line number and values by column name.
struct Row {
    line: u64,
    cells: HashMap<String, String>,
}

impl Row {
    fn get(&self, col: &str) -> &str {
        self.cells.get(col).map(|s| s.trim()).unwrap_or("")
    }
    fn opt(&self, col: &str) -> Option<String> {
        Some(self.get(col))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
    fn int(&self, col: &str) -> Result<i64, Invalid> {
        let v = self.get(col);
        v.parse::<i64>().map_err(|_| Invalid {
            field: col.to_owned(),
            message: if v.is_empty() {
                "Обязательное поле".into()
            } else {
                format!(
                    "Ожидается целое число (деньги — в копейках), а не «{}»",
                    v.chars().take(30).collect::<String>()
                )
            },
        })
    }
    fn int_opt(&self, col: &str) -> Result<Option<i64>, Invalid> {
        if self.get(col).is_empty() {
            Ok(None)
        } else {
            self.int(col).map(Some)
        }
    }
}

fn line_error(line: u64, e: &Invalid) -> String {
    format!("строка {line}: {}: {}", e.field, e.message)
}

/// The data rows and the errors of unreadable ones; a bad header is an error of its own.
fn read_rows(kind: Kind, data: &[u8]) -> Result<(Vec<Row>, Vec<String>), Vec<String>> {
    let first = data.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let delimiter = if first.contains(&b';') && !first.contains(&b',') {
        b';'
    } else {
        b','
    };
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(data);
    let headers: Vec<String> = match rd.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(e) => {
            return Err(vec![format!(
                "строка 1: не удалось прочитать заголовок: {e}"
            )])
        }
    };
    let (required, optional) = kind.columns();
    let mut errors = Vec::new();
    for h in &headers {
        if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
            errors.push(format!(
                "строка 1: неизвестная колонка «{h}»; для {} допустимы: {}, {}",
                kind.name(),
                required.join(", "),
                optional.join(", ")
            ));
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            errors.push(format!("строка 1: нет обязательной колонки «{r}»"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for rec in rd.records() {
        match rec {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let cells = headers
                    .iter()
                    .cloned()
                    .zip(rec.iter().map(str::to_owned))
                    .collect();
                rows.push(Row { line, cells });
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(format!("строка {line}: {e}"));
            }
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push("в файле нет ни одной строки данных".into());
    }
    Ok((rows, errors))
}

fn contract_row(r: &Row) -> Result<ContractIn, Invalid> {
    let mut c = ContractIn {
        number: contract_number("number", r.get("number"))?,
        organization: r.opt("organization_name").map(|name| OrgIn {
            name,
            inn: r.opt("organization_inn"),
        }),
        address: r.get("address").to_owned(),
        segment: r.get("segment").to_owned(),
        status: r.get("status").to_owned(),
        recommended_payment_kop: r.int("recommended_payment_kop")?,
        password: r.opt("password"),
    };
    c.validate()?;
    Ok(c)
}

fn service_row(r: &Row) -> Result<(String, ServiceIn), Invalid> {
    let number = contract_number("contract", r.get("contract"))?;
    let kind = r.get("kind").to_owned();
    let internet = match r.int_opt("speed_mbps")? {
        Some(speed_mbps) => Some(InternetIn {
            speed_mbps,
            static_ip: r.opt("static_ip"),
            equipment: r.get("equipment").to_owned(),
        }),
        None if r.opt("static_ip").is_some() || r.opt("equipment").is_some() => {
            return Err(Invalid {
                field: "speed_mbps".into(),
                message: "Обязательно, если указаны static_ip или equipment".into(),
            })
        }
        None => None,
    };
    let tv = r
        .opt("channel_package")
        .map(|channel_package| -> Result<TvIn, Invalid> {
            Ok(TvIn {
                channel_package,
                channel_count: r.int_opt("channel_count")?.unwrap_or(0),
            })
        });
    let tv = tv.transpose()?;
    let mut s = ServiceIn {
        kind,
        name: r.get("name").to_owned(),
        tariff_name: r.get("tariff_name").to_owned(),
        price_kop: r.int("price_kop")?,
        period: r.opt("period").unwrap_or_else(|| "month".into()),
        status: r.get("status").to_owned(),
        paid_until: r.opt("paid_until"),
        internet,
        tv,
    };
    s.validate("")?;
    Ok((number, s))
}

fn ledger_row(r: &Row) -> Result<LedgerIn, Invalid> {
    let mut e = LedgerIn {
        contract: r.get("contract").to_owned(),
        external_id: r.get("external_id").to_owned(),
        kind: r.get("kind").to_owned(),
        description: r.get("description").to_owned(),
        amount_kop: r.int("amount_kop")?,
        occurred_at: moment("occurred_at", r.get("occurred_at"))?,
    };
    e.validate("")?;
    Ok(e)
}

/// Parses and checks every row (collecting all errors), then stores them in one transaction.
pub fn import(
    c: &mut Connection,
    kind: Kind,
    data: &[u8],
    now: i64,
) -> Result<Summary, Vec<String>> {
    let (rows, mut errors) = read_rows(kind, data)?;
    let mut summary = Summary {
        rows: rows.len(),
        ..Summary::default()
    };
    let db_err = |e: rusqlite::Error| vec![format!("ошибка базы данных: {e}")];
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    match kind {
        Kind::Contracts => {
            let mut seen = HashMap::new();
            let mut parsed = Vec::new();
            for r in &rows {
                match contract_row(r) {
                    Ok(ci) => {
                        if let Some(first) = seen.insert(ci.number.clone(), r.line) {
                            errors.push(format!(
                                "строка {}: number: договор {} уже есть в строке {first}",
                                r.line, ci.number
                            ));
                        }
                        parsed.push((r.line, ci));
                    }
                    Err(e) => errors.push(line_error(r.line, &e)),
                }
            }
            if errors.is_empty() {
                for (line, ci) in &parsed {
                    let hash = ci.password.as_deref().map(crate::auth::password::hash_now);
                    match billing::upsert_contract(&tx, ci, hash.as_deref(), now) {
                        Ok((_, true)) => summary.created += 1,
                        Ok((_, false)) => summary.updated += 1,
                        Err(e) => errors.push(format!("строка {line}: {e}")),
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
                match ledger_row(r) {
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
    tx.execute(
        "INSERT INTO audit_log(actor_kind, action, details, created_at) VALUES ('system', ?1, ?2, ?3)",
        params![
            format!("import.{}", kind.name()),
            format!(
                "{} rows: {} created, {} updated, {} duplicate",
                summary.rows, summary.created, summary.updated, summary.duplicates
            ),
            now
        ],
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    Ok(summary)
}
