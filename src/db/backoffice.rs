//! Staff work lists: contract requests and «Стать абонентом» applications, with status changes.
use rusqlite::{params, Connection, OptionalExtension};

pub use crate::domain::backoffice::{Application, Filter, RequestItem};
use crate::{
    domain::states::{State, WorkStatus},
    error::AppError,
};

impl Filter {
    fn statuses(&self) -> Vec<&'static str> {
        match (self.status.as_str(), WorkStatus::parse(&self.status)) {
            ("all", _) => WorkStatus::ALL.iter().map(|s| s.as_str()).collect(),
            (_, Some(s)) => vec![s.as_str()],
            _ => vec![WorkStatus::New.as_str(), WorkStatus::InProgress.as_str()],
        }
    }
    fn like(&self) -> String {
        let q: String = self.q.trim().chars().take(60).collect();
        format!("%{}%", super::like_escape(&q))
    }
}

const REQUEST_ITEM: &str =
    "SELECT r.id, k.id, k.number, COALESCE(o.name, ''), r.title, r.status, r.created_at
     FROM requests r JOIN contracts k ON k.id = r.contract_id
     LEFT JOIN organizations o ON o.id = k.organization_id";

fn request_item_row(r: &rusqlite::Row) -> rusqlite::Result<RequestItem> {
    Ok(RequestItem {
        id: r.get(0)?,
        contract_id: r.get(1)?,
        contract_number: r.get(2)?,
        org_name: r.get(3)?,
        title: r.get(4)?,
        status: r.get(5)?,
        created_at: r.get(6)?,
    })
}

pub fn requests(c: &Connection, f: &Filter) -> rusqlite::Result<Vec<RequestItem>> {
    let s = f.statuses();
    let mut st = c.prepare_cached(&format!(
        "{REQUEST_ITEM}
         WHERE r.status IN (?1, ?2, ?3, ?4)
           AND (k.number LIKE ?5 ESCAPE '\\' OR o.name LIKE ?5 ESCAPE '\\' OR r.title LIKE ?5 ESCAPE '\\')
         ORDER BY r.created_at, r.id LIMIT 300"
    ))?;
    let g = |i: usize| s.get(i).copied().unwrap_or("");
    let rows = st.query_map(params![g(0), g(1), g(2), g(3), f.like()], request_item_row)?;
    rows.collect()
}

/// One row of the staff requests list (re-rendered after a status change).
pub fn request_item(c: &Connection, id: i64) -> rusqlite::Result<Option<RequestItem>> {
    c.prepare_cached(&format!("{REQUEST_ITEM} WHERE r.id = ?1"))?
        .query_row([id], request_item_row)
        .optional()
}

/// The contract a request belongs to.
pub fn request_contract(c: &Connection, id: i64) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached("SELECT contract_id FROM requests WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

pub fn request_status(c: &Connection, id: i64) -> rusqlite::Result<Option<WorkStatus>> {
    c.prepare_cached("SELECT status FROM requests WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// Why a status change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    NotFound,
    /// The move is not allowed from the current status.
    Transition(WorkStatus),
}

/// Changes a request's status with a comment the subscriber sees in the request's history.
pub fn set_request_status(
    c: &mut Connection,
    id: i64,
    to: WorkStatus,
    comment: &str,
    staff_id: i64,
    now: i64,
) -> Result<Result<WorkStatus, Refused>, AppError> {
    let tx = super::begin_write(c)?;
    let from: Option<WorkStatus> = tx
        .prepare_cached("SELECT status FROM requests WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(from) = from else {
        return Ok(Err(Refused::NotFound));
    };
    if !from.can_move(to) {
        return Ok(Err(Refused::Transition(from)));
    }
    tx.execute(
        "UPDATE requests SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, to, now],
    )?;
    tx.execute(
        "INSERT INTO request_events(request_id, status, comment, staff_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, to, comment, staff_id, now],
    )?;
    tx.commit()?;
    Ok(Ok(from))
}

const APP_COLS: &str =
    "a.id, a.kind, a.address, a.name, a.phone, a.email, a.details_json, k.number, \
     a.status, a.staff_comment, a.consent_at, a.created_at FROM applications a \
     LEFT JOIN contracts k ON k.id = a.referrer_contract_id";

fn app(r: &rusqlite::Row) -> rusqlite::Result<Application> {
    Ok(Application {
        id: r.get(0)?,
        kind: r.get(1)?,
        address: r.get(2)?,
        name: r.get(3)?,
        phone: r.get(4)?,
        email: r.get(5)?,
        details_json: r.get(6)?,
        referrer: r.get(7)?,
        status: r.get(8)?,
        staff_comment: r.get(9)?,
        consent_at: r.get(10)?,
        created_at: r.get(11)?,
    })
}

pub fn applications(c: &Connection, f: &Filter) -> rusqlite::Result<Vec<Application>> {
    let s = f.statuses();
    let mut st = c.prepare_cached(&format!(
        "SELECT {APP_COLS} WHERE a.status IN (?1, ?2, ?3, ?4)
           AND (a.name LIKE ?5 ESCAPE '\\' OR a.phone LIKE ?5 ESCAPE '\\' OR a.address LIKE ?5 ESCAPE '\\')
         ORDER BY a.created_at, a.id LIMIT 300"
    ))?;
    let g = |i: usize| s.get(i).copied().unwrap_or("");
    let rows = st.query_map(params![g(0), g(1), g(2), g(3), f.like()], app)?;
    rows.collect()
}

pub fn application(c: &Connection, id: i64) -> rusqlite::Result<Option<Application>> {
    c.prepare_cached(&format!("SELECT {APP_COLS} WHERE a.id = ?1"))?
        .query_row([id], app)
        .optional()
}

pub fn set_application_status(
    c: &mut Connection,
    id: i64,
    to: WorkStatus,
    comment: &str,
    now: i64,
) -> Result<Result<WorkStatus, Refused>, AppError> {
    let tx = super::begin_write(c)?;
    let from: Option<WorkStatus> = tx
        .prepare_cached("SELECT status FROM applications WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(from) = from else {
        return Ok(Err(Refused::NotFound));
    };
    if !from.can_move(to) {
        return Ok(Err(Refused::Transition(from)));
    }
    tx.execute(
        "UPDATE applications SET status = ?2, staff_comment = CASE WHEN ?3 = '' THEN staff_comment ELSE ?3 END,
         updated_at = ?4 WHERE id = ?1",
        params![id, to, comment, now],
    )?;
    tx.commit()?;
    Ok(Ok(from))
}
