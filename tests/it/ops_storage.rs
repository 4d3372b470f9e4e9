//! Storage failures: a full disk, a read-only database and a corrupt file. Reads go on, writes
//! fail with a clear 503 page, `/readyz` says why, a corrupt file is refused at start.
use kabinet::{build_state, config::Config};
use poem::http::StatusCode;

use crate::actions::{logged_in, pairs, requests, valid, with};
use crate::common::TestApp;

const FULL: &str = "Не удалось сохранить: на сервере закончилось место";

/// Runs `sql` on every connection of the app's pool (all 16 held at once, so each gets it)
/// and on the writer's connection.
async fn on_every_connection(app: &TestApp, sql: &str) {
    let held: Vec<_> = (0..16).map(|_| app.state.db.get().unwrap()).collect();
    for c in &held {
        c.execute_batch(sql).unwrap();
    }
    let sql = sql.to_owned();
    app.state
        .db
        .write(move |c| Ok(c.execute_batch(&sql)?))
        .await
        .unwrap();
}

/// Simulates a full disk: the database may not grow by a single page.
async fn fill_disk(app: &TestApp) {
    let c = app.db();
    let free: i64 = c
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert_eq!(free, 0, "no free pages to write into");
    let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    drop(c);
    on_every_connection(app, &format!("PRAGMA max_page_count = {pages}")).await;
}

#[tokio::test]
async fn a_full_disk_fails_writes_with_a_clear_503_and_keeps_logged_in_reads_working() {
    let app = logged_in().await;
    let before = requests(&app);
    fill_disk(&app).await;
    // The session's last-seen touch is due on the next request.
    app.state.clock.advance(120);
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    assert_eq!(app.get_hx("/balance/history").await.status, StatusCode::OK);
    // A request needs new pages (its comment alone is bigger than a page): it cannot be stored.
    let form = valid(&app, "prolongation");
    let long = "ж".repeat(2000);
    let r = app
        .post(
            "/actions/prolongation",
            &pairs(&with(&form, "comment", &long)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.has_text(FULL), "{}", r.body);
    assert_eq!(requests(&app), before, "nothing half-written");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.body.contains("disk full"), "{}", ready.body);
    // Reads still work after the failed write.
    assert_eq!(app.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_read_only_database_keeps_subscriber_and_staff_reads_working() {
    let app = logged_in().await;
    crate::staff::staff_login(&app, "operator").await;
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    on_every_connection(&app, "PRAGMA query_only = ON").await;
    app.state.clock.advance(120);
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert_eq!(app.get_hx("/balance/history").await.status, StatusCode::OK);
    let staff = app.get("/staff/requests").await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.body);
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.has_text(FULL), "{}", r.body);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.body.contains("read-only"), "{}", ready.body);
}

#[test]
fn a_file_with_a_valid_header_and_corrupt_pages_is_refused_at_start() {
    let dir = crate::common::tempdir();
    let path = crate::common::demo_db(dir.path(), &Config::default());
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 12 * page);
    // The last pages are overwritten; the header, the schema and the settings stay readable,
    // so the damage shows only when those pages are read (a login, a history page).
    let n = bytes.len();
    for b in &mut bytes[n - 3 * page..] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = match build_state(Config::default(), &path, true) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a corrupt database must not start"),
    };
    assert!(
        err.contains("damaged") && err.contains("kabinet check"),
        "a clear message: {err}"
    );
}
