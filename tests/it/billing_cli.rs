//! The billing CLI through the real binary: API tokens and CSV import (all rows or none).
use rusqlite::Connection;
use std::{path::Path, process::Command};

const BIN: &str = env!("CARGO_BIN_EXE_kabinet");

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(db: &Path, args: &[&str]) -> Out {
    let o = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("KABINET_LOG", "warn")
        .output()
        .expect("run kabinet");
    Out {
        ok: o.status.success(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

const CONTRACTS: &str = "number,organization_name,organization_inn,address,segment,status,recommended_payment_kop,password
11112222AB,ООО «Ромашка»,0274000099,\"г. Уфа, ул. Тестовая, д. 1\",business,active,150000,integration-1
33334444CD,,,\"г. Уфа, ул. Домашняя, д. 2, кв. 3\",home,active,45000,
";

#[test]
fn api_tokens_are_created_once_shown_stored_hashed_and_revoked() {
    let dir = crate::common::tempdir();
    let db = dir.path().join("k.db");
    let o = run(&db, &["create-api-token", "billing-1"]);
    assert!(o.ok, "{}", o.stderr);
    let token = o.stdout.trim().to_owned();
    assert!(
        !token.contains('\n'),
        "stdout is the token alone: {}",
        o.stdout
    );
    assert!(token.starts_with("kbt_") && token.len() > 40, "{token}");
    let stored: Vec<u8> = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT token_hash FROM api_tokens WHERE name = 'billing-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        stored,
        kabinet::auth::session::token_hash(&token),
        "only the SHA-256 is stored"
    );
    let again = run(&db, &["create-api-token", "billing-1"]);
    assert!(
        !again.ok && again.stderr.contains("exists"),
        "{}",
        again.stderr
    );
    let r = run(&db, &["revoke-api-token", "billing-1"]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL"
        ),
        1
    );
    assert!(
        !run(&db, &["revoke-api-token", "billing-1"]).ok,
        "nothing left to revoke"
    );
    assert!(!run(&db, &["revoke-api-token", "nobody"]).ok);
    // A revoked name can be issued again.
    assert!(run(&db, &["create-api-token", "billing-1"]).ok);
}

#[test]
fn csv_import_of_contracts_services_and_ledger_is_repeatable() {
    let dir = crate::common::tempdir();
    let db = dir.path().join("k.db");
    let f = write(dir.path(), "contracts.csv", CONTRACTS);
    let o = run(&db, &["import", "contracts", &f]);
    assert!(o.ok, "{}", o.stderr);
    assert!(
        o.stdout.contains("2 rows imported (2 created"),
        "{}",
        o.stdout
    );
    let o = run(&db, &["import", "contracts", &f]);
    assert!(o.stdout.contains("0 created, 2 updated"), "{}", o.stdout);
    assert_eq!(count(&db, "SELECT count(*) FROM contracts"), 2);
    assert_eq!(
        count(&db, "SELECT count(*) FROM accounts WHERE kind = 'contract'"),
        2
    );
    // The password column becomes the login password; an empty one leaves login impossible.
    let hash = |number: &str| -> String {
        Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT password_hash FROM contracts WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .unwrap()
    };
    use argon2::{PasswordHash, PasswordVerifier};
    let verify = |h: &str, p: &str| {
        argon2::Argon2::default()
            .verify_password(p.as_bytes(), &PasswordHash::new(h).unwrap())
            .is_ok()
    };
    assert!(verify(&hash("11112222AB"), "integration-1"));
    assert!(!verify(&hash("33334444CD"), ""));
    assert_eq!(
        count(&db, "SELECT count(*) FROM settings s JOIN contracts c ON c.password_hash = s.value WHERE s.key = 'billing.unusable_password_hash'"),
        1,
        "the password-less contract has the unusable hash"
    );

    // Semicolon-separated, as spreadsheet programs in Russian locales save.
    let services = "contract;kind;name;tariff_name;price_kop;status;paid_until;speed_mbps;static_ip;channel_package;channel_count
11112222AB;internet;Интернет;Бизнес 300;150000;active;2026-12-31;300;92.50.150.17;;
11112222AB;tv;Телевидение;ТВ Офис;30000;active;;;;Базовый;120
33334444CD;internet;Интернет;Домашний 100;50000;connecting;;100;;;
";
    let f = write(dir.path(), "services.csv", services);
    let o = run(&db, &["import", "services", &f]);
    assert!(o.ok, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("3 services imported; the service lists of 2 contracts"),
        "{}",
        o.stdout
    );
    assert_eq!(count(&db, "SELECT count(*) FROM services"), 3);
    assert_eq!(count(&db, "SELECT count(*) FROM internet_details"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tv_details WHERE channel_count = 120"
        ),
        1
    );

    let ledger = "contract,external_id,kind,description,amount_kop,occurred_at
11112222AB,b-1,payment,Оплата через банк,50000,2026-11-20T10:00:00+05:00
11112222AB,c-1,charge,,-12000,2026-11-21T00:00:00Z
33334444CD,b-2,payment,,45000,2026-11-22T09:30:00+05:00
";
    let f = write(dir.path(), "ledger.csv", ledger);
    let o = run(&db, &["import", "ledger", &f]);
    assert!(o.ok, "{}", o.stderr);
    assert!(o.stdout.contains("3 created"), "{}", o.stdout);
    let o = run(&db, &["import", "ledger", &f]);
    assert!(
        o.ok && o.stdout.contains("0 created, 0 updated, 3 duplicate"),
        "{}",
        o.stdout
    );
    assert_eq!(
        count(
            &db,
            "SELECT balance_kop FROM contracts WHERE number = '11112222AB'"
        ),
        38_000
    );
    assert_eq!(
        count(
            &db,
            "SELECT balance_kop FROM contracts WHERE number = '33334444CD'"
        ),
        45_000
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM ledger_entries WHERE description = 'Списание'"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action LIKE 'import.%'"
        ),
        5
    );
}

#[test]
fn a_csv_file_with_errors_imports_nothing_and_lists_them_by_line() {
    let dir = crate::common::tempdir();
    let db = dir.path().join("k.db");
    let f = write(dir.path(), "contracts.csv", CONTRACTS);
    assert!(run(&db, &["import", "contracts", &f]).ok);

    let bad = "number,address,segment,status,recommended_payment_kop
55556666EF,г. Уфа,business,active,1000
77778888GH,г. Уфа,corporate,active,1000
99990000IJ,г. Уфа,home,active,12.50
";
    let f = write(dir.path(), "bad.csv", bad);
    let o = run(&db, &["import", "contracts", &f]);
    assert!(!o.ok);
    assert!(o.stderr.contains("строка 3: segment"), "{}", o.stderr);
    assert!(
        o.stderr.contains("строка 4: recommended_payment_kop"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("nothing was imported"), "{}", o.stderr);
    assert_eq!(
        count(&db, "SELECT count(*) FROM contracts"),
        2,
        "the good row 2 is not stored either"
    );

    // Ledger: a valid row, then a row for an unknown contract (found only against the database).
    let ledger = "contract,external_id,kind,amount_kop,occurred_at
11112222AB,b-1,payment,50000,2026-11-20T10:00:00+05:00
00000000XX,b-2,payment,100,2026-11-20T10:00:00+05:00
";
    let f = write(dir.path(), "ledger.csv", ledger);
    let o = run(&db, &["import", "ledger", &f]);
    assert!(!o.ok);
    assert!(
        o.stderr.contains("строка 3") && o.stderr.contains("00000000XX"),
        "{}",
        o.stderr
    );
    assert_eq!(count(&db, "SELECT count(*) FROM ledger_entries"), 0);
    assert_eq!(
        count(
            &db,
            "SELECT balance_kop FROM contracts WHERE number = '11112222AB'"
        ),
        0
    );

    // Wrong header: the columns are named.
    let f = write(dir.path(), "h.csv", "contract,id,sum\n11112222AB,1,2\n");
    let o = run(&db, &["import", "ledger", &f]);
    assert!(!o.ok);
    assert!(
        o.stderr.contains("строка 1: неизвестная колонка «id»"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("нет обязательной колонки «external_id»"),
        "{}",
        o.stderr
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'import.ledger'"
        ),
        0
    );
}
