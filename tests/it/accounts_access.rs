//! «Устройства и доступ»: devices (reset), other accounts' access (remove), password change.
use crate::accounts::{
    links, login_phone, second_client, session_count, PHONE_MAIN_AND_WAREHOUSE, PHONE_MAIN_ONLY,
};
use crate::common::*;

#[tokio::test]
async fn devices_tab_lists_sessions_with_os_browser_and_activity() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.get_hx("/access").await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Устройства и доступ"));
    assert!(r.has_text("Устройства, авторизованные под Вашей учетной записью"));
    assert!(r.has_text("Windows 10"), "{}", r.body);
    assert!(r.has_text("Chrome 110.0.0.0"));
    assert!(r.has_text("Активность: "));
    assert!(r.has_text("Текущее устройство"));
    assert!(r.has_text("Сбросить все устройства"));
    assert!(r.has_text("На всех устройствах, кроме текущего, потребуется повторная авторизация"));
    let r = app.get("/access").await;
    assert_eq!(r.status, 200, "works as a page of its own");
}

#[tokio::test]
async fn reset_devices_ends_other_sessions_and_keeps_the_current_one() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let other = second_client(&app);
    other.login_demo().await;
    assert_eq!(session_count(&app.state, 1), 3); // two logins + the seeded device
    let mut ended_rx = app.state.ended_sessions.subscribe();
    let r = app.post("/access/reset", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Авторизация сброшена на других устройствах: 2"));
    assert_eq!(session_count(&app.state, 1), 1);
    let announced = ended_rx.try_recv().expect("ended sessions announced");
    assert_eq!(announced.len(), 2);
    assert_eq!(app.get("/").await.status, 200);
    let r = other.get("/").await;
    assert_eq!(r.header("location"), Some("/login"));
    let r = other.get_hx("/contracts").await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
}

#[tokio::test]
async fn removing_access_unlinks_the_other_account_and_ends_its_sessions_on_that_contract() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let phone = second_client(&app);
    login_phone(&phone, PHONE_MAIN_ONLY).await;
    assert_eq!(phone.get("/").await.status, 200);
    let r = app.get_hx("/access/contracts").await;
    assert!(r.has_text("792*****249"));
    assert!(r.has_text("793*****666"));
    assert!(!r.has_text("79370000666"));
    let mut ended_rx = app.state.ended_sessions.subscribe();
    let r = app.post("/access/1/11/revoke", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Доступ к договору удалён"));
    assert!(!r.has_text("793*****666"));
    assert!(links(&app, 11).is_empty());
    assert_eq!(session_count(&app.state, 11), 0);
    assert!(ended_rx.try_recv().is_ok());
    assert_eq!(phone.get("/").await.header("location"), Some("/login"));
    // The account 10 also holds contract 3: losing contract 1 (its current one) ends its
    // sessions too, but its other link stays.
    let warehouse = second_client(&app);
    login_phone(&warehouse, PHONE_MAIN_AND_WAREHOUSE).await;
    app.post("/access/1/10/revoke", &[]).await;
    assert_eq!(links(&app, 10), vec![3]);
    assert_eq!(session_count(&app.state, 10), 0);
    login_phone(&warehouse, PHONE_MAIN_AND_WAREHOUSE).await;
    let r = warehouse.get("/").await;
    assert!(r.has_text("№ 72718289UL"));
}

#[tokio::test]
async fn changing_a_contract_password_removes_every_other_access() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let phone = second_client(&app);
    login_phone(&phone, PHONE_MAIN_ONLY).await;
    app.get_hx("/contracts/1/password").await;
    let r = app
        .post(
            "/contracts/1/password",
            &[
                ("current", "wrong"),
                ("new", "new-password-1"),
                ("repeat", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Неверный пароль"));
    let r = app
        .post(
            "/contracts/1/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "short"),
                ("repeat", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Не короче 8 символов"));
    let r = app
        .post(
            "/contracts/1/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "new-password-1"),
                ("repeat", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Пароль договора 72845736UL изменён"));
    assert!(links(&app, 11).is_empty());
    assert!(links(&app, 10) == vec![3]);
    assert_eq!(session_count(&app.state, 11), 0);
    assert_eq!(
        app.get("/").await.status,
        200,
        "the changer stays logged in"
    );
    let fresh = second_client(&app);
    fresh.get("/login").await;
    let r = fresh
        .post(
            "/login",
            &[("contract", DEMO_CONTRACT), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 422, "the old password no longer works");
    fresh.login(DEMO_CONTRACT, "new-password-1").await;
}
