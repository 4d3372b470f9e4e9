//! Schema versions: `schema.sql` is version 1; each later step is one entry of [`STEPS`].
//! `PRAGMA user_version` records the version a database is at.
use rusqlite::Connection;

pub const BASELINE: &str = include_str!("../../schema.sql");

/// Numbered migrations after the baseline: STEPS[0] moves version 1 → 2, and so on.
/// Never edit a released step; append a new one (and update schema.sql for new databases
/// only through a new step, so both paths end at the same schema).
pub const STEPS: &[&str] = &[];

/// The schema version this binary writes.
pub const VERSION: i64 = 1 + STEPS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database schema version {found} is newer than this binary's {known}")]
    TooNew { found: i64, known: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

pub fn version(c: &Connection) -> rusqlite::Result<i64> {
    c.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the database to [`VERSION`]. Returns whether the baseline was applied (a new database).
pub fn run(c: &mut Connection) -> Result<super::Opened, MigrateError> {
    let found = version(c)?;
    if found > VERSION {
        return Err(MigrateError::TooNew {
            found,
            known: VERSION,
        });
    }
    let created = found == 0;
    if created {
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(BASELINE)?;
        tx.pragma_update(None, "user_version", 1)?;
        tx.commit()?;
    }
    let mut v = version(c)?;
    while v < VERSION {
        let step = STEPS[(v - 1) as usize];
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", v + 1)?;
        tx.commit()?;
        tracing::info!(from = v, to = v + 1, "database migrated");
        v += 1;
    }
    Ok(super::Opened { created })
}
