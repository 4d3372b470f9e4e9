//! Company users (issue 15): the owner invites a phone with a role, the invited person logs in
//! by phone and sees the contract with that role, role changes and removal end access at once
//! (pages and open chat sockets), and bad input gets clear messages.
use crate::accounts::{last_sms, login_phone, second_client, session_count};
use crate::chat::{close_code, live, test_config};
use crate::common::*;
use kabinet::routes;

const INVITED: &str = "79995551234";

fn account_of(app: &TestApp, phone: &str) -> i64 {
    app.db()
        .query_row("SELECT id FROM accounts WHERE phone = ?1", [phone], |r| {
            r.get(0)
        })
        .unwrap()
}

async fn invite(app: &TestApp, phone: &str, role: &str) -> Resp {
    app.get_hx(routes::ACCESS_USERS).await;
    app.post(routes::ACCESS_USERS, &[("phone", phone), ("role", role)])
        .await
}

#[tokio::test]
async fn the_owner_invites_an_accountant_who_pays_and_downloads_but_has_no_contract_actions() {
    let app = TestApp::new().await;
    app.login_demo().await;
    // The owner's «Устройства и доступ» has the «Пользователи» tab.
    let r = app.get_hx(routes::ACCESS).await;
    assert!(r.has_text("Пользователи"), "{}", r.body);
    let r = invite(&app, "+7 (999) 555-12-34", "accountant").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Приглашение отправлено по SMS"), "{}", r.body);
    assert!(
        r.has_text("999*****234") || r.has_text("799*****234"),
        "{}",
        r.body
    );
    let sms = last_sms(&app);
    assert!(
        sms.contains("72845736UL") && sms.contains("«Бухгалтер»"),
        "{sms}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.invite' AND contract_id = 1"
        ),
        1
    );

    // The invited person logs in by phone and lands on the contract.
    let acct = second_client(&app);
    let r = login_phone(&acct, INVITED).await;
    assert_eq!(
        r.header("hx-redirect"),
        Some(routes::INVITATIONS),
        "{}",
        r.body
    );
    crate::invitations::accept_all(&acct).await;
    let r = acct.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("72845736UL"));
    assert!(r.has_text("Пополнить") && r.has_text("Документы"));
    assert!(!r.has_text("Доступные действия"));
    // Can pay and download documents…
    assert_eq!(acct.get_hx(routes::PAYMENT).await.status, 200);
    assert_eq!(acct.get_hx(routes::DOCUMENTS).await.status, 200);
    let doc: i64 = app
        .db()
        .query_row(
            "SELECT id FROM documents WHERE contract_id = 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = acct.get(&format!("/documents/{doc}/pdf")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    // …but no contract actions, no users, no contract password.
    assert_eq!(acct.get_hx("/actions/block").await.status, 403);
    assert_eq!(acct.get_hx(routes::ACCESS_USERS).await.status, 403);
    assert_eq!(acct.get_hx("/contracts/1/password").await.status, 403);
    let r = acct.get_hx(routes::ACCESS).await;
    assert!(!r.has_text("Пользователи"));
    let r = acct.get_hx(routes::ACCESS_CONTRACTS).await;
    assert!(r.has_text("Бухгалтер") && !r.has_text("Изменить пароль договора"));
    assert!(!r.has_text("Удалить доступ"));

    // The owner's «Договоры» tab shows the role of who holds the contract.
    let r = app.get_hx(routes::ACCESS_CONTRACTS).await;
    assert!(r.has_text("Бухгалтер"), "{}", r.body);

    // The owner removes them: their open tab loses access at once.
    let target = account_of(&app, INVITED);
    app.get_hx(routes::ACCESS_USERS).await;
    let r = app
        .post(&format!("/access/1/{target}/revoke"), &[("panel", "users")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Доступ к договору удалён"));
    assert!(
        r.has_text("Пригласить пользователя"),
        "the users panel is redrawn"
    );
    assert_eq!(session_count(&app.state, target), 0);
    let r = acct.get_hx(routes::PAYMENT).await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.remove' AND contract_id = 1"
        ),
        1
    );
}

#[tokio::test]
async fn bad_invitations_get_clear_messages_and_store_nothing() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let links = || app.count("SELECT COUNT(*) FROM account_contracts");
    let sms = || app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'");
    let (l0, s0) = (links(), sms());

    let r = invite(&app, "12345", "accountant").await;
    assert!(
        r.has_text("Введите номер мобильного телефона"),
        "{}",
        r.body
    );
    let r = invite(&app, "<script>alert(1)</script>", "viewer").await;
    assert!(r.has_text("Введите номер мобильного телефона"));
    assert!(!r.body.contains("<script>alert"));
    let r = invite(&app, INVITED, "admin").await;
    assert!(r.has_text("Выберите роль из списка"), "{}", r.body);
    let r = invite(&app, INVITED, "").await;
    assert!(r.has_text("Выберите роль из списка"));
    // 79271234249 (account 10) already holds contract 1.
    let r = invite(&app, "+7 927 123-42-49", "engineer").await;
    assert!(
        r.has_text("Этот номер уже среди пользователей договора"),
        "{}",
        r.body
    );
    assert_eq!((links(), sms()), (l0, s0));
    assert_eq!(r.status, 200, "htmx swaps the panel with its message");

    // The contract's own account keeps «Владелец»; oneself cannot be changed.
    let r = app.post("/access/1/1/role", &[("role", "viewer")]).await;
    assert!(
        r.has_text("Это ваш собственный доступ") || r.has_text("Вход по номеру договора всегда"),
        "{}",
        r.body
    );
    let own: i64 = app
        .db()
        .query_row("SELECT id FROM accounts WHERE contract_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let r = app
        .post(&format!("/access/1/{own}/revoke"), &[("panel", "users")])
        .await;
    assert!(r.has_text("Это ваш собственный доступ"), "{}", r.body);
    let r = app.post("/access/1/10/role", &[("role", "root")]).await;
    assert!(r.has_text("Выберите роль из списка"));
    let r = app.post("/access/1/999/role", &[("role", "viewer")]).await;
    assert!(r.has_text("Этого пользователя у договора уже нет"));
}

#[tokio::test]
async fn an_invited_owner_manages_users_but_cannot_touch_the_contract_login_or_itself() {
    let app = TestApp::new().await;
    app.login_demo().await;
    invite(&app, INVITED, "owner").await;
    let co = second_client(&app);
    login_phone(&co, INVITED).await;
    crate::invitations::accept_all(&co).await;
    let me = account_of(&app, INVITED);
    let own: i64 = app
        .db()
        .query_row("SELECT id FROM accounts WHERE contract_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let r = co.get_hx(routes::ACCESS_USERS).await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Вход по номеру договора"));
    let r = co
        .post(&format!("/access/1/{own}/revoke"), &[("panel", "users")])
        .await;
    assert!(
        r.has_text("Вход по номеру договора всегда остаётся у владельца"),
        "{}",
        r.body
    );
    let r = co
        .post(&format!("/access/1/{own}/role"), &[("role", "viewer")])
        .await;
    assert!(r.has_text("Вход по номеру договора всегда остаётся у владельца"));
    let r = co
        .post(&format!("/access/1/{me}/role"), &[("role", "viewer")])
        .await;
    assert!(r.has_text("Это ваш собственный доступ"));
    // Inviting one's own phone.
    let r = invite(&co, INVITED, "viewer").await;
    assert!(r.has_text("Это ваш собственный доступ"), "{}", r.body);
    // It can demote another user.
    let r = co.post("/access/1/10/role", &[("role", "viewer")]).await;
    assert!(r.has_text("Роль изменена: «Наблюдатель»"), "{}", r.body);
}

#[tokio::test]
async fn invitations_are_rate_limited_like_login_codes() {
    let mut cfg = Config::default();
    // One SMS for the invitation, one for the invitee's login code.
    cfg.sms.per_phone_burst = 2;
    cfg.sms.phone_refill_seconds = 3600;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    invite(&app, INVITED, "viewer").await;
    crate::invitations::join(&app, INVITED).await;
    let remove = account_of(&app, INVITED);
    app.post(&format!("/access/1/{remove}/revoke"), &[]).await;
    let r = invite(&app, INVITED, "viewer").await;
    assert!(r.has_text("Слишком много приглашений"), "{}", r.body);
}

#[tokio::test]
async fn removal_and_a_role_change_close_the_users_open_chat_at_once() {
    let live = live(test_config()).await;
    let app = &live.app;
    app.login_demo().await;
    invite(app, INVITED, "engineer").await;
    let eng = second_client(app);
    login_phone(&eng, INVITED).await;
    crate::invitations::accept_all(&eng).await;
    let cookie = format!("kabinet_session={}", eng.cookie("kabinet_session").unwrap());
    let target = account_of(app, INVITED);

    // A role without the chat: the socket closes with «contract gone» (the tab reloads).
    let mut ws = live
        .connect("/chat/ws", Some(cookie.clone()), Some(&live.origin()))
        .await
        .expect("engineer's chat socket");
    crate::chat::next(&mut ws).await; // hello
    app.get_hx(routes::ACCESS_USERS).await;
    let r = app
        .post(
            &format!("/access/1/{target}/role"),
            &[("role", "accountant")],
        )
        .await;
    assert!(r.has_text("Роль изменена"), "{}", r.body);
    assert_eq!(close_code(&mut ws).await, Some(4003));
    // …and cannot come back.
    assert!(live
        .connect("/chat/ws", Some(cookie.clone()), Some(&live.origin()))
        .await
        .is_err());

    // Back to engineer, then removed: the socket closes at once.
    app.post(&format!("/access/1/{target}/role"), &[("role", "engineer")])
        .await;
    let mut ws = live
        .connect("/chat/ws", Some(cookie.clone()), Some(&live.origin()))
        .await
        .expect("engineer's chat socket again");
    crate::chat::next(&mut ws).await;
    app.post(&format!("/access/1/{target}/revoke"), &[]).await;
    let code = close_code(&mut ws).await;
    assert!(matches!(code, Some(4001) | Some(4003)), "{code:?}");
}

use kabinet::config::Config;

#[tokio::test]
async fn staff_see_users_and_roles_and_remove_one_on_the_owners_call() {
    let app = TestApp::new().await;
    app.login_demo().await;
    invite(&app, INVITED, "engineer").await;
    let eng = second_client(&app);
    login_phone(&eng, INVITED).await;
    crate::invitations::accept_all(&eng).await;
    assert_eq!(eng.get("/").await.status, 200);
    let target = account_of(&app, INVITED);

    let staff = second_client(&app);
    crate::staff::staff_login(&staff, "operator").await;
    let r = staff.get("/staff/contracts/72845736UL").await;
    assert!(r.has_text("Роль") && r.has_text("Инженер") && r.has_text("Владелец"));
    assert!(
        r.has_text("999*****234") || r.has_text("799*****234"),
        "{}",
        r.body
    );
    let path = format!("/staff/contracts/72845736UL/users/{target}/remove");
    // No reason: refused with a message, nothing removed.
    let r = staff.post(&path, &[("reason", " ")]).await;
    assert!(r.has_text("Укажите основание"), "{}", r.body);
    assert_eq!(session_count(&app.state, target), 1);
    let r = staff.post(&path, &[("reason", "звонок владельца")]).await;
    assert_eq!(
        r.header("hx-redirect"),
        Some("/staff/contracts/72845736UL"),
        "{}",
        r.body
    );
    assert_eq!(session_count(&app.state, target), 0);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE actor_kind = 'staff' AND action = 'staff.user_remove'
             AND details = 'звонок владельца' AND contract_id = 1"
        ),
        1
    );
    assert_eq!(
        eng.get_hx(routes::PAYMENT).await.header("hx-redirect"),
        Some("/login")
    );
    // The contract's own login is not removable.
    let own: i64 = app
        .db()
        .query_row("SELECT id FROM accounts WHERE contract_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    staff.get("/staff/contracts/72845736UL").await;
    let r = staff
        .post(
            &format!("/staff/contracts/72845736UL/users/{own}/remove"),
            &[("reason", "x")],
        )
        .await;
    assert!(r.has_text("Вход по номеру договора всегда остаётся у владельца"));
    // The owner's journal shows it.
    let r = app.get_hx(routes::ACCESS_JOURNAL).await;
    assert!(r.has_text("по звонку владельца"), "{}", r.body);
}

#[tokio::test]
async fn a_password_change_keeps_invited_users_but_drops_who_got_in_by_the_old_password() {
    let app = TestApp::new().await;
    app.login_demo().await;
    invite(&app, INVITED, "accountant").await;
    crate::invitations::join(&app, INVITED).await;
    let target = account_of(&app, INVITED);
    app.get_hx("/access/contracts").await;
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
    assert!(r.has_text("изменён"), "{}", r.body);
    let linked = |a: i64| {
        app.count(&format!(
            "SELECT COUNT(*) FROM account_contracts WHERE account_id = {a} AND contract_id = 1"
        ))
    };
    assert_eq!(
        linked(target),
        1,
        "the invited accountant keeps the contract"
    );
    assert_eq!(
        linked(10),
        0,
        "account 10 had added it with the old password"
    );
}
