//! Issue 14 in real Chromium: the staff list row after a status change, the word after a payment.
use super::{assert_no_csp_violations, browser, serve};
use fantoccini::Locator;
use kabinet::config::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_staff_status_change_updates_the_list_row() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    let id: i64 = s
        .state
        .db
        .run(|c| {
            Ok(c.query_row(
                "SELECT id FROM requests WHERE kind = 'call_details' AND status = 'new' AND contract_id = (SELECT id FROM contracts WHERE number = '72845736UL')",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    b.goto(&format!("{}/staff/login", s.base)).await;
    b.fill("Логин", "operator").await;
    b.fill("Пароль", "kabinet-demo").await;
    b.click("Войти").await;
    b.wait_path("/staff/chat").await;
    b.goto(&format!("{}/staff/requests", s.base)).await;
    let row = format!("req-{id}");
    let open = format!("//tr[@id='{row}']//*[normalize-space()='Открыть']");
    b.c.wait()
        .for_element(Locator::XPath(&open))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.see("Новый статус").await;
    b.click("Сохранить").await;
    b.see("Статус заявки: В работе").await;
    let cell = format!("//tr[@id='{row}']");
    crate::common::eventually(
        crate::common::WAIT,
        "the row to show «В работе»",
        || async {
            let t =
                b.c.find(Locator::XPath(&cell))
                    .await
                    .ok()?
                    .text()
                    .await
                    .ok()?;
            t.contains("В работе").then_some(()).ok_or(()).ok()
        },
    )
    .await;
    assert_no_csp_violations(&s).await;
}
