//! The staff console in real headless Chromium: contract lookup.
use super::{assert_no_csp_violations, browser, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_operator_looks_up_a_contract_by_organization() {
    let Some(b) = browser().await else { return };
    let s = serve(kabinet::config::Config::default()).await;
    b.goto(&format!("{}/staff/login", s.base)).await;
    b.fill("Логин", "operator").await;
    b.fill("Пароль", "kabinet-demo").await;
    b.click("Войти").await;
    b.wait_path("/staff/chat").await;
    b.click("Договоры").await;
    b.wait_path("/staff/contracts").await;
    b.see("76095454RK").await;
    b.fill("Поиск договора", "служебный").await;
    b.click("Найти").await;
    // The list narrows to the organization's contracts.
    b.see_no_more("76095454RK").await;
    b.see("72845736UL").await;
    b.shoot("staff-contracts").await;
    b.c.find(fantoccini::Locator::Css(
        "a[href='/staff/contracts/72845736UL']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait_path("/staff/contracts/72845736UL").await;
    b.see("Доступ к договору").await;
    b.see("Телефон 792*****249").await;
    b.shoot("staff-contract").await;
    // On a phone the page does not scroll sideways: wide tables scroll inside their own box
    // (a visually hidden label in a table cell once widened the whole page to 513 px).
    b.c.set_window_size(390, 800).await.unwrap();
    let v =
        b.c.execute(
            "return [document.documentElement.clientWidth, document.documentElement.scrollWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(v[0], v[1], "page width = viewport width at 390 px: {v}");
    assert_no_csp_violations(&s).await;
}
