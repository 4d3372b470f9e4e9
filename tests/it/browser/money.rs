//! Money end to end in real Chromium: top-up through the sandbox checkout, history, autopay on
//! and off, express payment.
use crate::browser::{assert_no_csp_violations, browser, serve};
use crate::common::eventually;
use fantoccini::Locator;
use kabinet::config::Config;
use std::time::Duration;

async fn wait_path_prefix(b: &crate::browser::Browser, prefix: &str) {
    b.wait_path_where(&format!("{prefix}…"), |at| at.starts_with(prefix))
        .await
}

/// Clicks a button of the balance block (a story card may carry the same words).
async fn click_in_balance(b: &crate::browser::Browser, text: &str) {
    let xp =
        format!("//section[@id='balance']//*[self::button or self::a][normalize-space()='{text}']");
    let el =
        b.c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(&xp))
            .await
            .unwrap();
    el.click().await.unwrap();
}

async fn tick_consent(b: &crate::browser::Browser) {
    b.c.find(Locator::Css("dialog[open] input[name=consent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_topup_through_sandbox_shows_in_balance_and_history() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.see("Пополнить").await;
    b.shoot("balance-card").await;
    click_in_balance(&b, "Пополнить").await;
    b.see("Оплата услуг").await;
    b.see("Я согласен на списание средств").await;
    let amount = b.input("Сумма").await;
    assert_eq!(
        amount.prop("value").await.unwrap().as_deref(),
        Some("1200.00")
    );
    b.shoot("payment-modal").await;
    // Bad input: inline messages in the modal, nothing leaves the page.
    b.fill("Сумма", "1,005").await;
    b.click("Продолжить").await;
    b.see("Не больше двух знаков после запятой").await;
    b.see("Укажите электронную почту").await;
    b.see("Нужно ваше согласие").await;
    b.shoot("payment-modal-errors").await;
    b.fill("Сумма", "250").await;
    b.fill("Получить чек по электронной почте", "buh@example.ru")
        .await;
    tick_consent(&b).await;
    b.click("Продолжить").await;
    wait_path_prefix(&b, "/sandbox/checkout/").await;
    b.see("250,00 ₽").await;
    b.shoot("sandbox-checkout").await;
    b.click("Оплатить").await;
    b.wait_path("/").await;
    b.see("250,00 ₽").await;
    click_in_balance(&b, "История баланса").await;
    b.see("+250,00 ₽").await;
    b.see("декабря 2022").await;
    b.see("На начало месяца").await;
    b.shoot("history").await;
    // Older months load when the loader comes into view (the first page holds two months).
    b.c.execute(
        "var m = document.querySelector('.history-more'); if (m) m.scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    b.see("ноября 2022").await;
    b.see("30.11.22").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_autopay_on_then_off() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    click_in_balance(&b, "Автоплатеж").await;
    b.see("Автоплатеж - бесплатный сервис").await;
    b.shoot("autopay-modal").await;
    b.fill("Сумма", "100").await;
    b.fill("Получить чек по электронной почте", "buh@example.ru")
        .await;
    b.click("Подключить").await;
    wait_path_prefix(&b, "/sandbox/checkout/").await;
    b.see("будет сохранена для автоплатежа").await;
    b.click("Оплатить").await;
    b.wait_path("/").await;
    b.see("Автоплатеж подключен").await;
    b.see("•••• 4242").await;
    b.shoot("autopay-on").await;
    click_in_balance(&b, "Отключить").await;
    eventually(Duration::from_secs(5), "a confirm dialog", || async {
        b.c.accept_alert().await.is_ok()
    })
    .await;
    b.see("Автоплатеж отключен").await;
    let body = b.body_text().await;
    assert!(!body.contains("Автоплатеж подключен"), "{body}");
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_express_payment_from_the_login_page() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.goto(&format!("{}/login", s.base)).await;
    b.click("экспресс-оплатой").await;
    b.wait_path("/pay").await;
    b.see("Перейти к авторизации").await;
    b.fill("Номер договора", "72845736UL").await;
    b.click("Найти").await;
    b.see("ИП Служебный д. т. г.").await;
    b.see("1 200,00 ₽").await;
    b.shoot("express-found").await;
    b.click("Оплатить").await;
    b.see("Оплата услуг").await;
    b.fill("Получить чек по электронной почте", "buh@example.ru")
        .await;
    tick_consent(&b).await;
    b.click("Продолжить").await;
    wait_path_prefix(&b, "/sandbox/checkout/").await;
    b.click("Оплатить").await;
    b.see("Оплата прошла успешно").await;
    b.shoot("express-done").await;
    assert_no_csp_violations(&s).await;
}
