//! Staff console: contract lookup and the contract page.
use crate::{common::TestApp, staff::staff_login};
use poem::http::StatusCode;

#[tokio::test]
async fn contract_lookup_needs_a_staff_login() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.get("/staff/contracts").await;
    assert_eq!(r.header("location"), Some("/staff/login"));
    let r = app.get("/staff/contracts/72845736UL").await;
    assert_eq!(r.header("location"), Some("/staff/login"));
}

#[tokio::test]
async fn operator_finds_contracts_by_number_name_inn_address_and_phone() {
    let app = TestApp::new().await;
    staff_login(&app, "operator").await;
    let all = app.get("/staff/contracts").await;
    assert_eq!(all.status, StatusCode::OK);
    for n in ["72845736UL", "78101424UL", "72718289UL", "76095454RK"] {
        assert!(all.has_text(n), "the list shows {n}");
    }
    let by_prefix = app.get_hx("/staff/contracts?q=7284").await;
    assert!(by_prefix.has_text("72845736UL"));
    assert!(!by_prefix.has_text("78101424UL"));
    // Lower-case Cyrillic finds the capitalised organization name.
    let by_name = app.get_hx("/staff/contracts?q=служебный").await;
    assert!(by_name.has_text("72845736UL"), "{}", by_name.body);
    let by_address = app.get_hx("/staff/contracts?q=Октября").await;
    assert!(by_address.has_text("72845736UL"));
    // A phone, however typed, finds every contract its account holds.
    let by_phone = app
        .get_hx("/staff/contracts?q=%2B7%20927%20123-42-49")
        .await;
    assert!(by_phone.has_text("72845736UL") && by_phone.has_text("72718289UL"));
    assert!(!by_phone.has_text("76095454RK"));
    // LIKE wildcards are taken literally.
    let wild = app.get_hx("/staff/contracts?q=%25").await;
    assert!(wild.has_text("Договоров не найдено."));
}

#[tokio::test]
async fn contract_page_shows_money_services_requests_and_access_and_is_audited() {
    let app = TestApp::new().await;
    staff_login(&app, "operator").await;
    let r = app.get("/staff/contracts/72845736UL").await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "Договор 72845736UL",
        "ИП Служебный для теста госсектора",
        "Баланс",
        "0,00 ₽",
        "1 200,00 ₽",
        "Подключенные услуги",
        "Заявки",
        "История баланса",
        "Доступ к договору",
        "По договору",
        "Телефон 792*****249",
    ] {
        assert!(r.has_text(text), "contract page lacks «{text}»");
    }
    assert!(!r.body.contains("79271234249"), "phones are masked");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.contract_view' AND target = '72845736UL'"
        ),
        1
    );
    assert_eq!(
        app.get("/staff/contracts/00000000XX").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn odd_lookups_get_a_clear_answer_not_an_error() {
    let app = TestApp::new().await;
    staff_login(&app, "operator").await;
    let long = "Я".repeat(10_000);
    let r = app
        .get_hx(&format!("/staff/contracts?q={}", urlencode(&long)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has_text("Договоров не найдено."));
    for path in [
        "/staff/contracts/%FF%FE",
        "/staff/contracts/%00",
        &format!("/staff/contracts/{}", "9".repeat(500)),
    ] {
        let r = app.get(path).await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::BAD_REQUEST,
            "{path}: {}",
            r.status
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.contract_view'"),
        0
    );
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
