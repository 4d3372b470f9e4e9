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

/// The page is a whole document with the layout (a fragment would have no title).
async fn full_page(b: &super::Browser, what: &str) {
    let title = b.c.title().await.unwrap();
    assert!(
        title.contains(" — "),
        "«{what}» is not a whole page (title «{title}»)"
    );
}

/// Clicks the element found by XPath (waiting for it).
async fn click_xp(b: &super::Browser, xp: &str) {
    b.c.wait()
        .for_element(Locator::XPath(xp))
        .await
        .unwrap_or_else(|_| panic!("nothing at {xp}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_without_javascript_login_pay_history_request_contracts_logout() {
    let Some(b) = super::browser_without_js().await else {
        return;
    };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.see("Баланс").await;
    full_page(&b, "main page without JS").await;
    // No chat button: it cannot work without JavaScript.
    let chat = b.c.find(Locator::Css(".chat")).await.unwrap();
    assert!(!chat.is_displayed().await.unwrap());

    // «История баланса» is a page of its own.
    click_xp(
        &b,
        "//section[@id='balance']//a[normalize-space()='История баланса']",
    )
    .await;
    b.wait_path("/balance/history").await;
    b.see("На начало месяца").await;
    full_page(&b, "history page").await;
    b.click("На главную").await;
    b.wait_path("/").await;

    // «Пополнить»: the form posts the plain way, the checkout returns with the word.
    click_xp(
        &b,
        "//section[@id='balance']//a[normalize-space()='Пополнить']",
    )
    .await;
    b.wait_path("/balance/pay").await;
    full_page(&b, "payment page").await;
    b.fill("Сумма", "1,005").await;
    b.click("Продолжить").await;
    b.see("Не больше двух знаков после запятой").await;
    full_page(&b, "payment page with errors").await;
    b.fill("Сумма", "1500.50").await;
    b.fill("Получить чек по электронной почте", "buh@example.ru")
        .await;
    click_xp(&b, "//input[@name='consent']").await;
    b.click("Продолжить").await;
    b.wait_path_where("/sandbox/checkout/…", |p| {
        p.starts_with("/sandbox/checkout/")
    })
    .await;
    b.click("Оплатить").await;
    b.wait_path("/").await;
    b.see("Платёж на 1 500,50 ₽ зачислен").await;
    b.shoot("payment-paid-notice").await;

    // A request: «Пролонгация» filed from its own page, then opened from «Активные заявки».
    b.click("Пролонгация").await;
    b.wait_path("/actions/prolongation").await;
    full_page(&b, "action page").await;
    b.input("Срок продления*")
        .await
        .select_by_value("1y")
        .await
        .unwrap();
    b.fill("Контактный телефон*", "+7 927 123-42-49").await;
    b.click("Оставить заявку").await;
    b.wait_path("/").await;
    click_xp(
        &b,
        "//*[@id='active-requests']//a[.//*[normalize-space()='Пролонгация']]",
    )
    .await;
    b.wait_path_where("/requests/…", |p| p.starts_with("/requests/"))
        .await;
    b.see("Пролонгация").await;
    full_page(&b, "request page").await;
    b.click("На главную").await;

    // «Список договоров»: a page; choosing a contract switches to it.
    b.click("список договоров").await;
    b.wait_path("/contracts").await;
    full_page(&b, "contract list page").await;
    click_xp(
        &b,
        "//button[contains(@class,'ci-pick')][.//span[normalize-space()='78101424UL']]",
    )
    .await;
    b.wait_path("/").await;
    b.see("78101424UL").await;

    // Logout from the gear menu (a <details> disclosure needs no script).
    b.click("Настройки").await;
    b.click("Выйти из личного кабинета").await;
    b.wait_path("/login").await;
    full_page(&b, "login page after logout").await;
    assert_no_csp_violations(&s).await;
}

/// The pages a partial URL opens without htmx pass axe-core too (checked with JavaScript on:
/// opening the URL directly gives the same page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_partial_urls_open_as_accessible_pages() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    for (path, see) in [
        ("/balance/history", "На начало месяца"),
        ("/balance/pay", "Оплата услуг"),
        ("/balance/autopay", "Автоплатеж"),
        ("/services/1", "Интернет"),
        ("/actions/prolongation", "Пролонгация"),
        ("/contracts", "Список договоров"),
        ("/access", "Устройства и доступ"),
        ("/stories/1", "из"),
        ("/referral/terms", "Подробнее"),
    ] {
        b.goto(&format!("{}{path}", s.base)).await;
        b.see(see).await;
        full_page(&b, path).await;
        b.shoot(&format!("page{}", path.replace('/', "-"))).await;
    }
    assert_no_csp_violations(&s).await;
}

/// Focus: the first invalid field after a 422, back to the opener after the modal closes;
/// the skip link is the first stop of the keyboard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_focus_after_errors_and_after_a_modal_closes() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    let active = || async {
        b.c.execute(
            "var a = document.activeElement; return (a.id || '') + '|' + (a.textContent || '').trim();",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
    };
    b.c.execute("document.activeElement.blur();", vec![])
        .await
        .unwrap();
    b.c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    assert_eq!(active().await, "|Перейти к содержимому");

    b.c.find(Locator::XPath(
        "//section[@id='balance']//a[normalize-space()='Пополнить']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.see("Оплата услуг").await;
    b.fill("Сумма", "1,005").await;
    b.click("Продолжить").await;
    b.see("Не больше двух знаков после запятой").await;
    crate::common::eventually(crate::common::WAIT, "focus on «Сумма»", || async {
        let a = active().await;
        a.starts_with("f-amount|").then_some(()).ok_or(a)
    })
    .await;
    b.click("Закрыть").await;
    b.wait_modal_closed().await;
    crate::common::eventually(
        crate::common::WAIT,
        "focus back on «Пополнить»",
        || async {
            let a = active().await;
            (a == "|Пополнить").then_some(()).ok_or(a)
        },
    )
    .await;
    // The ring on the purple balance card, reached by the keyboard: solid and visible.
    let docs =
        b.c.find(Locator::Css("#balance .balance-links a:last-child"))
            .await
            .unwrap();
    b.c.execute(
        "arguments[0].focus(); arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&docs).unwrap()],
    )
    .await
    .unwrap();
    docs.send_keys("\u{E004}").await.unwrap();
    let ring = b
        .c
        .execute(
            "var s = getComputedStyle(document.activeElement); return document.activeElement.textContent.trim() + '|' + s.outlineStyle + '|' + s.outlineColor + '|' + s.outlineWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        ring.as_str(),
        Some("Пополнить|solid|rgb(255, 255, 255)|3px")
    );
    b.shoot("focus-ring-balance").await;
}

async fn staff_login(b: &super::Browser, base: &str, login: &str) {
    b.goto(&format!("{base}/staff/login")).await;
    b.fill("Логин", login).await;
    b.fill("Пароль", "kabinet-demo").await;
    b.click("Войти").await;
    b.wait_path("/staff/chat").await;
}

/// The admin's screens look finished: one-line top bar at 1366 px, words instead of codes
/// in the audit log, and an operator opening an admin page gets the console's 403 page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_staff_admin_screens_and_the_operators_403() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    staff_login(&b, &s.base, "admin").await;
    b.shoot("staff-admin-chat").await;
    // The top bar holds on one line at 1366 px.
    let h =
        b.c.find(Locator::Css(".topbar"))
            .await
            .unwrap()
            .rectangle()
            .await
            .unwrap()
            .3;
    assert!(h < 80.0, "the admin top bar wraps: {h}px high");
    b.click("Сотрудники").await;
    b.see("Активен").await;
    b.shoot("staff-accounts").await;
    b.click("Журнал").await;
    b.see("Вход в консоль").await;
    let body = b.body_text().await;
    assert!(!body.contains("staff.login"), "{body}");
    b.shoot("staff-audit").await;
    b.click("Выйти").await;
    staff_login(&b, &s.base, "operator").await;
    b.goto(&format!("{}/staff/accounts", s.base)).await;
    b.see("Этот раздел доступен только администратору").await;
    b.see("Консоль поддержки").await;
    b.shoot("staff-403").await;
    assert_no_csp_violations(&s).await;
}

/// A toast shown while a modal is open sits inside the dialog (above its backdrop, not inert).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_toast_while_a_modal_is_open_is_inside_it() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.click("список договоров").await;
    b.see("Список договоров").await;
    b.click("Изменить заметку к договору 72845736UL").await;
    b.fill("Заметка к договору 72845736UL", "главный офис")
        .await;
    b.click("Сохранить").await;
    b.see("Заметка сохранена").await;
    crate::common::eventually(
        crate::common::WAIT,
        "the toast inside the open dialog",
        || async {
            b.c.find(Locator::Css("dialog[open] .toasts.in-dialog .toast"))
                .await
                .is_ok()
        },
    )
    .await;
    b.shoot("toast-in-modal").await;
    assert_no_csp_violations(&s).await;
}
