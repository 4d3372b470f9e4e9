//! Documents in the billing API: upload (idempotent by external id, checked, nothing stored on
//! error), the change feed, the file, the company's requisites.
use crate::billing_api::{call, token};
use crate::common::*;
use base64::Engine;
use poem::http::StatusCode;
use serde_json::{json, Value};

fn fake_pdf(tag: &str) -> Vec<u8> {
    kabinet::services::pdf::act(&{
        let mut a = kabinet::services::pdf::sample::act(false, 2);
        a.number = tag.to_owned();
        a
    })
}

fn upload_body(ext: &str, number: &str, pdf: &[u8]) -> String {
    json!({
        "external_id": ext,
        "contract": DEMO_CONTRACT,
        "kind": "act",
        "number": number,
        "date": "2023-01-31",
        "amount_kop": 150000,
        "title": "за январь 2023",
        "pdf_base64": base64::engine::general_purpose::STANDARD.encode(pdf),
    })
    .to_string()
}

fn docs_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM documents")
}

#[tokio::test]
async fn api_document_upload_is_idempotent_by_external_id_and_stores_nothing_on_error() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let pdf = fake_pdf("1С-000123");
    let before = docs_count(&app);
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload_body("1c:doc:123", "1С-000123", &pdf)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["result"], "created");
    let id = v["id"].as_i64().unwrap();
    // the same upload again: 200, nothing new
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload_body("1c:doc:123", "1С-000123", &pdf)),
    )
    .await;
    assert_eq!(
        (s, v["result"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );
    assert_eq!(v["id"].as_i64(), Some(id));
    assert_eq!(docs_count(&app), before + 1);
    // the same external id with another file: 409
    let other = fake_pdf("1С-000124");
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload_body("1c:doc:123", "1С-000123", &other)),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["field"], "external_id");
    // bad input: JSON errors, nothing stored
    let not_pdf = upload_body("1c:doc:9", "X-1", b"<html>not a pdf</html>");
    let mut wrong_kind: Value =
        serde_json::from_str(&upload_body("1c:doc:10", "X-2", &pdf)).unwrap();
    wrong_kind["kind"] = json!("letter");
    let mut unknown: Value = serde_json::from_str(&upload_body("1c:doc:11", "X-3", &pdf)).unwrap();
    unknown["contract"] = json!("00000000XX");
    let mut bad_b64: Value = serde_json::from_str(&upload_body("1c:doc:12", "X-4", &pdf)).unwrap();
    bad_b64["pdf_base64"] = json!("%%%");
    for (body, status, field) in [
        (
            not_pdf,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("pdf_base64"),
        ),
        (
            wrong_kind.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("kind"),
        ),
        (unknown.to_string(), StatusCode::NOT_FOUND, Some("contract")),
        (
            bad_b64.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("pdf_base64"),
        ),
        ("{not json".to_owned(), StatusCode::BAD_REQUEST, None),
        (
            upload_body("1c:doc:13", "А-2022-00002", &pdf),
            StatusCode::CONFLICT,
            Some("number"),
        ),
    ] {
        let (s, v) = call(&app, "POST", "/api/v1/documents", Some(&t), Some(body)).await;
        assert_eq!(s, status, "{v}");
        assert!(v["error"].is_string());
        assert_eq!(v["field"].as_str(), field, "{v}");
    }
    let (s, _) = call(
        &app,
        "POST",
        "/api/v1/documents",
        None,
        Some(upload_body("1c:doc:14", "X-5", &pdf)),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(docs_count(&app), before + 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'document.receive'"),
        1
    );
    // the subscriber sees it and downloads the very same file
    app.login_demo().await;
    let list = app.get_hx("/documents/list").await;
    assert!(list.has_text("1С-000123"));
    let r = app
        .client
        .get(format!("/documents/{id}/pdf"))
        .header("cookie", crate::documents::cookie_header(&app))
        .send()
        .await;
    assert_eq!(r.0.into_body().into_vec().await.unwrap(), pdf);
}

#[tokio::test]
async fn an_upload_over_the_size_limit_gets_413() {
    let mut cfg = kabinet::config::Config::default();
    cfg.documents.max_upload_mb = 1;
    let app = TestApp::with_config(cfg).await;
    let t = token(&app, "billing");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(1024 * 1024 + 10, b'0');
    let before = docs_count(&app);
    let (s, v) = call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload_body("big", "B-1", &big)),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(docs_count(&app), before);
}

#[tokio::test]
async fn issued_documents_feed_pages_by_changed_after_and_serves_the_file() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    app.state.clock.advance(5);
    let (s, v) = call(
        &app,
        "GET",
        "/api/v1/documents?changed_after=0&limit=2",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "act");
    assert_eq!(items[0]["number"], "А-2022-00001");
    let next = v["next_changed_after"].as_str().unwrap().to_owned();
    let (_, v) = call(
        &app,
        "GET",
        &format!("/api/v1/documents?changed_after={next}&limit=100"),
        Some(&t),
        None,
    )
    .await;
    let rest = v["items"].as_array().unwrap();
    assert_eq!(rest.len(), 2, "four demo documents in all");
    assert!(items
        .iter()
        .chain(rest)
        .any(|i| i["kind"] == "invoice" && !i["paid_at"].is_null()));
    // a voided one comes again with its new status
    let id = items[0]["id"].as_i64().unwrap();
    {
        let mut c = app.db();
        kabinet::app::documents::void(
            &mut c,
            &kabinet::app::documents::Actor::System,
            id,
            "Исправлен",
            app.state.clock.now(),
        )
        .unwrap();
    }
    app.state.clock.advance(5);
    let last = v["next_changed_after"].as_str().unwrap().to_owned();
    let (_, v) = call(
        &app,
        "GET",
        &format!("/api/v1/documents?changed_after={last}"),
        Some(&t),
        None,
    )
    .await;
    assert_eq!(v["items"][0]["status"], "voided");
    assert_eq!(v["items"][0]["void_reason"], "Исправлен");
    let r = app
        .client
        .get(format!("/api/v1/documents/{id}/pdf"))
        .header("authorization", format!("Bearer {t}"))
        .send()
        .await;
    assert_eq!(r.0.status(), StatusCode::OK);
    assert!(r
        .0
        .into_body()
        .into_vec()
        .await
        .unwrap()
        .starts_with(b"%PDF-"));
}

#[tokio::test]
async fn requisites_set_through_the_api_show_on_the_documents_screen() {
    let app = TestApp::new().await;
    let t = token(&app, "billing");
    let (s, v) = call(
        &app,
        "PUT",
        &format!("/api/v1/contracts/{DEMO_CONTRACT}/requisites"),
        Some(&t),
        Some(json!({"kpp": "12345", "ogrn": "304027400000099"}).to_string()),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kpp"))
    );
    let (s, v) = call(&app, "PUT", &format!("/api/v1/contracts/{DEMO_CONTRACT}/requisites"), Some(&t),
        Some(json!({"ogrn": "304027400000099", "legal_address": "450001, г. Уфа, ул. Новая, д. 7", "documents_email": "Buh@Example.ru"}).to_string())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["documents_email"], "Buh@example.ru");
    let (s, _) = call(
        &app,
        "PUT",
        "/api/v1/contracts/00000000XX/requisites",
        Some(&t),
        Some("{}".into()),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.login_demo().await;
    let r = app.get_hx("/documents").await;
    assert!(r.has_text("304027400000099") && r.has_text("ул. Новая, д. 7"));
}

#[tokio::test]
async fn requisites_come_in_with_the_contracts_csv_import() {
    let app = TestApp::new().await;
    let csv = "number;address;segment;status;recommended_payment_kop;organization_name;organization_inn;organization_kpp;organization_ogrn;organization_legal_address;documents_email\n\
               55500011UL;г. Уфа, ул. Мира, д. 1;business;active;150000;ООО «Ромашка»;0274111111;027401002;1020200000011;450000, г. Уфа, ул. Мира, д. 1;buh@romashka.ru\n";
    let now = app.state.clock.now();
    let s = kabinet::import::import(
        &mut app.db(),
        kabinet::import::Kind::Contracts,
        csv.as_bytes(),
        now,
    )
    .expect("imported");
    assert_eq!(s.created, 1);
    let (kpp, email): (String, String) = app
        .db()
        .query_row(
            "SELECT o.kpp, c.documents_email FROM contracts c JOIN organizations o ON o.id = c.organization_id WHERE c.number = '55500011UL'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (kpp.as_str(), email.as_str()),
        ("027401002", "buh@romashka.ru")
    );
    let bad = csv.replace("027401002", "12");
    let e = kabinet::import::import(
        &mut app.db(),
        kabinet::import::Kind::Contracts,
        bad.as_bytes(),
        now,
    )
    .unwrap_err();
    assert!(e[0].contains("organization_kpp"), "{e:?}");
}
