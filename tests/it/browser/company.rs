//! Company users and two-factor login in real Chromium (issue 15): the issue's «Done when»
//! flow — the demo owner invites a phone as «Бухгалтер», that person logs in by SMS, can pay
//! and open documents but sees no contract actions, the owner removes them and their open tab
//! loses access — and TOTP enrolment and login with a code computed here.
use super::*;
use kabinet::{auth::totp, routes};

const INVITED: &str = "79995551234";

fn last_code_to(s: &Served, phone: &str) -> String {
    let body: String = s
        .state
        .db
        .get()
        .unwrap()
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' AND recipient = ?1 ORDER BY id DESC LIMIT 1",
            [phone],
            |r| r.get(0),
        )
        .unwrap();
    body.chars().take(6).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_invites_an_accountant_and_removes_them_in_chromium() {
    let s = serve(Config::default()).await;
    let Some(owner) = browser().await else { return };
    let Some(acct) = browser().await else { return };
    owner.login_demo(&s.base).await;
    owner.click("Настройки").await;
    owner.click("Устройства и доступ").await;
    owner.click("Пользователи").await;
    owner.see("Пригласить пользователя").await;
    owner.fill("Номер телефона", "+7 999 555-12-34").await;
    owner
        .input("Роль")
        .await
        .select_by_value("accountant")
        .await
        .unwrap();
    owner.shoot("users-invite").await;
    owner.click("Пригласить").await;
    owner.see("Приглашение отправлено по SMS").await;
    owner.see("Ожидают подтверждения").await;
    owner.see("Бухгалтер").await;
    owner.shoot("users-invited").await;

    // The invited person logs in by phone.
    acct.goto(&format!("{}{}", s.base, routes::LOGIN_PHONE))
        .await;
    acct.fill("Номер телефона", "+7 999 555-12-34").await;
    acct.click("Получить код").await;
    acct.see("Код из SMS").await;
    acct.fill("Код из SMS", &last_code_to(&s, INVITED)).await;
    acct.click("Войти").await;
    // The invitation waits for consent: accepted here, it opens the contract.
    acct.wait_path(routes::INVITATIONS).await;
    acct.see("Договор 72845736UL").await;
    acct.shoot("invitations").await;
    acct.click("Принять").await;
    acct.wait_path("/").await;
    acct.see("72845736UL").await;
    acct.see("Пополнить").await;
    let body = acct.body_text().await;
    assert!(
        !body.contains("Доступные действия"),
        "no contract actions: {body}"
    );
    acct.shoot("accountant-main").await;
    acct.click("Документы").await;
    acct.see("Документы").await;
    acct.goto(&format!("{}/", s.base)).await;

    // The owner sees them among the users now (the tab reloaded), and removes them; the
    // open tab loses access at its next step.
    owner.click("Пользователи").await;
    owner.see_no_more("Ожидают подтверждения").await;
    let masked = kabinet::domain::outbox::mask_phone(INVITED);
    owner
        .click(&format!("Удалить доступ {masked} к договору 72845736UL"))
        .await;
    eventually(Duration::from_secs(5), "a confirm dialog", || async {
        owner.c.accept_alert().await.is_ok()
    })
    .await;
    owner.see("Доступ к договору удалён").await;
    acct.click("Пополнить").await;
    acct.wait_path(routes::LOGIN).await;
    owner.click("Журнал действий").await;
    owner.see("Удалён доступ пользователя").await;
    owner.shoot("journal").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test]
async fn totp_enrolment_and_login_with_a_computed_code_in_chromium() {
    let s = serve(Config::default()).await;
    let Some(b) = browser().await else { return };
    b.login_demo(&s.base).await;
    b.goto(&format!("{}{}", s.base, routes::ACCESS_SECURITY))
        .await;
    b.see("Второй фактор (код из приложения)").await;
    b.shoot("security-tab").await;
    // The login was long ago: binding a second factor asks to confirm it first.
    s.state
        .clock
        .advance(kabinet::app::lifecycle::FRESH_SECS + 60);
    b.click("Подключить второй фактор").await;
    b.wait_path_where(routes::ACCESS_CONFIRM, |at| {
        at.starts_with(routes::ACCESS_CONFIRM)
    })
    .await;
    b.see("Подтвердите, что это вы").await;
    b.fill("Пароль договора 72845736UL", "wrong-password").await;
    b.click("Подтвердить").await;
    b.see("Неверный пароль или код").await;
    b.shoot("step-up-error").await;
    b.fill("Пароль договора 72845736UL", crate::common::DEMO_PASSWORD)
        .await;
    b.click("Подтвердить").await;
    b.wait_path(routes::TOTP_SETUP).await;
    let secret =
        b.c.find(Locator::Id("totp-secret"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    let secret = totp::from_base32(&secret).expect("base32 secret");
    b.shoot("totp-enrol").await;
    b.fill(
        "Код из приложения",
        &totp::code_at(&secret, s.state.clock.now()),
    )
    .await;
    b.click("Подключить").await;
    b.see("Второй фактор подключён").await;
    b.shoot("totp-recovery-codes").await;
    b.click("Продолжить").await;
    b.wait_path("/").await;

    // Next login: the code is asked after the password.
    b.c.delete_all_cookies().await.unwrap();
    b.goto(&format!("{}/login", s.base)).await;
    b.fill("Номер договора", crate::common::DEMO_CONTRACT).await;
    b.fill("Пароль", crate::common::DEMO_PASSWORD).await;
    b.click("Войти").await;
    b.wait_path(routes::LOGIN_SECOND_FACTOR).await;
    b.shoot("second-factor").await;
    s.state.clock.advance(30);
    b.fill(
        "Код подтверждения",
        &totp::code_at(&secret, s.state.clock.now()),
    )
    .await;
    b.click("Подтвердить").await;
    b.wait_path("/").await;
    b.see("72845736UL").await;
    assert_no_csp_violations(&s).await;
}
