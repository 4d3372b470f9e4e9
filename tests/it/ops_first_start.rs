//! First start: a new database appears complete (schema and demo data) or not at all; an
//! existing 0-byte file is an error, not a new install.
use std::{
    process::{Command, Stdio},
    time::Duration,
};

use kabinet::{build_state, config::Config};

const BIN: &str = env!("CARGO_BIN_EXE_kabinet");

#[test]
fn a_zero_byte_database_file_is_refused_not_taken_for_a_new_install() {
    let dir = crate::common::tempdir();
    let path = dir.path().join("k.db");
    std::fs::write(&path, b"").unwrap();
    let err = match build_state(Config::default(), &path, true) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a 0-byte file must be refused"),
    };
    assert!(err.contains("0-byte"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "left as found");
}

#[test]
fn a_new_database_is_created_whole_with_no_files_left_beside_it() {
    let dir = crate::common::tempdir();
    let path = dir.path().join("k.db");
    let st = build_state(Config::default(), &path, true).unwrap();
    let n: i64 = st
        .db
        .get()
        .unwrap()
        .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4);
    drop(st);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".new-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_kill_during_the_first_start_leaves_either_nothing_or_everything() {
    for i in 0..12u64 {
        let dir = crate::common::tempdir();
        let path = dir.path().join("k.db");
        let mut child = Command::new(BIN)
            .args(["--db", path.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .env("KABINET_LOG", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(5 + i * 12));
        child.kill().unwrap();
        child.wait().unwrap();
        if path.exists() {
            let c = rusqlite::Connection::open(&path).unwrap();
            let n: i64 = c
                .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
                .unwrap_or(-1);
            assert_eq!(n, 4, "run {i}: a database without its demo data");
        }
        // The next start always succeeds and has the demo data.
        let st = build_state(Config::default(), &path, true)
            .unwrap_or_else(|e| panic!("run {i}: restart failed: {e}"));
        let n: i64 = st
            .db
            .get()
            .unwrap()
            .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4, "run {i}");
    }
}
