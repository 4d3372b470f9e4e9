//! Stories management (staff console). `image_path` is either an embedded asset path
//! (`stories/speed.svg`, the demo set) or, for uploaded images, the public URL
//! `/story-images/<random>.png` of a file kept in `<uploads dir>/stories/`.
pub use crate::domain::story_admin::Story;
use rusqlite::{params, Connection, OptionalExtension};

const COLS: &str =
    "id, title, body, image_path, sort_order, published, publish_from, publish_until FROM stories";

fn story(r: &rusqlite::Row) -> rusqlite::Result<Story> {
    Ok(Story {
        id: r.get(0)?,
        title: r.get(1)?,
        body: r.get(2)?,
        image_path: r.get(3)?,
        sort_order: r.get(4)?,
        published: r.get::<_, i64>(5)? != 0,
        publish_from: r.get(6)?,
        publish_until: r.get(7)?,
    })
}

pub fn list(c: &Connection) -> rusqlite::Result<Vec<Story>> {
    let mut st = c.prepare_cached(&format!("SELECT {COLS} ORDER BY sort_order, id"))?;
    let rows = st.query_map([], story)?;
    rows.collect()
}

pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<Story>> {
    c.prepare_cached(&format!("SELECT {COLS} WHERE id = ?1"))?
        .query_row([id], story)
        .optional()
}

pub struct Input {
    pub title: String,
    pub body: String,
    /// None keeps the current image (edit only).
    pub image_path: Option<String>,
    pub published: bool,
    pub publish_from: Option<i64>,
    pub publish_until: Option<i64>,
}

/// Creates a story at the end of the order.
pub fn create(c: &Connection, i: &Input, now: i64) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO stories(title, body, image_path, sort_order, published, publish_from, publish_until, created_at, updated_at)
         VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM stories), ?4, ?5, ?6, ?7, ?7)",
        params![i.title, i.body, i.image_path.clone().unwrap_or_default(), i.published as i64, i.publish_from, i.publish_until, now],
    )?;
    Ok(c.last_insert_rowid())
}

/// Updates a story; returns the replaced image path when the image changed.
pub fn update(
    c: &Connection,
    id: i64,
    i: &Input,
    now: i64,
) -> rusqlite::Result<Option<Option<String>>> {
    let Some(old) = get(c, id)? else {
        return Ok(None);
    };
    c.execute(
        "UPDATE stories SET title = ?2, body = ?3, image_path = COALESCE(?4, image_path), published = ?5,
         publish_from = ?6, publish_until = ?7, updated_at = ?8 WHERE id = ?1",
        params![id, i.title, i.body, i.image_path, i.published as i64, i.publish_from, i.publish_until, now],
    )?;
    Ok(Some(i.image_path.as_ref().map(|_| old.image_path)))
}

pub fn set_published(c: &Connection, id: i64, on: bool, now: i64) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE stories SET published = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, on as i64, now],
    )? == 1)
}

/// Moves a story one place up (`-1`) or down (`1`) in the order, renumbering all.
pub fn shift(c: &mut Connection, id: i64, dir: i64) -> rusqlite::Result<bool> {
    let tx = super::begin_write(c)?;
    let mut ids: Vec<i64> = {
        let mut st = tx.prepare("SELECT id FROM stories ORDER BY sort_order, id")?;
        let v = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        v
    };
    let Some(pos) = ids.iter().position(|&x| x == id) else {
        return Ok(false);
    };
    let to = pos as i64 + dir;
    if to < 0 || to >= ids.len() as i64 {
        return Ok(true);
    }
    ids.swap(pos, to as usize);
    for (n, sid) in ids.iter().enumerate() {
        tx.execute(
            "UPDATE stories SET sort_order = ?2 WHERE id = ?1",
            params![sid, n as i64 + 1],
        )?;
    }
    tx.commit()?;
    Ok(true)
}
