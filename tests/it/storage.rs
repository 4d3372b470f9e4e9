//! Storage: schema versions, demo seeding, connection pragmas, the guide's history.
use kabinet::{build_state, config::Config, StartError};

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = crate::common::tempdir();
    let path = dir.path().join("k.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(kabinet::db::migrate::BASELINE).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = match build_state(Config::default(), &path, true) {
        Err(e) => e,
        Ok(_) => panic!("a too-new database must be refused"),
    };
    assert!(matches!(
        err,
        StartError::Open(kabinet::db::OpenError::TooNew { found: 99, .. })
    ));
    assert!(err.to_string().contains("newer kabinet"), "{err}");
}

#[test]
fn demo_data_is_seeded_only_into_a_new_database() {
    let dir = crate::common::tempdir();
    let path = dir.path().join("k.db");
    {
        let st = build_state(Config::default(), &path, true).unwrap();
        let c = st.db.get().unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
        c.execute("DELETE FROM account_contracts WHERE contract_id = 4", [])
            .unwrap();
        c.execute("UPDATE contracts SET address = 'changed' WHERE id = 2", [])
            .unwrap();
    }
    let st = build_state(Config::default(), &path, true).unwrap();
    let c = st.db.get().unwrap();
    let links: i64 = c
        .query_row(
            "SELECT count(*) FROM account_contracts WHERE contract_id = 4",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(links, 0, "existing database left as it was");
    let addr: String = c
        .query_row("SELECT address FROM contracts WHERE id = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(addr, "changed");
    assert!(st.demo);

    let fresh = dir.path().join("prod.db");
    let st = build_state(Config::default(), &fresh, false).unwrap();
    let c = st.db.get().unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM contracts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "--no-demo never seeds");
    assert!(!st.demo);
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, kabinet::db::migrate::VERSION);
}

#[test]
fn every_connection_gets_the_pragmas() {
    let dir = crate::common::tempdir();
    let st = build_state(Config::default(), &dir.path().join("k.db"), false).unwrap();
    let c = st.db.get().unwrap();
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let fk: i64 = c
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    let sync: i64 = c
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    let busy: i64 = c
        .pragma_query_value(None, "busy_timeout", |r| r.get(0))
        .unwrap();
    assert_eq!((mode.as_str(), fk, sync), ("wal", 1, 2));
    assert!(busy >= 1000);
}

#[test]
fn demo_history_matches_the_guide() {
    let dir = crate::common::tempdir();
    let st = build_state(Config::default(), &dir.path().join("k.db"), true).unwrap();
    let c = st.db.get().unwrap();
    // Opening balance of December 2022 = balance after the last entry before 1 Dec.
    let tz = &st.tz;
    let dec1 = kabinet::domain::time::local(tz, 2022, 12, 1, 0, 0, 0);
    let opening: i64 = c
        .query_row(
            "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = 1 AND occurred_at < ?1 ORDER BY occurred_at DESC, id DESC LIMIT 1",
            [dec1],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(opening, 1200, "«На начало месяца 12,00 ₽»");
    let (balance, rec): (i64, i64) = c
        .query_row("SELECT balance_kop, recommended_payment_kop FROM contracts WHERE number = '72845736UL'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((balance, rec), (0, 120_000));
    let note: String = c
        .query_row("SELECT note FROM account_contracts ac JOIN contracts k ON k.id = ac.contract_id WHERE k.number = '72718289UL' AND ac.account_id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "тест 1");
    let bonus: i64 = c
        .query_row(
            "SELECT sum(amount_kop) FROM referral_accruals WHERE contract_id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bonus, 1_518_000);
}
