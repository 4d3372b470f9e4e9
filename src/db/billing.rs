//! Billing integration writes: contracts, service lists and ledger entries from the billing
//! system. Each function runs inside the caller's transaction (the API: one per request; the
//! CSV import: one per file), so a caller can stop at the first error and roll everything back.
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::domain::billing::{ContractIn, LedgerIn, ServiceIn};

/// Why a write was refused (besides a database failure).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The named contract does not exist (404).
    #[error("{message}")]
    NotFound { field: String, message: String },
    /// The write contradicts what is stored (409).
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error(transparent)]
    Db(#[from] rusqlite::Error),
}

impl Refused {
    pub fn unknown_contract(field: &str, number: &str) -> Refused {
        Refused::NotFound {
            field: field.to_owned(),
            message: format!("Договор {number} не найден"),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgOut {
    pub name: String,
    pub inn: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractOut {
    pub number: String,
    pub organization: Option<OrgOut>,
    pub address: String,
    pub segment: String,
    pub status: String,
    pub recommended_payment_kop: i64,
    pub balance_kop: i64,
    /// Whether subscribers can log in with the contract number (a password was set).
    pub password_set: bool,
}

const UNUSABLE_KEY: &str = "billing.unusable_password_hash";

/// The stored password hash of contracts created without a password: a real argon2 hash of a
/// random secret nobody knows (made once per database at start, see `app::credentials`, kept
/// in `settings`), so a login attempt takes the usual time and always fails.
pub fn unusable_password_hash(c: &Connection) -> rusqlite::Result<String> {
    Ok(super::setting(c, UNUSABLE_KEY)?.unwrap_or_default())
}

/// Whether the unusable hash is stored yet.
pub fn has_unusable_password_hash(c: &Connection) -> rusqlite::Result<bool> {
    Ok(super::setting(c, UNUSABLE_KEY)?.is_some())
}

pub fn set_unusable_password_hash(c: &Connection, hash: &str) -> rusqlite::Result<()> {
    super::set_setting(c, UNUSABLE_KEY, hash)
}

pub fn contract_id(c: &Connection, number: &str) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached("SELECT id FROM contracts WHERE number = ?1")?
        .query_row([number], |r| r.get(0))
        .optional()
}

pub fn contract_out(c: &Connection, id: i64) -> rusqlite::Result<ContractOut> {
    let unusable = super::setting(c, UNUSABLE_KEY)?.unwrap_or_default();
    c.prepare_cached(
        "SELECT c.number, o.name, o.inn, c.address, c.segment, c.status, c.recommended_payment_kop,
                c.balance_kop, c.password_hash
         FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.id = ?1",
    )?
    .query_row([id], |r| {
        let name: Option<String> = r.get(1)?;
        let hash: String = r.get(8)?;
        Ok(ContractOut {
            number: r.get(0)?,
            organization: match name {
                Some(name) => Some(OrgOut {
                    name,
                    inn: r.get(2)?,
                }),
                None => None,
            },
            address: r.get(3)?,
            segment: r.get(4)?,
            status: r.get(5)?,
            recommended_payment_kop: r.get(6)?,
            balance_kop: r.get(7)?,
            password_set: hash != unusable,
        })
    })
}

/// The organization row for this name/INN: found by INN (its name updated), else by exact
/// name among rows without INN, else created.
fn organization_id(c: &Connection, name: &str, inn: Option<&str>) -> rusqlite::Result<i64> {
    if let Some(inn) = inn {
        if let Some(id) = c
            .prepare_cached("SELECT id FROM organizations WHERE inn = ?1 ORDER BY id LIMIT 1")?
            .query_row([inn], |r| r.get::<_, i64>(0))
            .optional()?
        {
            c.prepare_cached("UPDATE organizations SET name = ?2 WHERE id = ?1 AND name <> ?2")?
                .execute(params![id, name])?;
            return Ok(id);
        }
    } else if let Some(id) = c
        .prepare_cached(
            "SELECT id FROM organizations WHERE name = ?1 AND inn IS NULL ORDER BY id LIMIT 1",
        )?
        .query_row([name], |r| r.get::<_, i64>(0))
        .optional()?
    {
        return Ok(id);
    }
    c.prepare_cached("INSERT INTO organizations(name, inn) VALUES (?1, ?2)")?
        .execute(params![name, inn])?;
    Ok(c.last_insert_rowid())
}

/// Creates or updates a contract. `password_hash` is used only when creating (None: the
/// contract cannot be logged into until a password is set). Returns (id, created).
pub fn upsert_contract(
    c: &Connection,
    input: &ContractIn,
    password_hash: Option<&str>,
    now: i64,
) -> Result<(i64, bool), Refused> {
    let org = match &input.organization {
        Some(o) => Some(organization_id(c, &o.name, o.inn.as_deref())?),
        None => None,
    };
    if let Some(id) = contract_id(c, &input.number)? {
        c.prepare_cached(
            "UPDATE contracts SET organization_id = ?2, address = ?3, segment = ?4, status = ?5,
                recommended_payment_kop = ?6 WHERE id = ?1",
        )?
        .execute(params![
            id,
            org,
            input.address,
            input.segment,
            input.status,
            input.recommended_payment_kop
        ])?;
        return Ok((id, false));
    }
    let hash = match password_hash {
        Some(h) => h.to_owned(),
        None => unusable_password_hash(c)?,
    };
    c.prepare_cached(
        "INSERT INTO contracts(number, segment, organization_id, address, password_hash, status,
            recommended_payment_kop, password_changed_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        input.number,
        input.segment,
        org,
        input.address,
        hash,
        input.status,
        input.recommended_payment_kop,
        password_hash.map(|_| now),
        now
    ])?;
    let id = c.last_insert_rowid();
    // The account that logs in with the contract number, linked to it (as the demo has).
    super::accounts::contract_account(c, id, now)?;
    Ok((id, true))
}

/// Replaces the contract's whole service list (details cascade with the old rows).
pub fn replace_services(
    c: &Connection,
    contract_id: i64,
    services: &[ServiceIn],
) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM services WHERE contract_id = ?1")?
        .execute([contract_id])?;
    for (i, s) in services.iter().enumerate() {
        // Linked to the operator's tariff of that name and kind, when there is one.
        let tariff_id: Option<i64> = c
            .prepare_cached(
                "SELECT id FROM tariffs WHERE name = ?1 AND kind = ?2 ORDER BY active DESC, id LIMIT 1",
            )?
            .query_row([&s.tariff_name, &s.kind], |r| r.get(0))
            .optional()?;
        c.prepare_cached(
            "INSERT INTO services(contract_id, kind, name, tariff_id, tariff_name, price_kop, period,
                status, paid_until, sort_order)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            contract_id,
            s.kind,
            s.name,
            tariff_id,
            s.tariff_name,
            s.price_kop,
            s.period,
            s.status,
            s.paid_until,
            i as i64
        ])?;
        let sid = c.last_insert_rowid();
        if let Some(n) = &s.internet {
            c.prepare_cached(
                "INSERT INTO internet_details(service_id, speed_mbps, static_ip, equipment) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![sid, n.speed_mbps, n.static_ip, n.equipment])?;
        }
        if let Some(t) = &s.tv {
            c.prepare_cached(
                "INSERT INTO tv_details(service_id, channel_package, channel_count) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![sid, t.channel_package, t.channel_count])?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerOutcome {
    pub external_id: String,
    /// `created` or `duplicate` (already imported earlier: nothing changed).
    #[schema(pattern = "^(created|duplicate)$")]
    pub result: &'static str,
    pub contract: String,
    pub amount_kop: i64,
    pub balance_after_kop: i64,
}

/// Records one ledger entry and moves the contract's balance, once per external id: an entry
/// already stored under `billing:<external_id>` with the same content is a duplicate; with
/// different content it is a conflict. Run inside an IMMEDIATE transaction.
pub fn ledger_entry(
    c: &Connection,
    e: &LedgerIn,
    field: &str,
    now: i64,
) -> Result<LedgerOutcome, Refused> {
    let source = format!("billing:{}", e.external_id);
    let existing: Option<(String, String, i64, i64, i64)> = c
        .prepare_cached(
            "SELECT c.number, l.kind, l.amount_kop, l.occurred_at, l.balance_after_kop
             FROM ledger_entries l JOIN contracts c ON c.id = l.contract_id WHERE l.source = ?1",
        )?
        .query_row([&source], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    if let Some((number, kind, amount, at, after)) = existing {
        if !number.eq_ignore_ascii_case(&e.contract)
            || kind != e.kind
            || amount != e.amount_kop
            || at != e.occurred_at
        {
            return Err(Refused::Conflict {
                field: format!("{field}external_id"),
                message: format!(
                    "Запись с external_id «{}» уже загружена с другими данными (договор {number}, {kind}, {amount} коп.)",
                    e.external_id
                ),
            });
        }
        return Ok(LedgerOutcome {
            external_id: e.external_id.clone(),
            result: "duplicate",
            contract: number,
            amount_kop: amount,
            balance_after_kop: after,
        });
    }
    let Some(cid) = contract_id(c, &e.contract)? else {
        return Err(Refused::unknown_contract(
            &format!("{field}contract"),
            &e.contract,
        ));
    };
    let (number, balance): (String, i64) = c
        .prepare_cached(
            "UPDATE contracts SET balance_kop = balance_kop + ?2 WHERE id = ?1 RETURNING number, balance_kop",
        )?
        .query_row(params![cid, e.amount_kop], |r| Ok((r.get(0)?, r.get(1)?)))?;
    // A backdated entry: the entries dated after it move by its amount too, and its own running
    // balance follows the entry just before it in time, so «На начало месяца» stays right.
    let later = c
        .prepare_cached(
            "UPDATE ledger_entries SET balance_after_kop = balance_after_kop + ?2
             WHERE contract_id = ?1 AND occurred_at > ?3",
        )?
        .execute(params![cid, e.amount_kop, e.occurred_at])?;
    let balance = if later == 0 {
        balance
    } else {
        let before: Option<i64> = c
            .prepare_cached(
                "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = ?1 AND occurred_at <= ?2
                 ORDER BY occurred_at DESC, id DESC LIMIT 1",
            )?
            .query_row(params![cid, e.occurred_at], |r| r.get(0))
            .optional()?;
        before.unwrap_or(0) + e.amount_kop
    };
    c.prepare_cached(
        "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        cid,
        e.kind,
        e.description,
        e.amount_kop,
        balance,
        e.occurred_at,
        source,
        now
    ])?;
    Ok(LedgerOutcome {
        external_id: e.external_id.clone(),
        result: "created",
        contract: number,
        amount_kop: e.amount_kop,
        balance_after_kop: balance,
    })
}
