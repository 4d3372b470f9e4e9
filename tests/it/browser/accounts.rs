//! Phone login, «Список договоров» and «Устройства и доступ» in real headless Chromium.
use crate::browser::*;
use crate::common::{eventually, WAIT};
use fantoccini::Locator;
use kabinet::config::Config;
use rusqlite::params;
use std::time::Duration;

async fn contract_on_page(b: &Browser, number: &str) {
    let what = format!("the main page to show contract {number}");
    eventually(WAIT, what, || async {
        let shown = match b
            .c
            .find(Locator::Css(".contract-head .contract-number"))
            .await
        {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown == number {
            Ok(())
        } else {
            Err(format!("it shows «{shown}»"))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_phone_login_add_switch_note_and_reset_devices() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.goto(&format!("{}/login", s.base)).await;
    b.click("По телефону").await;
    b.wait_path("/login/phone").await;
    b.see("Демо-режим.").await;
    b.shoot("phone-login").await;
    b.fill("Номер телефона", "+7 927 123-42-49").await;
    b.click("Получить код").await;
    b.see("Код отправлен на номер").await;
    let code =
        b.c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".demo-code strong"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert_eq!(code.len(), 6);
    b.shoot("phone-code").await;
    b.fill("Код из SMS", "000000").await;
    if code == "000000" {
        b.fill("Код из SMS", "111111").await;
    }
    b.click("Войти").await;
    b.see("Неверный код. Осталось попыток: 4").await;
    b.fill("Код из SMS", &code).await;
    b.click("Войти").await;
    b.wait_path("/").await;
    contract_on_page(&b, "72845736UL").await;

    // «список договоров»: the phone's two contracts; add 78101424UL.
    b.click("список договоров").await;
    b.see("Список договоров").await;
    b.see("72718289UL").await;
    b.see("Выбран").await;
    b.shoot("contracts-list").await;
    b.click("+ добавить новый договор").await;
    b.see("Добавление договора").await;
    b.fill("Номер договора", "78101424UL").await;
    b.fill("Пароль", "wrong-password").await;
    b.click("Добавить").await;
    b.see("Неверный номер договора или пароль").await;
    b.shoot("contract-add-error").await;
    b.fill("Пароль", crate::common::DEMO_PASSWORD).await;
    b.click("Добавить").await;
    b.see("Договор 78101424UL добавлен").await;
    b.see("ул. Менделеева").await;

    // Search as you type.
    let q = b.c.find(Locator::Id("contract-q")).await.unwrap();
    q.send_keys("менделеева").await.unwrap();
    b.see_no_more("72718289UL").await; // search filtered the list
    b.see("78101424UL").await;

    // Switch with one click: the whole page shows the other contract.
    // (its name is what it shows: the number and the address)
    b.c.find(Locator::XPath(
        "//button[contains(@class,'ci-pick')][.//span[normalize-space()='78101424UL']]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    contract_on_page(&b, "78101424UL").await;
    b.see("ООО «Уфимский хлебозавод №3»").await;
    b.see("3 100,00 ₽").await;

    // Write a note.
    b.click("список договоров").await;
    b.click("Изменить заметку к договору 78101424UL").await;
    b.fill("Заметка к договору 78101424UL", "офис <b>на</b> Менделеева")
        .await;
    b.click("Сохранить").await;
    b.see("Заметка сохранена").await;
    b.see("офис <b>на</b> Менделеева").await;
    b.shoot("contracts-note").await;
    b.click("Закрыть").await;
    b.wait_modal_closed().await;

    // Another device of this phone account, then «Сбросить все устройства».
    let other = {
        let c = s.state.db.get().unwrap();
        let now = s.state.clock.now();
        c.execute(
            "INSERT INTO sessions(token_hash, account_id, user_agent, ip, created_at, last_seen_at)
             VALUES (?1, 10, 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1', '10.0.0.7', ?2, ?2)",
            params![kabinet::auth::session::token_hash("other-device-token"), now - 3600],
        )
        .unwrap();
        c.last_insert_rowid()
    };
    b.click("Настройки").await;
    b.click("Устройства и доступ").await;
    b.see("Устройства, авторизованные под Вашей учетной записью")
        .await;
    b.see("Текущее устройство").await;
    b.see("iPhone").await;
    b.shoot("devices").await;
    b.click("Договоры").await;
    b.see("793*****666").await;
    b.shoot("access-contracts").await;
    b.click("Устройства").await;
    b.click("Сбросить все устройства").await;
    // Asks first, like removing a contract.
    eventually(Duration::from_secs(5), "a confirm dialog", || async {
        b.c.accept_alert().await.is_ok()
    })
    .await;
    b.see("Авторизация сброшена на других устройствах: 1").await;
    let left: i64 = s
        .state
        .db
        .get()
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM sessions WHERE id = ?1",
            [other],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "the other device's session is gone");
    b.click("Закрыть").await;
    b.wait_modal_closed().await;
    b.goto(&format!("{}/", s.base)).await;
    contract_on_page(&b, "78101424UL").await;
    assert_no_csp_violations(&s).await;
}
