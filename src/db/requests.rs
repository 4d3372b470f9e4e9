//! Requests filed on a contract («Действия с договором»), their status history and scans.
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::{Path, PathBuf};

use super::services;
pub use crate::domain::request::{Event, RequestDetail, RequestRow, Upload, LIST_LIMIT};
use crate::{domain::actions, domain::validate::Values, error::AppError};

fn row(r: &Row) -> rusqlite::Result<RequestRow> {
    Ok(RequestRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
    })
}

/// The contract's requests, newest first.
pub fn list(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<RequestRow>> {
    // The limit is part of the SQL text: a bound LIMIT makes SQLite (STAT4 build) re-prepare
    // the statement on every run.
    const SQL: &str =
        "SELECT id, kind, title, status, created_at FROM requests WHERE contract_id = ?1
         ORDER BY created_at DESC, id DESC LIMIT 20";
    debug_assert_eq!(LIST_LIMIT, 20);
    let mut st = c.prepare_cached(SQL)?;
    let rows = st.query_map([contract_id], row)?;
    rows.collect()
}

/// One request of the contract with fields, history and files; None when not this contract's.
pub fn detail(
    c: &Connection,
    contract_id: i64,
    id: i64,
) -> rusqlite::Result<Option<RequestDetail>> {
    let found = c
        .prepare_cached(
            "SELECT id, kind, title, status, created_at, fields_json FROM requests
             WHERE id = ?1 AND contract_id = ?2",
        )?
        .query_row([id, contract_id], |r| Ok((row(r)?, r.get::<_, String>(5)?)))
        .optional()?;
    let Some((row, json)) = found else {
        return Ok(None);
    };
    let fields: Values = serde_json::from_str(&json).unwrap_or_default();
    let mut st = c.prepare_cached(
        "SELECT e.status, e.comment, s.name, e.created_at FROM request_events e
         LEFT JOIN staff s ON s.id = e.staff_id WHERE e.request_id = ?1 ORDER BY e.created_at, e.id",
    )?;
    let events = st
        .query_map([id], |r| {
            Ok(Event {
                status: r.get(0)?,
                comment: r.get(1)?,
                staff_name: r.get(2)?,
                at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = c.prepare_cached(
        "SELECT id, original_name, content_type, size_bytes FROM uploads WHERE request_id = ?1 ORDER BY id",
    )?;
    let uploads = st
        .query_map([id], |r| {
            Ok(Upload {
                id: r.get(0)?,
                original_name: r.get(1)?,
                content_type: r.get(2)?,
                size_bytes: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let tariff_name = match fields.get("tariff").and_then(|t| t.parse::<i64>().ok()) {
        Some(t) => services::tariff_name(c, t)?,
        None => None,
    };
    Ok(Some(RequestDetail {
        row,
        fields,
        events,
        uploads,
        tariff_name,
    }))
}

/// An open request of this kind on the contract: (id, created_at).
pub fn open_of_kind(
    c: &Connection,
    contract_id: i64,
    kind: &str,
) -> rusqlite::Result<Option<(i64, i64)>> {
    c.prepare_cached(
        "SELECT id, created_at FROM requests WHERE contract_id = ?1 AND kind = ?2
         AND status IN ('new', 'in_progress') ORDER BY created_at DESC, id DESC LIMIT 1",
    )?
    .query_row(params![contract_id, kind], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// A validated file to store with the request.
pub struct NewFile {
    pub original_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub struct NewRequest<'a> {
    pub contract_id: i64,
    pub account_id: i64,
    pub action: &'static actions::ActionDef,
    pub values: &'a Values,
    pub file: Option<NewFile>,
    pub uploads_dir: &'a Path,
    pub ip: &'a str,
    pub now: i64,
}

#[derive(Debug)]
pub enum Filed {
    Created(i64),
    /// An open request of the same kind exists: (id, created_at).
    Duplicate(i64, i64),
    /// The action is not offered in the contract's current state.
    Unavailable,
}

/// Files a request atomically: availability and duplicates are checked inside the write
/// transaction; the scan is written under a random name and removed again if anything fails.
pub fn file(c: &mut Connection, n: NewRequest) -> Result<Filed, AppError> {
    let tx = super::begin_write(c)?;
    let id = match file_rows(&tx, &n)? {
        Filed::Created(id) => id,
        other => return Ok(other),
    };
    let mut written: Option<PathBuf> = None;
    if let Some(f) = n.file {
        let stored = random_name();
        tx.execute(
            "INSERT INTO uploads(stored_name, original_name, content_type, size_bytes, contract_id, request_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![stored, f.original_name, f.content_type, f.bytes.len() as i64, n.contract_id, id, n.now],
        )?;
        let path = write_file(n.uploads_dir, &stored, &f.bytes)
            .map_err(|e| AppError::Internal(format!("upload write: {e}")))?;
        written = Some(path);
    }
    if let Err(e) = tx.commit() {
        if let Some(p) = written {
            let _ = std::fs::remove_file(p);
        }
        return Err(e.into());
    }
    Ok(Filed::Created(id))
}

/// The rows of a request without a scan, inside the caller's write transaction (the writer's,
/// `Db::write`): availability and duplicates checked, the request, its first event and the
/// audit entry inserted. Touches only the contract's data (see `db::fresh::scoped`).
pub fn file_rows(tx: &Connection, n: &NewRequest) -> Result<Filed, AppError> {
    super::fresh::scoped(tx, &[super::fresh::Scope::Contract(n.contract_id)], || {
        if !n
            .action
            .available(&services::contract_state(tx, n.contract_id)?)
        {
            return Ok(Filed::Unavailable);
        }
        if let Some((id, at)) = open_of_kind(tx, n.contract_id, n.action.code)? {
            return Ok(Filed::Duplicate(id, at));
        }
        let json =
            serde_json::to_string(n.values).map_err(|e| AppError::Internal(e.to_string()))?;
        tx.execute(
            "INSERT INTO requests(contract_id, account_id, kind, title, status, fields_json, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'new', ?5, ?6, ?6)",
            params![n.contract_id, n.account_id, n.action.code, n.action.title, json, n.now],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO request_events(request_id, status, comment, created_at) VALUES (?1, 'new', '', ?2)",
            params![id, n.now],
        )?;
        tx.execute(
            "INSERT INTO audit_log(actor_kind, actor_id, action, target, ip, created_at)
             VALUES ('account', ?1, 'request.create', ?2, ?3, ?4)",
            params![n.account_id, format!("request:{id}"), n.ip, n.now],
        )?;
        Ok(Filed::Created(id))
    })
}

fn random_name() -> String {
    let mut b = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    hex::encode(b)
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let path = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
        drop(f);
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// A stored file the account may read (its contract is linked to the account):
/// (upload, stored name).
pub fn upload_for_account(
    c: &Connection,
    account_id: i64,
    upload_id: i64,
) -> rusqlite::Result<Option<(Upload, String)>> {
    c.prepare_cached(
        "SELECT u.id, u.original_name, u.content_type, u.size_bytes, u.stored_name FROM uploads u
         JOIN account_contracts ac ON ac.contract_id = u.contract_id AND ac.account_id = ?1
         WHERE u.id = ?2",
    )?
    .query_row([account_id, upload_id], |r| {
        Ok((
            Upload {
                id: r.get(0)?,
                original_name: r.get(1)?,
                content_type: r.get(2)?,
                size_bytes: r.get(3)?,
            },
            r.get(4)?,
        ))
    })
    .optional()
}

/// Accounts that see this request's contract: its own login and every account that added it.
pub fn accounts_of_request(c: &Connection, request_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut st = c.prepare_cached(
        "SELECT a.id FROM requests r JOIN accounts a ON a.contract_id = r.contract_id WHERE r.id = ?1
         UNION
         SELECT ac.account_id FROM requests r JOIN account_contracts ac ON ac.contract_id = r.contract_id
         WHERE r.id = ?1",
    )?;
    let rows = st.query_map([request_id], |r| r.get(0))?;
    rows.collect()
}
