//! Services and contract actions in real headless Chromium, driven by visible labels.
use crate::browser::*;
use fantoccini::Locator;
use kabinet::{config::Config, domain::time};

async fn set_value(b: &Browser, label: &str, value: &str) {
    let el = b.input(label).await;
    let id = el.attr("id").await.unwrap().unwrap();
    b.c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap();
}

async fn first_request(b: &Browser) -> String {
    b.c.find(Locator::Css("#active-requests li:first-child .row-item"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_tariff_change_validates_then_appears_on_top_of_active_requests() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.see("Подключенные услуги").await;
    b.see("Действия с договором").await;
    b.see("Активные заявки").await;
    b.see("Выдача копии договора").await;
    b.see("Заявка создана: 19.09.22").await;
    b.shoot("actions-main").await;

    // Service details.
    b.c.find(Locator::XPath(
        "//a[.//span[normalize-space()='Телевидение']]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.see("Базовый офисный").await;
    b.see("UT4K0012873").await;
    b.shoot("service-tv").await;
    b.click("Закрыть").await;
    b.wait_modal_closed().await;

    b.click("Смена тарифа").await;
    b.see("Заполните параметры ниже и оставьте заявку. Мы свяжемся с Вами.")
        .await;
    b.see("* Обязательные поля").await;
    b.click("Оставить заявку").await;
    b.see("Выберите новый тариф").await;
    let errors =
        b.c.find_all(Locator::Css("#action-form .field-error"))
            .await
            .unwrap();
    assert_eq!(errors.len(), 5, "one message per required field");
    b.shoot("tariff-change-errors").await;

    b.input("Новый тариф*")
        .await
        .select_by_value("2")
        .await
        .unwrap();
    let today = time::zoned(s.state.clock.now(), &s.state.tz).date();
    let soon = today.checked_add(jiff::Span::new().days(3)).unwrap();
    set_value(&b, "Дата звонка*", &today.to_string()).await;
    b.fill("Контактный телефон*", "8 (912) 345-67-89").await;
    b.fill("Электронная почта*", "buh@firma.ru").await;
    set_value(&b, "С какого числа*", &soon.to_string()).await;
    b.click("Оставить заявку").await;
    b.see("Заявка «Смена тарифа» принята").await;
    b.wait_modal_closed().await;
    let top = first_request(&b).await;
    let created = time::date(s.state.clock.now(), &s.state.tz);
    assert!(
        top.contains("Смена тарифа") && top.contains(&format!("Заявка создана: {created}")),
        "top request is {top:?}"
    );
    assert!(top.contains("Новая"));
    assert_eq!(b.path().await, "/", "no page reload or navigation");
    b.c.execute(
        "document.getElementById('contract-actions').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    b.shoot("tariff-change-filed").await;

    // The new request opens with its details; a second one is refused with a link.
    b.c.find(Locator::Css("#active-requests li:first-child .row-item"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.see("История заявки").await;
    b.see("Бизнес 300").await;
    b.see("+7 912 345-67-89").await;
    b.shoot("request-details").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_requisites_change_uploads_a_scan() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.click("Смена реквизитов").await;
    b.see("Скан документа").await;
    let dir = crate::common::tempdir();
    let file = dir.path().join("реквизиты.pdf");
    std::fs::write(&file, b"%PDF-1.4\nscan").unwrap();
    b.fill("Новые реквизиты*", "ООО «Новый», ИНН 0274000002")
        .await;
    b.fill("Контактный телефон*", "+7 912 345 67 89").await;
    b.fill("Электронная почта*", "buh@firma.ru").await;
    b.input("Скан документа*")
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    b.shoot("requisites-form").await;
    b.click("Оставить заявку").await;
    b.see("Заявка «Смена реквизитов» принята").await;
    b.wait_modal_closed().await;
    assert!(first_request(&b).await.contains("Смена реквизитов"));
    b.c.find(Locator::Css("#active-requests li:first-child .row-item"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.see("реквизиты.pdf").await;
    assert_no_csp_violations(&s).await;
}
