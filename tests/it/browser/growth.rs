//! Stories, «Стать абонентом» (the application form, the wizard) and the referral section in
//! real Chromium.
use fantoccini::Locator;
use kabinet::config::Config;

use crate::browser::{assert_no_csp_violations, browser, serve};
use crate::common::{eventually, WAIT};

/// Captions of the story cards in strip order.
async fn strip(b: &crate::browser::Browser) -> Vec<String> {
    let mut out = Vec::new();
    for el in
        b.c.find_all(Locator::Css("#stories .story-card"))
            .await
            .unwrap_or_default()
    {
        out.push(el.attr("aria-label").await.unwrap().unwrap_or_default());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_open_a_story_and_see_it_move_to_the_end() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.see("Истории").await;
    b.see("Интернет до 500 Мбит/с").await;
    let before = strip(&b).await;
    assert_eq!(before.len(), 5, "{before:?}");
    assert_eq!(before[0], "История: Интернет до 500 Мбит/с");
    b.shoot("stories").await;

    b.click("История: Интернет до 500 Мбит/с").await;
    b.see("Тариф «Бизнес 500»").await;
    b.see("1 из 5").await;
    b.shoot("story-open").await;
    // → goes to the next story in the same dialog.
    b.c.find(Locator::Css("dialog[data-story] .story-nav.next"))
        .await
        .unwrap();
    let body = b.c.find(Locator::Css("body")).await.unwrap();
    body.send_keys("\u{E014}").await.unwrap(); // ArrowRight
    b.see("2 из 5").await;
    b.see("Выделенный IPv4-адрес").await;
    // A swipe to the right goes back, one to the left goes on.
    let swipe = r#"
        const [dx] = arguments;
        const el = document.querySelector('dialog[data-story] .story-view');
        const t = (x) => new Touch({identifier: 1, target: el, clientX: x, clientY: 300});
        el.dispatchEvent(new TouchEvent('touchstart', {bubbles: true, touches: [t(200)], changedTouches: [t(200)]}));
        el.dispatchEvent(new TouchEvent('touchend', {bubbles: true, touches: [], changedTouches: [t(200 + dx)]}));
    "#;
    b.c.execute(swipe, vec![serde_json::json!(120)])
        .await
        .unwrap();
    b.see("1 из 5").await;
    b.c.execute(swipe, vec![serde_json::json!(-120)])
        .await
        .unwrap();
    b.see("2 из 5").await;
    b.click("Закрыть").await;

    // Both viewed stories are now at the end, in viewing order.
    let after = eventually(WAIT, "the viewed story at the end of the strip", || async {
        let now = strip(&b).await;
        if now.last().map(String::as_str) == Some("История: Статический IP") {
            Ok(now)
        } else {
            Err(format!("{now:?}"))
        }
    })
    .await;
    assert_eq!(&after[3..], &before[..2], "{after:?}");
    // And it stays so after a reload.
    b.goto(&format!("{}/", s.base)).await;
    b.see("Истории").await;
    b.see("Автоплатеж").await;
    assert_eq!(strip(&b).await, after);
    b.shoot("stories-after").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_fill_the_application_form() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.goto(&format!("{}/login", s.base)).await;
    b.click("Стать абонентом").await;
    b.wait_path("/join").await;
    b.see("или оставьте заявку специалисту").await;
    b.shoot("join").await;
    // Empty form: inline messages, nothing stored.
    b.click("Оставить заявку").await;
    b.see("Укажите адрес подключения").await;
    b.see("Нужно согласие с условиями оферты и обработкой персональных данных")
        .await;
    b.shoot("join-errors").await;
    b.fill("Адрес", "г. Уфа, ул. Пушкина, д. 10, офис 3").await;
    b.fill("Имя", "Анна").await;
    b.fill("Номер телефона", "+7 927 123-45-67").await;
    b.input("Я согласен с условиями оферты и обработкой персональных данных")
        .await
        .click()
        .await
        .unwrap();
    b.click("Оставить заявку").await;
    b.see("Заявка принята").await;
    b.shoot("join-done").await;
    let stored: i64 = s
        .state
        .db
        .get()
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM applications WHERE phone = '79271234567'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 1);
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_walk_the_wizard_to_the_summary_and_back() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.goto(&format!("{}/join", s.base)).await;
    b.click("Перейти").await;
    b.see("Адрес подключения").await;
    b.fill("Улица", "пр-т Октября").await;
    b.fill("Дом", "4").await;
    b.shoot("wizard-address").await;
    b.click("Продолжить").await;
    b.see("Адрес в зоне подключения").await;
    let choose = |text: &'static str| {
        let b = &b;
        async move {
            let xp = format!("//label[contains(@class,'choice') or contains(@class,'date-chip')][.//*[normalize-space()='{text}']]");
            b.c.find(Locator::XPath(&xp))
                .await
                .unwrap_or_else(|_| panic!("no choice «{text}»"))
                .click()
                .await
                .unwrap();
        }
    };
    choose("Бизнес 300").await;
    choose("ТВ Офис").await;
    b.shoot("wizard-tariffs").await;
    b.click("Продолжить").await;
    b.see("Дата подключения").await;
    b.c.find(Locator::Css(".date-chip"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.shoot("wizard-date").await;
    b.click("Продолжить").await;
    b.see("Контактные данные").await;
    b.fill("Организация", "ООО «Ромашка»").await;
    b.fill("Контактное лицо", "Иван Петров").await;
    b.fill("Номер телефона", "+7 927 111-22-33").await;
    b.fill("Электронная почта", "ivan@romashka.example").await;
    b.input("Я согласен с условиями оферты и обработкой персональных данных")
        .await
        .click()
        .await
        .unwrap();
    b.click("Продолжить").await;
    b.see("Проверьте заявку").await;
    b.see("г. Уфа, пр-т Октября, д. 4").await;
    b.see("1 800,00 ₽").await;
    b.see("+7 927 111-22-33").await;
    b.shoot("wizard-summary").await;

    // The browser's back button walks back through the steps.
    b.c.back().await.unwrap();
    b.see("Мастер приедет в выбранный рабочий день").await;
    b.c.back().await.unwrap();
    b.see("Услуги и тарифы").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_referral_section_copies_the_link_and_opens_its_lists() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.see("15180 рублей").await;
    b.see("Персональная ссылка").await;
    let link =
        b.c.find(Locator::Id("referral-url"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
    assert!(link.starts_with(&format!("{}/r/", s.base)), "{link}");
    b.c.find(Locator::Css("img.qr"))
        .await
        .expect("QR code shown");
    let drawn =
        b.c.execute(
            "const i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn, serde_json::Value::Bool(true), "the QR image loads");
    b.click("Скопировать").await;
    b.see("Ссылка").await; // «Ссылка скопирована» (or selected for Ctrl+C where the clipboard is denied)
    b.click("Как это работает?").await;
    b.see("Отправьте персональную ссылку").await;
    b.shoot("referral").await;
    b.click("Мои приглашения").await;
    b.see("ООО «Альфа-Строй»").await;
    b.see("Подключается").await;
    b.shoot("referral-invitations").await;
    b.click("Закрыть").await;
    b.click("История").await;
    b.see("Бонус за подключение ИП Гарипов").await;
    b.click("Закрыть").await;
    b.click("Подробнее об акции").await;
    b.see("Бонус начисляется").await;
    b.click("Закрыть").await;

    // The link itself leads a visitor to «Стать абонентом» with the referrer remembered.
    b.click("Настройки").await;
    b.click("Выйти из личного кабинета").await;
    b.wait_path("/login").await;
    b.goto(&link).await;
    b.wait_path("/join").await;
    b.see("Вы пришли по приглашению клиента").await;
    assert_no_csp_violations(&s).await;
}
