//! CSV rows of an import file: the header checked against the kind's columns, each row turned
//! into the same input structs the JSON API builds.
use std::collections::HashMap;

use super::Kind;
use crate::domain::billing::{
    contract_number, moment, ContractIn, InternetIn, Invalid, LedgerIn, OrgIn, ServiceIn, TvIn,
};

/// One CSV row: its line number and values by column name.
pub struct Row {
    pub line: u64,
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

/// The optional documents columns of a contracts row: (kpp, ogrn, legal address, e-mail).
pub type Requisites = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub fn requisites_row(r: &Row) -> Result<Requisites, Invalid> {
    let (kpp, ogrn) = (r.opt("organization_kpp"), r.opt("organization_ogrn"));
    crate::domain::documents::check_requisites(None, kpp.as_deref(), ogrn.as_deref()).map_err(
        |(f, m)| Invalid {
            field: format!("organization_{f}"),
            message: m,
        },
    )?;
    let email = match r.opt("documents_email") {
        None => None,
        Some(e) => Some(crate::domain::validate::normalize_email(&e).ok_or(Invalid {
            field: "documents_email".into(),
            message: "Адрес электронной почты".into(),
        })?),
    };
    Ok((kpp, ogrn, r.opt("organization_legal_address"), email))
}

/// Stores a row's requisites (only the columns given).
pub fn store_requisites(
    c: &crate::db::Conn,
    contract_id: i64,
    r: &Requisites,
) -> crate::db::SqlResult<()> {
    let (kpp, ogrn, address, email) = r;
    if kpp.is_some() || ogrn.is_some() || address.is_some() {
        crate::db::documents::set_requisites(
            c,
            contract_id,
            kpp.as_deref(),
            ogrn.as_deref(),
            address.as_deref(),
        )?;
    }
    if let Some(e) = email {
        crate::db::documents::set_documents_email(c, contract_id, Some(e))?;
    }
    Ok(())
}

pub fn line_error(line: u64, e: &Invalid) -> String {
    format!("строка {line}: {}: {}", e.field, e.message)
}

/// The data rows and the errors of unreadable ones; a bad header is an error of its own.
pub fn read_rows(kind: Kind, data: &[u8]) -> Result<(Vec<Row>, Vec<String>), Vec<String>> {
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

pub fn contract_row(r: &Row) -> Result<ContractIn, Invalid> {
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

pub fn service_row(r: &Row) -> Result<(String, ServiceIn), Invalid> {
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

pub fn ledger_row(r: &Row, now: i64) -> Result<LedgerIn, Invalid> {
    let mut e = LedgerIn {
        contract: r.get("contract").to_owned(),
        external_id: r.get("external_id").to_owned(),
        kind: r.get("kind").to_owned(),
        description: r.get("description").to_owned(),
        amount_kop: r.int("amount_kop")?,
        occurred_at: moment("occurred_at", r.get("occurred_at"))?,
    };
    e.validate("", now)?;
    Ok(e)
}
