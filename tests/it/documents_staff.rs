//! Staff console: a contract's documents, invoices and «Акт сверки» on a caller's behalf, void.
use crate::common::*;
use crate::staff::staff_login;
use poem::http::StatusCode;

#[tokio::test]
async fn staff_list_issue_and_void_documents_with_audit() {
    let app = TestApp::new().await;
    // a subscriber session is not enough
    app.login_demo().await;
    let r = app.get("/staff/contracts/72845736UL/documents").await;
    assert_ne!(r.status, StatusCode::OK);
    staff_login(&app, "operator").await;
    let page = app.get("/staff/contracts/72845736UL").await;
    assert!(page.body.contains("/staff/contracts/72845736UL/documents"));
    let card = app.get_hx("/staff/contracts/72845736UL/documents").await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.has_text("А-2022-00002") && card.has_text("Оплачен"));
    let bad = app
        .post(
            "/staff/contracts/72845736UL/documents/invoice",
            &[("amount", "-5")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/staff/contracts/72845736UL/documents/invoice",
            &[("amount", "5000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.has_text("Выставлен счёт"));
    let r = app
        .post(
            "/staff/contracts/72845736UL/documents/reconciliation",
            &[("period", "year:2022")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.has_text("Сформирован акт сверки"));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE actor_kind = 'staff' AND action = 'document.issue'"), 2);
    let id: i64 = app
        .db()
        .query_row(
            "SELECT id FROM documents WHERE kind = 'invoice' AND amount_kop = 500000",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = app
        .post(&format!("/staff/documents/{id}/void"), &[("reason", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Укажите причину"));
    let r = app
        .post(
            &format!("/staff/documents/{id}/void"),
            &[("reason", "Клиент просил другую сумму")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has_text("Аннулирован") && r.has_text("Клиент просил другую сумму"));
    let r = app
        .post(
            &format!("/staff/documents/{id}/void"),
            &[("reason", "ещё раз")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let audit: String = app
        .db()
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'document.void'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audit.contains("Клиент просил другую сумму"));
    // staff still download a voided document; unknown ids are 404
    assert_eq!(
        app.get(&format!("/staff/documents/{id}/pdf")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/staff/documents/999999/pdf").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_hx("/staff/contracts/NOPE/documents").await.status,
        StatusCode::NOT_FOUND
    );
}
