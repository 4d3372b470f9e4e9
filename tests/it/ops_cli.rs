//! Admin commands on the real binary: backup, restore, check.
use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::Duration,
};

use kabinet::config::Config;

use crate::common::{demo_db, eventually, tempdir};

const BIN: &str = env!("CARGO_BIN_EXE_kabinet");

fn kabinet(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--db", db.to_str().unwrap()])
        .args(args)
        .env("KABINET_LOG", "off")
        .env_remove("KABINET_CONFIG")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn contracts(db: &Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn backup_of_a_missing_database_is_refused_and_writes_nothing() {
    let dir = tempdir();
    let typo = dir.path().join("typo.db");
    let out = kabinet(
        &typo,
        &["backup", dir.path().join("b.db").to_str().unwrap()],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("does not exist"), "{}", text(&out));
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn backup_writes_a_complete_copy_and_leaves_no_temporary_file() {
    let dir = tempdir();
    let db = demo_db(dir.path(), &Config::default());
    let out_dir = dir.path().join("backups");
    std::fs::create_dir(&out_dir).unwrap();
    let b = out_dir.join("k.db");
    let out = kabinet(&db, &["backup", b.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(files_in(&out_dir), ["k.db"], "only the final file");
    assert_eq!(contracts(&b), 4);
    // An existing backup file is replaced whole, never appended to or half-overwritten.
    let again = kabinet(&db, &["backup", b.to_str().unwrap()]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(files_in(&out_dir), ["k.db"]);
    // A directory as the target is refused.
    let out = kabinet(&db, &["backup", out_dir.to_str().unwrap()]);
    assert!(!out.status.success());
}

#[test]
fn check_passes_a_sound_database_and_fails_a_broken_balance() {
    let dir = tempdir();
    let db = demo_db(dir.path(), &Config::default());
    let ok = kabinet(&db, &["check"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("ok"), "{}", text(&ok));
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute(
            "UPDATE contracts SET balance_kop = balance_kop + 1 WHERE number = '72845736UL'",
            [],
        )
        .unwrap();
    }
    let bad = kabinet(&db, &["check"]);
    assert!(!bad.status.success(), "{}", text(&bad));
    assert!(
        text(&bad).contains("balance: contract 72845736UL"),
        "{}",
        text(&bad)
    );
    let missing = kabinet(&dir.path().join("none.db"), &["check"]);
    assert!(!missing.status.success());
    assert!(
        !dir.path().join("none.db").exists(),
        "check creates nothing"
    );
}

#[test]
fn restore_checks_the_file_and_replaces_the_database() {
    let dir = tempdir();
    let db = demo_db(dir.path(), &Config::default());
    let backup = dir.path().join("backup.db");
    assert!(kabinet(&db, &["backup", backup.to_str().unwrap()])
        .status
        .success());
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute("DELETE FROM contracts WHERE number = '76095454RK'", [])
            .unwrap();
    }
    assert_eq!(contracts(&db), 3);
    // Not a database: refused, the current file untouched.
    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"definitely not sqlite, but long enough to have a header....",
    )
    .unwrap();
    let out = kabinet(&db, &["restore", junk.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(contracts(&db), 3);
    let out = kabinet(
        &db,
        &["restore", dir.path().join("nope.db").to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("does not exist"), "{}", text(&out));
    // The backup: restored, the replaced database kept beside it, the check passes.
    let out = kabinet(&db, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(contracts(&db), 4);
    assert_eq!(contracts(&dir.path().join("kabinet.db.before-restore")), 3);
    assert!(kabinet(&db, &["check"]).status.success());
}

#[tokio::test]
async fn restore_is_refused_while_a_server_runs_on_the_database() {
    let dir = tempdir();
    let db = demo_db(dir.path(), &Config::default());
    let backup = dir.path().join("backup.db");
    assert!(kabinet(&db, &["backup", backup.to_str().unwrap()])
        .status
        .success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BIN)
        .args(["--db", db.to_str().unwrap(), "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .env("KABINET_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually(Duration::from_secs(10), "the server to listen", || async {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    let out = kabinet(&db, &["restore", backup.to_str().unwrap()]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("in use"), "{}", text(&out));
    // Once the server is gone the lock is free.
    let out = kabinet(&db, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
}
