//! The write path (`db::writer`): group commit, durability, concurrency, a full queue; and the
//! read caches' scoped invalidation (`db::fresh`). Timings live in `cargo bench --bench scale`.
use crate::actions::{pairs, valid};
use crate::common::*;
use kabinet::{db::Db, error::AppError};
use poem::http::StatusCode;
use std::sync::{mpsc, Arc, Mutex};

/// Holds the writer inside a job until the returned sender is dropped or sent to, so the
/// writes queued meanwhile are taken into the next batch together.
async fn block_writer(db: &Db) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let db = db.clone();
    let wait = Arc::new(Mutex::new(wait));
    let h = tokio::spawn(async move {
        db.write(move |_| {
            let _ = started_tx.send(());
            let _ = wait.lock().unwrap().recv();
            Ok(())
        })
        .await
        .unwrap();
    });
    started.await.unwrap();
    (release, h)
}

fn open(dir: &std::path::Path) -> Db {
    let (db, _) = Db::open(&dir.join("w.db")).unwrap();
    db.get()
        .unwrap()
        .execute_batch("CREATE TABLE IF NOT EXISTS t(k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
        .unwrap();
    db
}

async fn put(db: &Db, k: &str, v: i64) -> Result<(), AppError> {
    let k = k.to_owned();
    db.write(move |c| {
        c.execute(
            "INSERT INTO t(k, v) VALUES (?1, ?2)",
            rusqlite::params![k, v],
        )?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn one_failing_write_in_a_batch_fails_only_that_write() {
    let dir = tempdir();
    let db = open(dir.path());
    let (release, blocker) = block_writer(&db).await;
    // Three writes queue behind the blocker and commit in one batch: the middle one inserts a
    // row, then fails (a duplicate key); its row must go, the others' stay.
    let (a, b, c) = (db.clone(), db.clone(), db.clone());
    let first = tokio::spawn(async move { put(&a, "first", 1).await });
    let failing = tokio::spawn(async move {
        b.write(|c| {
            c.execute("INSERT INTO t(k, v) VALUES ('half', 2)", [])?;
            c.execute("INSERT INTO t(k, v) VALUES ('first', 3)", [])?;
            Ok(())
        })
        .await
    });
    let third = tokio::spawn(async move { put(&c, "third", 4).await });
    eventually(WAIT, "3 writes queued", || async {
        db.writes_queued() == 3
    })
    .await;
    release.send(()).unwrap();
    blocker.await.unwrap();
    assert!(first.await.unwrap().is_ok());
    let err = failing.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");
    assert!(third.await.unwrap().is_ok());
    let rows: Vec<(String, i64)> = db
        .get()
        .unwrap()
        .prepare("SELECT k, v FROM t ORDER BY k")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, [("first".to_owned(), 1), ("third".to_owned(), 4)]);
}

#[tokio::test]
async fn an_acknowledged_write_is_durable_and_on_a_full_sync_connection() {
    let dir = tempdir();
    let db = open(dir.path());
    let sync: i64 = db
        .write(|c| Ok(c.pragma_query_value(None, "synchronous", |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(sync, 2, "the writer commits with synchronous=FULL");
    put(&db, "kept", 42).await.unwrap();
    drop(db);
    // A new process would open the file afresh: the row is there.
    let c = rusqlite::Connection::open(dir.path().join("w.db")).unwrap();
    let v: i64 = c
        .query_row("SELECT v FROM t WHERE k = 'kept'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 42);
}

#[tokio::test]
async fn concurrent_writers_all_complete_with_pooled_transactions_among_them() {
    let dir = tempdir();
    let db = open(dir.path());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            if i % 10 == 0 {
                // A transaction of its own on a pooled connection (db::begin_write) waits for
                // the same gate as the writer's batches: no "database is locked".
                db.run(move |c| {
                    let tx = kabinet::db::begin_write(c)?;
                    tx.execute(
                        "INSERT INTO t(k, v) VALUES (?1, ?2)",
                        rusqlite::params![format!("pool{i}"), i],
                    )?;
                    tx.commit()?;
                    Ok(())
                })
                .await
            } else {
                put(&db, &format!("w{i}"), i).await
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let n: i64 = db
        .get()
        .unwrap()
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 200);
}

#[tokio::test]
async fn a_full_write_queue_answers_503_with_retry_after_and_loses_nothing_queued() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get("/contracts").await;
    let db = app.state.db.clone();
    let (release, blocker) = block_writer(&db).await;
    let mut queued = Vec::new();
    for i in 0..kabinet::db::writer::QUEUE_MAX {
        let db = db.clone();
        queued.push(tokio::spawn(async move {
            db.write(move |c| {
                c.execute(
                    "INSERT INTO settings(key, value) VALUES (?1, 'x')",
                    [format!("queued.{i}")],
                )?;
                Ok(())
            })
            .await
        }));
    }
    eventually(WAIT, "a full queue", || async {
        db.writes_queued() == kabinet::db::writer::QUEUE_MAX
    })
    .await;
    let r = app.post("/contracts/3/note", &[("note", "склад")]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(r.has_text("Сервис временно перегружен"), "{}", r.body);
    release.send(()).unwrap();
    blocker.await.unwrap();
    for q in queued {
        q.await.unwrap().unwrap();
    }
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE key LIKE 'queued.%'"),
        kabinet::db::writer::QUEUE_MAX as i64
    );
    // Once the queue drains the same save goes through.
    let r = app.post("/contracts/3/note", &[("note", "склад")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Logs in with `contract` and returns its session cookie (the jar keeps the last one).
async fn session_of(app: &TestApp, contract: &str) -> String {
    app.clear_cookie("kabinet_session");
    app.login(contract, DEMO_PASSWORD).await;
    app.cookie("kabinet_session").expect("session cookie")
}

#[tokio::test]
async fn a_write_to_one_contract_leaves_anothers_cached_page_valid() {
    let mut cfg = kabinet::config::Config::default();
    cfg.cache.ttl_ms = 600_000;
    let app = TestApp::with_config(cfg).await;
    let b = session_of(&app, "78101424UL").await;
    let a = session_of(&app, DEMO_CONTRACT).await;
    // Both main pages read once: now cached.
    assert!(app.get("/").await.has_text(DEMO_CONTRACT));
    app.set_cookie("kabinet_session", &b);
    assert!(app.get("/").await.has_text("0,00 ₽"));
    // A change to B's balance that the app cannot see (another process, no commit hook):
    // B's page shows it only when its cached entry is dropped.
    let other = rusqlite::Connection::open(app.dir.path().join("kabinet.db")).unwrap();
    other
        .execute("UPDATE contracts SET balance_kop = 777700 WHERE id = 2", [])
        .unwrap();
    // A files a request and saves a note (both through the writer).
    app.set_cookie("kabinet_session", &a);
    let before = app.get("/").await.body.matches("Заявка создана:").count();
    let r = app
        .post(
            "/actions/tariff_change",
            &pairs(&valid(&app, "tariff_change")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.post("/contracts/3/note", &[("note", "склад")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A's page shows its write on the very next request...
    let home = app.get("/").await;
    assert_eq!(home.body.matches("Заявка создана:").count(), before + 1);
    // ...while B's page is still the cached one (a global invalidation would show 7 777,00).
    app.set_cookie("kabinet_session", &b);
    let page = app.get("/").await;
    assert!(page.has_text("0,00 ₽") && !page.has_text("7 777,00"));
    // An unscoped write through the app's connections still invalidates everything.
    app.db()
        .execute(
            "UPDATE settings SET value = value WHERE key = 'csrf_key'",
            [],
        )
        .unwrap();
    app.db()
        .execute(
            "INSERT INTO settings(key, value) VALUES ('t.unscoped', '1')",
            [],
        )
        .unwrap();
    assert!(app.get("/").await.has_text("7 777,00 ₽"));
}
