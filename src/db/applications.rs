//! «Стать абонентом»: coverage, tariffs on offer, and storing applications (merged per phone
//! within a day) with the operator's e-mail notification queued in the outbox.
use rusqlite::{params, Connection};

use crate::domain::application::{house_key, street_key};
pub use crate::domain::application::{Covered, Tariff};

impl Covered {
    pub fn full(&self) -> String {
        format!("г. {}, {}, д. {}", self.city, self.street, self.house)
    }
}

/// Streets of the coverage list (for the wizard's suggestions).
pub fn streets(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare_cached("SELECT DISTINCT street FROM coverage ORDER BY street")?;
    let rows = st.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Houses covered on a street (matched loosely).
pub fn houses(c: &Connection, street: &str) -> rusqlite::Result<Vec<String>> {
    let key = street_key(street);
    if key.is_empty() {
        return Ok(Vec::new());
    }
    let mut st = c.prepare_cached(
        "SELECT street, house FROM coverage ORDER BY street, CAST(house AS INTEGER), house",
    )?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (s, h) = row?;
        if street_key(&s) == key {
            out.push(h);
        }
    }
    Ok(out)
}

/// The coverage entry for a typed street and house, if the operator serves it.
pub fn find_covered(
    c: &Connection,
    street: &str,
    house: &str,
) -> rusqlite::Result<Option<Covered>> {
    let (sk, hk) = (street_key(street), house_key(house));
    if sk.is_empty() || hk.is_empty() {
        return Ok(None);
    }
    let mut st = c.prepare_cached("SELECT city, street, house FROM coverage")?;
    let rows = st.query_map([], |r| {
        Ok(Covered {
            city: r.get(0)?,
            street: r.get(1)?,
            house: r.get(2)?,
        })
    })?;
    for row in rows {
        let cov = row?;
        if house_key(&cov.house) == hk && street_key(&cov.street) == sk {
            return Ok(Some(cov));
        }
    }
    Ok(None)
}

/// Tariffs a new business client can order.
pub fn tariffs(c: &Connection) -> rusqlite::Result<Vec<Tariff>> {
    let mut st = c.prepare_cached(
        "SELECT id, kind, name, price_kop, description FROM tariffs
         WHERE active = 1 AND segment = 'business'
         ORDER BY CASE kind WHEN 'internet' THEN 0 WHEN 'tv' THEN 1 WHEN 'phone' THEN 2 ELSE 3 END, price_kop, id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Tariff {
            id: r.get(0)?,
            kind: r.get(1)?,
            name: r.get(2)?,
            price_kop: r.get(3)?,
            description: r.get(4)?,
        })
    })?;
    rows.collect()
}

pub struct NewApplication<'a> {
    pub kind: &'a str,
    pub address: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub details_json: &'a str,
    /// Human-readable details for the notification e-mail (services, date, organisation).
    pub summary: &'a str,
    pub referrer_contract_id: Option<i64>,
    pub consent_version: &'a str,
    pub ip: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    /// An application from the same phone within the last day was updated instead.
    pub merged: bool,
}

const MERGE_WINDOW: i64 = 86_400;

/// A pending application a repeat from the same phone might merge into.
struct Pending {
    id: i64,
    kind: String,
    address: String,
    name: String,
    email: Option<String>,
    details_json: String,
}

fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Does the new submission only repeat or add to the pending one?
fn compatible(p: &Pending, a: &NewApplication) -> bool {
    let details_agree = match (
        serde_json::from_str::<serde_json::Value>(&p.details_json),
        serde_json::from_str::<serde_json::Value>(a.details_json),
    ) {
        (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) => {
            new.iter().all(|(k, v)| old.get(k).is_none_or(|o| o == v))
        }
        _ => p.details_json == a.details_json || a.details_json == "{}",
    };
    p.kind == a.kind
        && same(&p.address, a.address)
        && same(&p.name, a.name)
        && match (&p.email, a.email) {
            (Some(old), Some(new)) => old.eq_ignore_ascii_case(new),
            _ => true,
        }
        && details_agree
}

/// The pending details with the keys only the repeat has added.
fn merged_details(old: &str, new: &str) -> String {
    match (
        serde_json::from_str::<serde_json::Value>(old),
        serde_json::from_str::<serde_json::Value>(new),
    ) {
        (Ok(serde_json::Value::Object(mut o)), Ok(serde_json::Value::Object(n))) => {
            for (k, v) in n {
                o.entry(k).or_insert(v);
            }
            serde_json::Value::Object(o).to_string()
        }
        _ => old.to_owned(),
    }
}

/// Stores the application (or merges it into a new one from the same phone within a day) and
/// queues the notification to `sales_email`, atomically.
pub fn save(
    c: &mut Connection,
    a: &NewApplication,
    sales_email: Option<&str>,
    now: i64,
) -> rusqlite::Result<Saved> {
    let tx = super::begin_write(c)?;
    let pending: Vec<Pending> = tx
        .prepare_cached(
            "SELECT id, kind, address, name, email, details_json FROM applications
             WHERE phone = ?1 AND created_at > ?2 AND status = 'new'
             ORDER BY id DESC LIMIT 20",
        )?
        .query_map(params![a.phone, now - MERGE_WINDOW], |r| {
            Ok(Pending {
                id: r.get(0)?,
                kind: r.get(1)?,
                address: r.get(2)?,
                name: r.get(3)?,
                email: r.get(4)?,
                details_json: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Anyone can type any phone number: a repeat may only add what a pending application
    // lacks. One that says something else (another address, name, e-mail or kind) is stored
    // as an application of its own, and the referrer of a pending one never changes.
    let mergeable = pending.into_iter().find(|p| compatible(p, a));
    let saved = match mergeable {
        Some(p) => {
            let details = merged_details(&p.details_json, a.details_json);
            tx.prepare_cached(
                "UPDATE applications SET email = COALESCE(email, ?2), details_json = ?3,
                    consent_version = ?4, consent_at = ?5, updated_at = ?5
                 WHERE id = ?1",
            )?
            .execute(params![p.id, a.email, details, a.consent_version, now])?;
            Saved {
                id: p.id,
                merged: true,
            }
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO applications(kind, address, name, phone, email, details_json, referrer_contract_id,
                    consent_version, consent_at, ip, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?9, ?9)",
            )?
            .execute(params![
                a.kind,
                a.address,
                a.name,
                a.phone,
                a.email,
                a.details_json,
                a.referrer_contract_id,
                a.consent_version,
                now,
                a.ip
            ])?;
            Saved {
                id: tx.last_insert_rowid(),
                merged: false,
            }
        }
    };
    if let Some(to) = sales_email {
        let (subject, body) = notification(a, saved);
        tx.prepare_cached(
            "INSERT INTO outbox(channel, recipient, subject, body, created_at) VALUES ('email', ?1, ?2, ?3, ?4)",
        )?
        .execute(params![to, subject, body, now])?;
    }
    tx.commit()?;
    Ok(saved)
}

fn notification(a: &NewApplication, s: Saved) -> (String, String) {
    let what = if a.kind == "self" {
        "самостоятельное подключение"
    } else {
        "заявка специалисту"
    };
    let subject = if s.merged {
        format!("Заявка №{} обновлена ({what})", s.id)
    } else {
        format!("Новая заявка №{} ({what})", s.id)
    };
    let mut body = format!(
        "{subject}\n\nАдрес: {}\nКонтакт: {}\nТелефон: {}\n",
        a.address,
        a.name,
        crate::domain::application::format_phone(a.phone)
    );
    if let Some(e) = a.email {
        body.push_str(&format!("E-mail: {e}\n"));
    }
    if !a.summary.is_empty() {
        body.push_str(a.summary);
        body.push('\n');
    }
    if a.referrer_contract_id.is_some() {
        body.push_str("По приглашению клиента (реферальная программа)\n");
    }
    body.push_str("\nЗаявка доступна в консоли сотрудника.\n");
    (subject, body)
}
