//! Issue 14: the word after a payment, the express lookup without JavaScript, out-of-band
//! table rows, and full pages for partial URLs opened directly.
use crate::common::*;
use crate::payments::{between, pay, sandbox_pay};
use poem::http::StatusCode;

/// The main page after the checkout sent us back to `to` (the return path).
async fn back_home(app: &TestApp, to: &str) -> Resp {
    let r = app.get(to).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = r.header("location").unwrap().to_owned();
    assert!(home.starts_with("/?payment="), "{home}");
    app.get(&home).await
}

#[tokio::test]
async fn a_paid_payment_says_so_on_the_main_page() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "1500.50", "buh@example.ru").await;
    let checkout = r.header("hx-redirect").unwrap().to_owned();
    let to = sandbox_pay(&app, &checkout, "pay").await;
    let home = back_home(&app, &to).await;
    assert_eq!(home.status, 200);
    assert!(
        home.has_text("Платёж на 1 500,50 ₽ зачислен"),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn a_refused_payment_says_so_on_the_main_page() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "250", "buh@example.ru").await;
    let checkout = r.header("hx-redirect").unwrap().to_owned();
    let to = sandbox_pay(&app, &checkout, "cancel").await;
    let home = back_home(&app, &to).await;
    assert!(home.has_text("Платёж отменён"), "{}", home.body);
    assert!(!home.has_text("зачислен"), "{}", home.body);
}

#[tokio::test]
async fn a_pending_payment_says_it_is_processing_then_updates_when_it_settles() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "250", "buh@example.ru").await;
    let checkout = r.header("hx-redirect").unwrap().to_owned();
    let page = app.get(&checkout).await;
    // Back from the checkout before deciding: still pending.
    let token = app
        .db()
        .query_row(
            "SELECT return_token FROM payments ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    let home = back_home(&app, &format!("/payments/return/{token}")).await;
    assert!(home.has_text("Платёж обрабатывается…"), "{}", home.body);
    let poll = format!("/payments/status/{token}");
    assert!(home.body.contains(&poll), "{}", home.body);
    let still = app.get_hx(&poll).await;
    assert!(still.has_text("Платёж обрабатывается…"), "{}", still.body);
    // Paid on the checkout page: the next poll says so and redraws the balance block.
    assert!(page.has_text("Оплатить"));
    sandbox_pay(&app, &checkout, "pay").await;
    let done = app.get_hx(&poll).await;
    assert!(
        done.has_text("Платёж на 250,00 ₽ зачислен"),
        "{}",
        done.body
    );
    assert!(done.body.contains("id=\"balance\""), "{}", done.body);
}

#[tokio::test]
async fn another_contracts_payment_token_shows_nothing() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let (r, _) = pay(&app, "250", "buh@example.ru").await;
    let checkout = r.header("hx-redirect").unwrap().to_owned();
    sandbox_pay(&app, &checkout, "pay").await;
    let token: String = app
        .db()
        .query_row(
            "SELECT return_token FROM payments ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let other = TestApp::new().await;
    other.login("76095454RK", DEMO_PASSWORD).await;
    let home = other.get(&format!("/?payment={token}")).await;
    assert_eq!(home.status, 200);
    assert!(!home.has_text("Платёж"), "{}", home.body);
    let poll = other.get_hx(&format!("/payments/status/{token}")).await;
    assert_eq!(poll.status, 404);
}

/// The express form works as a plain form post: its own CSRF field, and a whole page back.
#[tokio::test]
async fn express_lookup_works_without_javascript() {
    let app = TestApp::new().await;
    let page = app.get("/pay").await;
    let form = between(&page.body, "id=\"express-form\"", "</form>").unwrap();
    let token = between(form, "name=\"csrf_token\" value=\"", "\"")
        .expect("the express form carries a hidden CSRF field")
        .to_owned();
    let r = app
        .post_no_csrf(
            "/pay/find",
            &[
                ("csrf_token", &token),
                ("segment", "business"),
                ("contract", DEMO_CONTRACT),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with("<!DOCTYPE html>"), "{}", r.body);
    assert!(r.has_text("Рекомендуемая сумма к оплате"), "{}", r.body);
    assert!(r.has_text("Экспресс-оплата"));
}

/// htmx 2 drops an out-of-band `<tr>` unless it is wrapped in `<template>`.
#[tokio::test]
async fn staff_status_change_sends_the_row_inside_a_template() {
    let app = TestApp::new().await;
    let id = app.count(
        "SELECT id FROM requests WHERE kind = 'call_details' AND status = 'new' AND contract_id = (SELECT id FROM contracts WHERE number = '72845736UL')",
    );
    crate::staff::staff_login(&app, "operator").await;
    let r = app
        .post(
            &format!("/staff/requests/{id}"),
            &[("status", "in_progress"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let row = format!("<template><tr id=\"req-{id}\" hx-swap-oob=\"true\">");
    assert!(r.body.contains(&row), "{}", r.body);
}

/// Partial URLs opened without htmx are whole pages; with htmx they stay fragments.
#[tokio::test]
async fn partial_urls_are_whole_pages_without_htmx() {
    let app = TestApp::new().await;
    app.login_demo().await;
    for path in [
        "/stories/1",
        "/actions/tariff_change",
        "/services/1",
        "/balance/pay",
        "/balance/history",
        "/balance/autopay",
        "/contracts",
        "/referral/terms",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.body.starts_with("<!DOCTYPE html>"),
            "{path}: {}",
            page.body
        );
        assert!(page.has_text("На главную"), "{path}");
        let part = app.get_hx(path).await;
        assert!(!part.body.starts_with("<!DOCTYPE html>"), "{path} via htmx");
    }
    // Their post forms carry the CSRF field htmx would send as a header.
    let pay = app.get("/balance/pay").await;
    let form = between(&pay.body, "id=\"pay-form\"", "</form>").unwrap();
    assert!(form.contains("name=\"csrf_token\""), "{form}");
}

#[tokio::test]
async fn staff_request_opens_and_changes_status_without_htmx() {
    let app = TestApp::new().await;
    let id = app.count(
        "SELECT id FROM requests WHERE kind = 'call_details' AND status = 'new' AND contract_id = (SELECT id FROM contracts WHERE number = '72845736UL')",
    );
    crate::staff::staff_login(&app, "operator").await;
    let page = app.get(&format!("/staff/requests/{id}")).await;
    assert!(page.body.starts_with("<!DOCTYPE html>"), "{}", page.body);
    assert!(page.has_text("В консоль") && page.has_text("Новый статус"));
    let form = between(&page.body, "id=\"status-form\"", "</form>").unwrap();
    let token = between(form, "name=\"csrf_token\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let r = app
        .post_no_csrf(
            &format!("/staff/requests/{id}"),
            &[
                ("csrf_token", &token),
                ("status", "in_progress"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some("/staff/requests"));
    let list = app.get("/staff/requests").await;
    assert!(list.has_text("В работе"));
}

/// Every control of the main page works without JavaScript: links have an address, buttons
/// sit in a form with a method (or are shown only by a script).
#[tokio::test]
async fn main_page_controls_are_links_or_forms() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let home = app.get("/").await;
    // The chat widget is hidden until its script runs (it cannot work without one).
    let body = home.body.split("<div class=\"chat\"").next().unwrap();
    let chat = between(&home.body, "<div class=\"chat\"", ">").unwrap();
    assert!(chat.ends_with(" hidden"), "{chat}");
    let mut bad = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("<button") {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        let before = &body[..body.len() - rest.len() + i];
        let in_form = before.rfind("<form").is_some_and(|f| {
            before.rfind("</form>").is_none_or(|c| c < f) && before[f..].contains("method=")
        });
        let script_only = tag.contains(" hidden");
        let summary_like = tag.contains("modal-close");
        if !in_form && !script_only && !summary_like {
            bad.push(tag.to_owned());
        }
        rest = &rest[tag_end..];
    }
    assert!(bad.is_empty(), "buttons that need JavaScript: {bad:#?}");
    assert!(!body.contains("<a hx-get") && !body.contains("<a class=\"btn\" hx-get"));
}
