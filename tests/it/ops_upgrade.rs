//! Upgrades and service operation: a database at every earlier schema version migrates with its
//! data; `--version`, the schema version on `/metrics`, JSON logs, config errors by line.
use std::process::Command;

use kabinet::{
    build_state,
    config::{Config, ConfigError},
    db::migrate::{BASELINE, STEPS, VERSION},
};
use poem::http::StatusCode;

use crate::common::{tempdir, TestApp};

const BIN: &str = env!("CARGO_BIN_EXE_kabinet");
const PASSWORD: &str = "upgrade-pass-1";

/// A database at schema `version` (the baseline plus the first `version - 1` steps) with a
/// contract, its login account, a ledger entry, a request and a setting in it.
fn database_at(path: &std::path::Path, version: i64, hash: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(BASELINE).unwrap();
    for step in &STEPS[..(version - 1) as usize] {
        c.execute_batch(step).unwrap();
    }
    c.pragma_update(None, "user_version", version).unwrap();
    c.execute_batch(&format!(
        "INSERT INTO organizations(id, name, inn) VALUES (1, 'ООО «Старая версия»', '0274000099');
         INSERT INTO contracts(id, number, organization_id, address, password_hash, balance_kop,
                               recommended_payment_kop, created_at)
             VALUES (1, '11110000UL', 1, 'г. Уфа, ул. Старая, 1', '{hash}', 12345, 50000, 1700000000);
         INSERT INTO accounts(id, kind, contract_id, current_contract_id, created_at)
             VALUES (1, 'contract', 1, 1, 1700000000);
         INSERT INTO account_contracts(account_id, contract_id, added_at) VALUES (1, 1, 1700000000);
         INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop,
                                    occurred_at, source, created_at)
             VALUES (1, 'payment', 'Оплата до обновления', 12345, 12345, 1700000000, 'old-1', 1700000000);
         INSERT INTO requests(contract_id, account_id, kind, title, fields_json, created_at, updated_at)
             VALUES (1, 1, 'reissue', 'Переоформление', '{{}}', 1700000000, 1700000000);
         INSERT INTO settings(key, value) VALUES ('upgrade-marker', 'v{version}');"
    ))
    .unwrap();
}

#[tokio::test]
async fn a_database_at_every_earlier_schema_version_migrates_with_its_data() {
    const { assert!(VERSION >= 2, "there are migration steps to test") };
    let hash = kabinet::auth::password::hash_now(PASSWORD);
    for version in 1..VERSION {
        let dir = tempdir();
        let path = dir.path().join("old.db");
        database_at(&path, version, &hash);
        let state = build_state(Config::default(), &path, true)
            .unwrap_or_else(|e| panic!("v{version}: {e}"));
        {
            let c = state.db.get().unwrap();
            assert_eq!(kabinet::db::migrate::version(&c).unwrap(), VERSION);
            let report = kabinet::db::check::run(&c).unwrap();
            assert!(report.ok(), "v{version}: {:?}", report.problems);
            let (balance, entries, requests, marker): (i64, i64, i64, String) = c
                .query_row(
                    "SELECT (SELECT balance_kop FROM contracts WHERE number = '11110000UL'),
                            (SELECT count(*) FROM ledger_entries),
                            (SELECT count(*) FROM requests),
                            (SELECT value FROM settings WHERE key = 'upgrade-marker')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .unwrap();
            assert_eq!(
                (balance, entries, requests, marker),
                (12345, 1, 1, format!("v{version}"))
            );
            let demo: i64 = c
                .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
                .unwrap();
            assert_eq!(demo, 1, "v{version}: no demo data in an existing database");
        }
        // The migrated data works through the app: login and the main page.
        let app = TestApp::from_state(dir, state);
        app.login("11110000UL", PASSWORD).await;
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "v{version}");
        assert!(home.has_text("123,45"), "v{version}: the balance is shown");
        assert!(home.has_text("Переоформление"), "v{version}");
    }
}

#[test]
fn version_flag_prints_the_version() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("kabinet {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_show_the_schema_version() {
    let mut cfg = Config::default();
    cfg.security.metrics_token = Some("s3cret-metrics-token".into());
    let app = TestApp::with_config(cfg).await;
    let r = app
        .client
        .get("/metrics")
        .header("authorization", "Bearer s3cret-metrics-token")
        .send()
        .await;
    r.assert_status_is_ok();
    let body = r.0.into_body().into_string().await.unwrap();
    let want = format!("kabinet_schema_version {VERSION}\n");
    assert!(body.contains(&want), "{body}");
    assert!(body.contains("kabinet_build_info{version="), "{body}");
}

#[test]
fn json_log_format_writes_one_json_object_a_line() {
    let dir = tempdir();
    let out = Command::new(BIN)
        .args([
            "--db",
            dir.path().join("k.db").to_str().unwrap(),
            "--no-demo",
        ])
        .args(["create-api-token", "billing"])
        .env("KABINET_LOG", "info")
        .env("KABINET_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|v| v["message"] == "database migrated" && v["level"] == "INFO"),
        "{logs}"
    );
    let token = String::from_utf8_lossy(&out.stdout);
    assert!(!logs.contains(token.trim()), "the token is never logged");
    let bad = Command::new(BIN)
        .args(["--log-format", "xml", "check"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn a_bad_config_value_names_its_key_and_the_line_of_the_file() {
    let dir = tempdir();
    let path = dir.path().join("kabinet.toml");
    std::fs::write(
        &path,
        "time_zone = \"Europe/Moscow\"\n\n[branding]\nname = \"ISP\"\nprimary_color = \"red\"\n",
    )
    .unwrap();
    let err = Config::load(Some(&path)).unwrap_err();
    assert!(matches!(err, ConfigError::At { line: 5, .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("line 5") && text.contains("branding.primary_color"),
        "{text}"
    );
    // An unknown key and a wrong type: toml's error names the line and the key.
    std::fs::write(&path, "[branding]\nname = \"ISP\"\ncolour = \"#ffffff\"\n").unwrap();
    let text = Config::load(Some(&path)).unwrap_err().to_string();
    assert!(text.contains("line 3") && text.contains("colour"), "{text}");
    std::fs::write(&path, "[sessions]\nidle_timeout_days = \"thirty\"\n").unwrap();
    let text = Config::load(Some(&path)).unwrap_err().to_string();
    assert!(
        text.contains("line 2") && text.contains("idle_timeout_days"),
        "{text}"
    );
    // The binary says the same and exits non-zero.
    let out = Command::new(BIN)
        .args(["--config", path.to_str().unwrap(), "check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}
