//! Browser: a subscriber page and a staff console in two separate browsers talk live.
use fantoccini::Locator;
use kabinet::config::Config;
use std::time::Duration;

use crate::browser::{assert_no_csp_violations, browser, serve, Browser};
use crate::common::{eventually, WAIT};

async fn staff_login(b: &Browser, base: &str) {
    b.goto(&format!("{base}/staff/login")).await;
    b.see("Вход для сотрудников").await;
    b.shoot("staff-login").await;
    b.fill("Логин", "operator").await;
    b.fill("Пароль", "kabinet-demo").await;
    b.click("Войти").await;
    b.wait_path("/staff/chat").await;
}

async fn badge(b: &Browser) -> String {
    eventually(WAIT, "the unread badge", || async {
        match b.c.find(Locator::Css(".chat-badge")).await {
            Ok(el) if el.is_displayed().await.unwrap_or(false) => {
                Some(el.text().await.unwrap_or_default())
            }
            _ => None,
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_subscriber_and_staff_exchange_messages_live() {
    let Some(sub) = browser().await else { return };
    let Some(staff) = browser().await else { return };
    let mut cfg = Config::default();
    cfg.support_hours.auto_reply = false;
    let s = serve(cfg).await;

    staff_login(&staff, &s.base).await;
    staff.see("Открытых диалогов нет.").await;

    sub.login_demo(&s.base).await;
    sub.click("Чат с поддержкой").await;
    sub.see("В сети").await;
    sub.fill("Сообщение", "Здравствуйте! Не работает интернет в офисе.")
        .await;
    sub.click("Отправить").await;
    sub.see("Здравствуйте! Не работает интернет в офисе.").await;
    sub.shoot("chat-widget").await;

    // The queue updates live; the agent opens the conversation and sees the contract beside it.
    staff.see("№ 72845736UL").await;
    staff
        .c
        .find(Locator::Css("a.queue-item"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    staff
        .see("Здравствуйте! Не работает интернет в офисе.")
        .await;
    staff.see("ИП Служебный для теста госсектора").await;
    staff
        .fill("Ответ", "Добрый день! Уже проверяем линию.")
        .await;
    staff.click("Отправить").await;
    sub.see("Добрый день! Уже проверяем линию.").await;
    sub.see("Оператор Демо").await;

    sub.fill("Сообщение", "Спасибо, жду.").await;
    sub.click("Отправить").await;
    staff.see("Спасибо, жду.").await;
    staff.shoot("staff-chat").await;

    // With the panel closed, a new reply shows the unread badge.
    sub.click("Свернуть чат").await;
    staff.fill("Ответ", "Мастер приедет в 15:00.").await;
    staff.click("Отправить").await;
    assert_eq!(badge(&sub).await, "1");
    sub.click("Чат с поддержкой").await;
    sub.see("Мастер приедет в 15:00.").await;

    // Durable: a reload shows the whole conversation from the database.
    sub.c.refresh().await.unwrap();
    sub.click("Чат с поддержкой").await;
    sub.see("Мастер приедет в 15:00.").await;
    sub.see("Здравствуйте! Не работает интернет в офисе.").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_agent_processes_a_request_and_publishes_a_story() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    staff_login(&b, &s.base).await;
    b.click("Заявки по договорам").await;
    b.see("Детализация вызовов").await;
    b.shoot("staff-requests").await;
    let row =
        b.c.find(Locator::XPath(
            "//tr[td[normalize-space()='Детализация вызовов']]//a[normalize-space()='Открыть']",
        ))
        .await
        .unwrap();
    row.click().await.unwrap();
    b.see("Новый статус").await;
    b.fill("Комментарий для абонента", "Отправим детализацию на почту.")
        .await;
    b.click("Сохранить").await;
    b.see("Статус заявки: В работе").await;

    b.click("Подключения").await;
    b.see("Заявки на подключение").await;
    b.c.find(Locator::XPath("//table//a[normalize-space()='Открыть']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.see("Новый статус").await;
    b.shoot("staff-application").await;
    b.c.find(Locator::Css("dialog .modal-close"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    b.click("Истории").await;
    b.click("Добавить историю").await;
    b.fill("Заголовок*", "Скорость x2 летом").await;
    let png = std::env::temp_dir().join(format!("kabinet-story-{}.png", std::process::id()));
    std::fs::write(&png, crate::staff::PNG).unwrap();
    b.input("Изображение* (PNG, JPEG, WebP)")
        .await
        .send_keys(png.to_str().unwrap())
        .await
        .unwrap();
    b.click("Сохранить").await;
    b.see("История «Скорость x2 летом» сохранена").await;
    let publish = "//article[.//strong[normalize-space()='Скорость x2 летом']]//button[normalize-space()='Опубликовать']";
    b.c.find(Locator::XPath(publish))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.see("Опубликована").await;
    let unpublish = "//article[.//strong[normalize-space()='Скорость x2 летом']]//button[normalize-space()='Снять с публикации']";
    b.c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(unpublish))
        .await
        .unwrap();
    b.shoot("staff-stories").await;
    assert_eq!(
        s.state
            .db
            .get()
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM stories WHERE published = 1 AND title = 'Скорость x2 летом'",
                [],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        1
    );
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_chat_widget_goes_to_login_when_its_session_is_gone() {
    let Some(sub) = browser().await else { return };
    let mut cfg = Config::default();
    cfg.support_hours.auto_reply = false;
    // A tiny frame budget, so the third message makes the server drop the socket.
    cfg.chat.rate_burst = 2;
    cfg.chat.rate_refill_ms = 3_600_000;
    cfg.chat.max_message_bytes = 300;
    let s = serve(cfg).await;
    sub.login_demo(&s.base).await;
    sub.click("Чат с поддержкой").await;
    sub.see("В сети").await;
    // A message the server would refuse (it drops the socket on such a frame) is stopped in
    // the page with a clear note and never sent.
    sub.fill("Сообщение", &"Очень длинное сообщение. ".repeat(8))
        .await;
    sub.click("Отправить").await;
    sub.see("Сообщение слишком длинное: разделите его на несколько.")
        .await;
    sub.shoot("chat-too-long").await;
    // A message of the right size clears the note.
    sub.fill("Сообщение", "Коротко").await;
    sub.click("Отправить").await;
    sub.see("В сети").await;
    assert_eq!(
        s.state
            .db
            .get()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM chat_messages WHERE body LIKE 'Очень%'",
                [],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
        0
    );
    // The session ends without any announcement reaching the open socket (expired, or revoked
    // while the laptop slept).
    s.state
        .db
        .get()
        .unwrap()
        .execute("DELETE FROM sessions", [])
        .unwrap();
    for text in ["Первое", "Второе", "Третье"] {
        sub.fill("Сообщение", text).await;
        sub.click("Отправить").await;
    }
    // The socket is dropped, the reconnect is refused: the widget asks whether the session
    // lives and, hearing it does not, says so and goes to the login page instead of retrying.
    sub.see("Сеанс завершён. Войдите снова.").await;
    sub.shoot("chat-session-ended").await;
    sub.wait_path("/login").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_active_requests_follow_a_staff_status_change_without_reload() {
    let Some(sub) = browser().await else { return };
    let mut cfg = Config::default();
    cfg.support_hours.auto_reply = false;
    let s = serve(cfg).await;
    sub.login_demo(&s.base).await;
    sub.see("Активные заявки").await;
    sub.click("Чат с поддержкой").await;
    sub.see("В сети").await;
    sub.click("Свернуть чат").await;
    // What the staff console's status form does: change the request, then tell the account.
    s.state
        .db
        .get()
        .unwrap()
        .execute(
            "UPDATE requests SET status = 'done', title = 'Детализация вызовов за ноябрь'
             WHERE kind = 'call_details' AND contract_id = 1",
            [],
        )
        .unwrap();
    kabinet::chat::announce_requests_changed(&s.state.chat, &[1]);
    sub.see("Детализация вызовов за ноябрь").await;
    sub.shoot("active-requests-live").await;
    assert_eq!(sub.path().await, "/", "no reload, no navigation");
    assert_no_csp_violations(&s).await;
}
