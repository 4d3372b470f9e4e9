//! The billing API's ledger (idempotent, concurrent, backdated entries), refusals of bad input,
//! and the exports.
use crate::{
    billing_api::{balance, call, contract_body, entry, token},
    common::*,
};
use poem::http::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_ledger_batch_posted_twice_moves_the_balance_once() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let before = balance(&app, DEMO_CONTRACT);
    let batch = json!({"entries": [
        entry(DEMO_CONTRACT, "bank-1", "payment", json!(50_000)),
        entry(DEMO_CONTRACT, "chg-1", "charge", json!(-12_000)),
    ]})
    .to_string();
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/ledger",
        Some(&t),
        Some(batch.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["created"], 2);
    assert_eq!(v["entries"][0]["result"], "created");
    assert_eq!(v["entries"][1]["balance_after_kop"], before + 38_000);
    let (s, v) = call(&app, "POST", "/api/v1/ledger", Some(&t), Some(batch)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["created"], 0);
    assert_eq!(v["duplicates"], 2);
    assert_eq!(v["entries"][0]["result"], "duplicate");
    assert_eq!(balance(&app, DEMO_CONTRACT), before + 38_000);
    assert_eq!(
        app.count("SELECT count(*) FROM ledger_entries WHERE source LIKE 'billing:%'"),
        2
    );
    assert_eq!(app.count("SELECT count(*) FROM audit_log WHERE actor_kind = 'api' AND action = 'api.ledger.post' AND target = '72845736UL' AND actor_id IS NOT NULL"), 1);
    // The same external id with other content is a conflict, and nothing of its batch is stored.
    let clash = json!({"entries": [entry(DEMO_CONTRACT, "bank-2", "payment", json!(100)),
        entry(DEMO_CONTRACT, "bank-1", "payment", json!(60_000))]});
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/ledger",
        Some(&t),
        Some(clash.to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["field"], "entries[1].external_id");
    assert_eq!(balance(&app, DEMO_CONTRACT), before + 38_000);
    // The history shows the entry.
    app.login_demo().await;
    let h = app.get_hx("/balance/history").await;
    assert!(
        h.has_text("Оплата через банк") && h.has_text("+500,00 ₽"),
        "{}",
        h.body
    );
}

#[tokio::test]
async fn five_concurrent_posts_of_one_batch_move_the_balance_once() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let before = balance(&app, DEMO_CONTRACT);
    let batch = json!({"entries": [entry(DEMO_CONTRACT, "conc-1", "payment", json!(70_000)),
        entry("78101424UL", "conc-2", "bonus", json!(5_000))]})
    .to_string();
    let calls = (0..5).map(|_| {
        call(
            &app,
            "POST",
            "/api/v1/ledger",
            Some(&t),
            Some(batch.clone()),
        )
    });
    let results = futures_util::future::join_all(calls).await;
    let created: i64 = results
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, StatusCode::OK, "{v}");
            v["created"].as_i64().unwrap()
        })
        .sum();
    assert_eq!(created, 2, "each entry created by exactly one request");
    assert_eq!(balance(&app, DEMO_CONTRACT), before + 70_000);
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries WHERE source IN ('billing:conc-1', 'billing:conc-2')"), 2);
}

#[tokio::test]
async fn exports_page_by_ascending_id_with_a_cursor() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let total = app.count("SELECT count(*) FROM requests");
    assert!(total >= 3, "demo requests");
    let (s, v) = call(&app, "GET", "/api/v1/requests?limit=2", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let first = &items[0];
    assert!(
        first["contract"].as_str().unwrap().ends_with("UL")
            || first["contract"].as_str().unwrap().ends_with("RK")
    );
    assert!(
        first["created_at"].as_str().unwrap().ends_with('Z'),
        "{first}"
    );
    assert!(first["fields"].is_object(), "{first}");
    let next = v["next_after_id"].as_i64().unwrap();
    assert_eq!(next, items[1]["id"].as_i64().unwrap());
    let mut seen = 2;
    let mut after = next;
    loop {
        let (_, v) = call(
            &app,
            "GET",
            &format!("/api/v1/requests?after_id={after}&limit=2"),
            Some(&t),
            None,
        )
        .await;
        let items = v["items"].as_array().unwrap();
        for it in items {
            assert!(it["id"].as_i64().unwrap() > after);
        }
        seen += items.len() as i64;
        let n = v["next_after_id"].as_i64().unwrap();
        if items.is_empty() {
            assert_eq!(n, after, "an empty page keeps the cursor");
            break;
        }
        after = n;
    }
    assert_eq!(seen, total);

    // Payments: a stored (real) payment appears with its contract number and provider ids.
    app.db()
        .execute(
            "INSERT INTO payments(contract_id, amount_kop, status, provider, provider_payment_id, idempotency_key, created_at, updated_at)
             VALUES (1, 120000, 'succeeded', 'yookassa', 'sb-1', 'k-1', 1700000000, 1700000100)",
            [],
        )
        .unwrap();
    let (s, v) = call(&app, "GET", "/api/v1/payments", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK);
    let p = v["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(p["contract"], DEMO_CONTRACT);
    assert_eq!(p["amount_kop"], 120_000);
    assert_eq!(p["provider_payment_id"], "sb-1");
    assert_eq!(p["updated_at"], "2023-11-14T22:15:00Z");

    let (s, v) = call(
        &app,
        "GET",
        "/api/v1/applications?limit=500",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let apps = v["items"].as_array().unwrap();
    assert_eq!(
        apps.len() as i64,
        app.count("SELECT count(*) FROM applications")
    );
    let last = apps.last().unwrap();
    assert_eq!(last["name"], "ООО «Башкирский мёд»");
    assert_eq!(last["referrer_contract"], DEMO_CONTRACT);
    assert_eq!(last["status"], "in_progress");
    assert!(
        last["details"].is_object() && last["consent_at"].is_string(),
        "{last}"
    );
    for bad in ["limit=501", "limit=0", "after_id=-1", "limit=ten"] {
        let (s, v) = call(
            &app,
            "GET",
            &format!("/api/v1/payments?{bad}"),
            Some(&t),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v["field"].is_string());
    }
}

#[tokio::test]
async fn a_backdated_entry_keeps_the_running_balance_and_the_monthly_openings_right() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let before = balance(&app, DEMO_CONTRACT);
    // The demo history: December opens at 12,00 ₽. A 10,00 ₽ payment dated in November moves
    // December's opening and every later running balance, not only the contract's balance.
    let mut e = entry(DEMO_CONTRACT, "late-1", "payment", json!(1_000));
    e["occurred_at"] = json!("2022-11-15T12:00:00+05:00");
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/ledger",
        Some(&t),
        Some(json!({"entries": [e]}).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["entries"][0]["balance_after_kop"], 1_800,
        "8,00 ₽ (October) + 10,00 ₽"
    );
    assert_eq!(balance(&app, DEMO_CONTRACT), before + 1_000);
    let newest: i64 = app
        .db()
        .query_row(
            "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = 1 ORDER BY occurred_at DESC, id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        newest,
        before + 1_000,
        "the newest running balance equals the balance"
    );
    app.login_demo().await;
    let h = app.get_hx("/balance/history").await;
    assert!(
        normalize(&h.body).contains("На начало месяца</span><span class=\"h-amount\">22,00 ₽"),
        "{}",
        h.body
    );
    // An entry dated in the future is refused.
    let mut f = entry(DEMO_CONTRACT, "future-1", "payment", json!(100));
    f["occurred_at"] = json!("2099-01-01T00:00:00Z");
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/ledger",
        Some(&t),
        Some(json!({"entries": [f]}).to_string()),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("entries[0].occurred_at")
        )
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_json_error_and_changes_nothing() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let before = balance(&app, DEMO_CONTRACT);
    let entries = app.count("SELECT count(*) FROM ledger_entries");
    let post = |body: String| call(&app, "POST", "/api/v1/ledger", Some(&t), Some(body));
    let ok = entry(DEMO_CONTRACT, "x-1", "payment", json!(100));

    let (s, v) = post(
        json!({"entries": [ok.clone(), entry("00000000XX", "x-2", "payment", json!(100))]})
            .to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["field"], "entries[1].contract");
    assert!(v["error"].as_str().unwrap().contains("00000000XX"));

    let (s, v) = post(
        json!({"entries": [ok.clone(), entry(DEMO_CONTRACT, "x-3", "gift", json!(100))]})
            .to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "entries[1].kind");
    assert!(
        v["error"].as_str().unwrap().contains("payment, charge"),
        "{v}"
    );

    for amount in [json!(12.5), json!("100"), json!(null)] {
        let (s, v) = post(
            json!({"entries": [ok.clone(), entry(DEMO_CONTRACT, "x-4", "payment", amount)]})
                .to_string(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], "entries[1].amount_kop");
    }
    let (s, v) =
        post(json!({"entries": [entry(DEMO_CONTRACT, "x-5", "charge", json!(100))]}).to_string())
            .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a positive charge: {v}"
    );
    let mut late = ok.clone();
    late["occurred_at"] = json!("25.11.2026");
    let (s, v) = post(json!({"entries": [late]}).to_string()).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("entries[0].occurred_at")
        )
    );
    let (s, v) = post(json!({"entries": [ok.clone(), ok.clone()]}).to_string()).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("entries[1].external_id")
        )
    );

    let (s, v) = post("{\"entries\": [".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("JSON"));
    let (s, v) = post("[]".into()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let big = format!(
        "{{\"entries\": [], \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024 + 10)
    );
    let (s, v) = post(big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(v["error"].as_str().unwrap().contains("1024"), "{v}");

    // Contracts: bad fields name the field; nothing is created.
    let mut c: Value = serde_json::from_str(&contract_body(None)).unwrap();
    c["segment"] = json!("corporate");
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/55556666EF",
        Some(&t),
        Some(c.to_string()),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("segment"))
    );
    let (s, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/no%20such!",
        Some(&t),
        Some(contract_body(None)),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("number"))
    );
    assert_eq!(
        app.count("SELECT count(*) FROM contracts WHERE number = '55556666EF'"),
        0
    );

    let (s, v) = call(&app, "GET", "/api/v1/nowhere", Some(&t), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    assert_eq!(balance(&app, DEMO_CONTRACT), before);
    assert_eq!(app.count("SELECT count(*) FROM ledger_entries"), entries);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE actor_kind = 'api'"),
        0
    );
}
