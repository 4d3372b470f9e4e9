//! Stories («Блок историй»): published within their window, ordered per account so that a
//! viewed story moves to the end of the strip.
pub use crate::domain::story::Story;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Published and inside its window at `now`.
const VISIBLE: &str = "s.published = 1 AND (s.publish_from IS NULL OR s.publish_from <= ?2) \
     AND (s.publish_until IS NULL OR s.publish_until > ?2)";

fn story(r: &Row) -> rusqlite::Result<Story> {
    Ok(Story {
        id: r.get(0)?,
        title: r.get(1)?,
        body: r.get(2)?,
        image_path: r.get(3)?,
        viewed: r.get::<_, Option<i64>>(4)?.is_some(),
    })
}

/// The strip for an account: unviewed stories in the operator's order, then viewed ones,
/// least recently viewed first (the one just opened is last).
pub fn strip(c: &Connection, account_id: i64, now: i64) -> rusqlite::Result<Vec<Story>> {
    let sql = format!(
        "SELECT s.id, s.title, s.body, s.image_path, v.viewed_at FROM stories s
         LEFT JOIN story_views v ON v.story_id = s.id AND v.account_id = ?1
         WHERE {VISIBLE}
         ORDER BY v.viewed_at IS NOT NULL, v.viewed_at, s.sort_order, s.id"
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(params![account_id, now], story)?;
    rows.collect()
}

/// One visible story.
pub fn get(c: &Connection, id: i64, now: i64) -> rusqlite::Result<Option<Story>> {
    let sql = format!(
        "SELECT s.id, s.title, s.body, s.image_path, NULL FROM stories s WHERE s.id = ?1 AND {VISIBLE}"
    );
    c.prepare_cached(&sql)?
        .query_row(params![id, now], story)
        .optional()
}

/// Records that the account has seen the story now (moving it to the end of its strip).
/// `now` is made strictly increasing per account so two views in the same second keep their order.
pub fn mark_viewed(
    c: &Connection,
    account_id: i64,
    story_id: i64,
    now: i64,
) -> rusqlite::Result<()> {
    let last: Option<i64> = c
        .prepare_cached("SELECT MAX(viewed_at) FROM story_views WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))?;
    let at = last.map_or(now, |l| now.max(l + 1));
    c.prepare_cached(
        "INSERT INTO story_views(account_id, story_id, viewed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(account_id, story_id) DO UPDATE SET viewed_at = excluded.viewed_at",
    )?
    .execute(params![account_id, story_id, at])?;
    Ok(())
}
