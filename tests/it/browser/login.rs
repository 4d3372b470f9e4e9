//! Login, the main page and logout in real headless Chromium.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_see_contract_and_balance_then_logout() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.goto(&format!("{}/login", s.base)).await;
    b.see("Вход").await;
    b.see("По договору").await;
    b.see("Нет времени на авторизацию?").await;
    b.shoot("login").await;

    // Wrong password: generic message inline, still on the login page.
    b.fill("Номер договора", DEMO_CONTRACT).await;
    b.fill("Пароль", "wrong").await;
    b.click("Войти").await;
    b.see("Неверный номер договора или пароль").await;
    assert_eq!(b.path().await, "/login");
    b.shoot("login-error").await;

    b.fill("Номер договора", DEMO_CONTRACT).await;
    b.fill("Пароль", DEMO_PASSWORD).await;
    b.click("Войти").await;
    b.wait_path("/").await;
    b.see("72845736UL").await;
    b.see("Баланс").await;
    b.see("0,00 ₽").await;
    b.see("Рекомендуемая сумма к оплате: 1 200,00 ₽").await;
    b.shoot("main").await;

    b.click("Настройки").await;
    b.see("ИП Служебный для теста госсектора").await;
    b.shoot("gear-menu").await;
    b.click("Выйти из личного кабинета").await;
    b.wait_path("/login").await;
    b.input("Номер договора").await;

    // The old session is gone: the main page sends us back to login.
    b.goto(&format!("{}/", s.base)).await;
    b.wait_path("/login").await;
    assert_no_csp_violations(&s).await;
}
