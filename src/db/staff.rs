//! Staff accounts and staff sessions.
pub use crate::domain::staff::Staff;
use crate::domain::states::StaffRole;
use rusqlite::{params, Connection, OptionalExtension};

fn staff(r: &rusqlite::Row) -> rusqlite::Result<Staff> {
    Ok(Staff {
        id: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        active: r.get::<_, i64>(4)? != 0,
        created_at: r.get(5)?,
    })
}

/// (id, password hash) of an active staff login.
pub fn login_lookup(c: &Connection, login: &str) -> rusqlite::Result<Option<(i64, String)>> {
    c.prepare_cached("SELECT id, password_hash FROM staff WHERE login = ?1 AND active = 1")?
        .query_row([login], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// The staff member behind a live staff session (active accounts only):
/// (session id, last_seen_at, created_at, staff).
pub fn by_session(
    c: &Connection,
    token_hash: &[u8],
) -> rusqlite::Result<Option<(i64, i64, i64, Staff)>> {
    c.prepare_cached(
        "SELECT se.id, se.last_seen_at, se.created_at, s.id, s.login, s.name, s.role, s.active, s.created_at
         FROM sessions se JOIN staff s ON s.id = se.staff_id
         WHERE se.token_hash = ?1 AND s.active = 1",
    )?
    .query_row([token_hash], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            Staff {
                id: r.get(3)?,
                login: r.get(4)?,
                name: r.get(5)?,
                role: r.get(6)?,
                active: r.get::<_, i64>(7)? != 0,
                created_at: r.get(8)?,
            },
        ))
    })
    .optional()
}

pub fn list(c: &Connection) -> rusqlite::Result<Vec<Staff>> {
    let mut st = c.prepare_cached(
        "SELECT id, login, name, role, active, created_at FROM staff ORDER BY active DESC, login",
    )?;
    let rows = st.query_map([], staff)?;
    rows.collect()
}

/// Creates a staff account; None when the login is taken.
pub fn create(
    c: &Connection,
    login: &str,
    name: &str,
    role: StaffRole,
    hash: &str,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let n = c
        .prepare_cached(
            "INSERT INTO staff(login, name, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(login) DO NOTHING",
        )?
        .execute(params![login, name, hash, role, now])?;
    Ok((n == 1).then(|| c.last_insert_rowid()))
}

/// Blocks or unblocks an account; blocking ends its sessions. Returns the ended session ids.
pub fn set_active(c: &mut Connection, id: i64, active: bool) -> rusqlite::Result<Vec<i64>> {
    let tx = super::begin_write(c)?;
    tx.execute(
        "UPDATE staff SET active = ?2 WHERE id = ?1",
        params![id, active as i64],
    )?;
    let ended = if active {
        Vec::new()
    } else {
        let mut st = tx.prepare("DELETE FROM sessions WHERE staff_id = ?1 RETURNING id")?;
        let ids = st
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        drop(st);
        ids
    };
    tx.commit()?;
    Ok(ended)
}

/// Creates a staff account or updates it (name, password, role) and re-activates it.
pub fn upsert(
    c: &Connection,
    login: &str,
    name: &str,
    hash: &str,
    role: StaffRole,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO staff(login, name, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, unixepoch())
         ON CONFLICT(login) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash,
         role = excluded.role, active = 1",
        rusqlite::params![login, name, hash, role],
    )?;
    Ok(())
}
