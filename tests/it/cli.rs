//! The real binary: start-up output, graceful shutdown, refusal of a too-new database.
use std::{
    io::{BufRead, BufReader, Read},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::common::eventually;

const BIN: &str = env!("CARGO_BIN_EXE_kabinet");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn binary_prints_url_and_demo_logins_and_stops_gracefully_on_sigterm() {
    let dir = crate::common::tempdir();
    let port = free_port();
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("KABINET_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let started = Instant::now();
    while !printed.contains("staff") {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        printed.push_str(&line);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no start-up output"
        );
    }
    assert!(
        printed.contains(&format!("http://127.0.0.1:{port}/")),
        "{printed}"
    );
    assert!(printed.contains("72845736UL / kabinet-demo"), "{printed}");
    assert!(printed.contains("operator / kabinet-demo"), "{printed}");
    assert!(
        dir.path().join("kabinet.db").exists(),
        "kabinet.db created in the working directory"
    );

    // The server answers, then SIGTERM stops it cleanly.
    eventually(Duration::from_secs(5), "the server to listen", || async {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let what = "the server to stop after SIGTERM";
    let code = eventually(Duration::from_secs(25), what, || {
        let exited = child.try_wait().unwrap();
        async move { exited }
    })
    .await;
    assert!(code.success(), "graceful exit: {code:?}");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("kabinet stopped"), "{rest}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("graceful shutdown") && !logs.contains('\x1b'),
        "plain log lines on stderr (no terminal colours) when not on a terminal: {logs}"
    );
    assert!(
        !printed.contains(" INFO ") && !rest.contains(" INFO "),
        "stdout carries no log lines: {printed}{rest}"
    );
}

#[test]
fn binary_refuses_a_database_from_a_newer_version_with_a_clear_message() {
    let dir = crate::common::tempdir();
    let db = dir.path().join("new.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
    }
    let out = Command::new(BIN)
        .args([
            "--db",
            db.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .env("KABINET_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("newer kabinet") && err.contains("999"),
        "{err}"
    );
}

#[test]
fn no_demo_flag_and_env_are_accepted_and_admin_commands_never_seed() {
    for (args, env) in [(vec!["--no-demo"], None), (vec![], Some("true"))] {
        let dir = crate::common::tempdir();
        let db = dir.path().join("prod.db");
        let mut cmd = Command::new(BIN);
        cmd.args(["--db", db.to_str().unwrap()])
            .args(&args)
            .args(["create-api-token", "probe"]);
        if let Some(v) = env {
            cmd.env("KABINET_NO_DEMO", v);
        }
        let out = cmd.env("KABINET_LOG", "off").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let c = rusqlite::Connection::open(&db).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}
