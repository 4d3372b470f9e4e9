//! The account lifecycle (issue 24 #1): whoever held a session for a minute — a stolen cookie,
//! a shared office PC — has nothing left after the owner's «Сбросить все устройства», a
//! password change, the operator's reset or a user's removal. Every credential kind is walked
//! through every reset path; binding a new authenticator needs a fresh authentication.
use crate::accounts::second_client;
use crate::billing_api::{call, token};
use crate::common::*;
use kabinet::{auth::device, routes};

const ACCOUNT: i64 = 1; // the demo contract's own account
const THIEF_PHONE: &str = "79995550001";

/// What a thief bound while holding the contract's session for a minute.
struct Bound {
    session_id: i64,
    device_cookie: String,
}

fn session_id_of(app: &TestApp) -> i64 {
    let token = app.cookie("kabinet_session").expect("a session cookie");
    let th = kabinet::auth::session::token_hash(&token);
    app.db()
        .query_row("SELECT id FROM sessions WHERE token_hash = ?1", [th], |r| {
            r.get(0)
        })
        .expect("the session row")
}

/// The thief logs in (the password was seen over a shoulder) and binds what it can: a device
/// cookie, a passkey, a push subscription, a TOTP enrolment it started, and its own phone
/// invited as a user of the contract.
async fn thief_binds_everything(app: &TestApp) -> Bound {
    let thief = second_client(app);
    thief.login_demo().await;
    let session_id = session_id_of(&thief);
    let device_cookie = thief.cookie("kabinet_device").expect("a device cookie");
    // TOTP enrolment started on the thief's session (the QR code was shown).
    let r = thief.get(routes::TOTP_SETUP).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = app.db();
    // A passkey and a push subscription (their ceremonies need a browser: their rows are what
    // a finished ceremony stores).
    c.execute(
        "INSERT INTO passkeys(account_id, cred_id, name, data, created_at)
         VALUES (?1, 'thief-cred', 'Linux Chrome', '{}', 1)",
        [ACCOUNT],
    )
    .unwrap();
    c.execute(
        "INSERT INTO push_subscriptions(account_id, endpoint, p256dh, auth, created_at)
         VALUES (?1, 'https://fcm.googleapis.com/fcm/send/thief', 'k', 'a', 1)",
        [ACCOUNT],
    )
    .unwrap();
    // Its own phone as a user of the contract.
    thief.get_hx(routes::ACCESS_USERS).await;
    let r = thief
        .post(
            routes::ACCESS_USERS,
            &[("phone", THIEF_PHONE), ("role", "accountant")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The thief holds that phone: it accepts.
    crate::invitations::join(app, THIEF_PHONE).await;
    Bound {
        session_id,
        device_cookie,
    }
}

fn device_cookie_valid(app: &TestApp, cookie: &str, epoch_login: &str) -> bool {
    device::verify_value(cookie, &app.state.csrf_key, epoch_login).is_some()
}

/// Where an answer sends the browser (htmx or a plain redirect).
fn redirected_to(r: &Resp) -> Option<&str> {
    r.header("hx-redirect").or(r.header("location"))
}

/// Asserts every credential the thief bound is gone, and its session was announced as ended
/// (which closes its chat sockets).
async fn assert_nothing_left(
    app: &TestApp,
    b: &Bound,
    ended: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<[i64]>>,
) {
    let sql = |q: &str| app.count(&q.replace("?A", &ACCOUNT.to_string()));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id = {}",
            b.session_id
        )),
        0,
        "the thief's session"
    );
    assert_eq!(
        sql("SELECT COUNT(*) FROM passkeys WHERE account_id = ?A"),
        0,
        "passkeys"
    );
    assert_eq!(
        sql("SELECT COUNT(*) FROM push_subscriptions WHERE account_id = ?A"),
        0,
        "push subscriptions"
    );
    assert_eq!(
        sql("SELECT COUNT(*) FROM totp_enrolments WHERE account_id = ?A"),
        0,
        "pending TOTP enrolment"
    );
    let login = kabinet::app::lifecycle::device_login(&app.state, DEMO_CONTRACT)
        .await
        .unwrap();
    assert!(
        !device_cookie_valid(app, &b.device_cookie, &login),
        "the device cookie"
    );
    let mut announced = Vec::new();
    while let Ok(ids) = ended.try_recv() {
        announced.extend(ids.iter().copied());
    }
    assert!(
        announced.contains(&b.session_id),
        "the session's sockets are told to close: {announced:?}"
    );
}

fn invited_count(app: &TestApp) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
         WHERE ac.contract_id = 1 AND a.phone = '{THIEF_PHONE}'"
    ))
}

#[tokio::test]
async fn devices_reset_leaves_a_thief_nothing_and_shows_the_user_it_invited() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let b = thief_binds_everything(&app).await;
    // Before: the device cookie is good.
    let login = kabinet::app::lifecycle::device_login(&app.state, DEMO_CONTRACT)
        .await
        .unwrap();
    assert!(device_cookie_valid(&app, &b.device_cookie, &login));
    let mut ended = app.state.ended_sessions.subscribe();
    app.get_hx(routes::ACCESS).await;
    let r = app.post(routes::ACCESS_RESET, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Удалено ключей доступа: 1"), "{}", r.body);
    assert_nothing_left(&app, &b, &mut ended).await;
    // The invited user stays, and the owner sees it with «Удалить доступ».
    assert_eq!(invited_count(&app), 1);
    assert!(r.has_text("Что ещё даёт доступ"), "{}", r.body);
    assert!(r.has_text("Удалить доступ"), "{}", r.body);
    // The owner's own session goes on.
    assert_eq!(app.get("/").await.status, 200);
}

#[tokio::test]
async fn a_password_change_leaves_a_thief_nothing() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let b = thief_binds_everything(&app).await;
    let mut ended = app.state.ended_sessions.subscribe();
    app.get_hx(routes::ACCESS_CONTRACTS).await;
    let r = app
        .post(
            "/contracts/1/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "novyi-parol-2026"),
                ("repeat", "novyi-parol-2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_nothing_left(&app, &b, &mut ended).await;
    assert_eq!(app.get("/").await.status, 200, "the owner stays in");
}

#[tokio::test]
async fn the_operators_reset_leaves_a_thief_nothing_and_can_remove_its_invitee() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let b = thief_binds_everything(&app).await;
    let mut ended = app.state.ended_sessions.subscribe();
    let t = token(&app, "billing");
    let (status, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/72845736UL/password",
        Some(&t),
        Some(r#"{"password": "novyi-parol-2026"}"#.into()),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_nothing_left(&app, &b, &mut ended).await;
    // Invited users are reported to the operator…
    let users = v["invited_users"].as_array().expect("invited_users");
    assert!(users.iter().any(|u| u["role"] == "accountant"), "{v}");
    assert_eq!(invited_count(&app), 1);
    // …and removed when asked, in the same kind of call.
    let (status, v) = call(
        &app,
        "PUT",
        "/api/v1/contracts/72845736UL/password",
        Some(&t),
        Some(r#"{"password": "novyi-parol-2027", "remove_invited": true}"#.into()),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["invited_removed"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(invited_count(&app), 0);
}

/// Who removes the invited user.
enum Remover {
    Owner,
    Staff,
}

/// An invited user with a session, a passkey and a push subscription is removed: nothing of
/// its account remains (it holds no other contract).
async fn removal_ends_every_credential(by: Remover) {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx(routes::ACCESS_USERS).await;
    let r = app
        .post(
            routes::ACCESS_USERS,
            &[("phone", THIEF_PHONE), ("role", "accountant")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let user = crate::invitations::join(&app, THIEF_PHONE).await;
    let uid: i64 = app
        .db()
        .query_row(
            "SELECT id FROM accounts WHERE phone = ?1",
            [THIEF_PHONE],
            |r| r.get(0),
        )
        .unwrap();
    let sid = session_id_of(&user);
    let c = app.db();
    c.execute(
        "INSERT INTO passkeys(account_id, cred_id, name, data, created_at) VALUES (?1, 'u-cred', 'x', '{}', 1)",
        [uid],
    )
    .unwrap();
    c.execute(
        "INSERT INTO push_subscriptions(account_id, endpoint, p256dh, auth, created_at)
         VALUES (?1, 'https://fcm.googleapis.com/fcm/send/u', 'k', 'a', 1)",
        [uid],
    )
    .unwrap();
    drop(c);
    let mut ended = app.state.ended_sessions.subscribe();
    match by {
        Remover::Owner => {
            app.get_hx(routes::ACCESS_USERS).await;
            let r = app
                .post(&format!("/access/1/{uid}/revoke"), &[("panel", "users")])
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        Remover::Staff => {
            let staff = second_client(&app);
            crate::staff::staff_login(&staff, "operator").await;
            staff.get("/staff/contracts/72845736UL").await;
            let r = staff
                .post(
                    &format!("/staff/contracts/72845736UL/users/{uid}/remove"),
                    &[("reason", "звонок владельца")],
                )
                .await;
            assert!(r.header("hx-redirect").is_some(), "{}", r.body);
        }
    }
    let n = |q: &str| app.count(&q.replace("?U", &uid.to_string()));
    assert_eq!(n("SELECT COUNT(*) FROM sessions WHERE account_id = ?U"), 0);
    assert_eq!(n("SELECT COUNT(*) FROM passkeys WHERE account_id = ?U"), 0);
    assert_eq!(
        n("SELECT COUNT(*) FROM push_subscriptions WHERE account_id = ?U"),
        0
    );
    let ids = ended.try_recv().expect("ended sessions announced");
    assert!(ids.contains(&sid));
}

#[tokio::test]
async fn the_owners_removal_of_a_user_ends_every_credential_of_its_account() {
    removal_ends_every_credential(Remover::Owner).await;
}

#[tokio::test]
async fn the_staffs_removal_of_a_user_ends_every_credential_of_its_account() {
    removal_ends_every_credential(Remover::Staff).await;
}

#[tokio::test]
async fn a_stale_session_must_confirm_before_adding_a_passkey_or_changing_totp_or_inviting_an_owner(
) {
    let app = TestApp::new().await;
    app.login_demo().await;
    // A cookie held for longer than the fresh window (a shared office PC, a stolen cookie).
    app.state
        .clock
        .advance(kabinet::app::lifecycle::FRESH_SECS + 60);
    let r = app
        .client
        .post(routes::PASSKEY_REGISTER)
        .header("cookie", app.cookie_header())
        .header("x-csrf-token", app.csrf())
        .content_type("application/json")
        .body("{}")
        .send()
        .await;
    assert_eq!(r.0.status(), 403);
    let body = r.0.into_body().into_string().await.unwrap();
    assert!(body.contains("step_up"), "{body}");
    let r = app.get(routes::TOTP_SETUP).await;
    assert_eq!(r.status, 303);
    let to = r.header("location").unwrap().to_owned();
    assert!(to.starts_with(routes::ACCESS_CONFIRM), "{to}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM totp_enrolments"),
        0,
        "no secret shown"
    );
    app.get_hx(routes::ACCESS_USERS).await;
    let r = app
        .post(
            routes::ACCESS_USERS,
            &[("phone", THIEF_PHONE), ("role", "owner")],
        )
        .await;
    assert!(
        redirected_to(&r).is_some_and(|to| to.starts_with(routes::ACCESS_CONFIRM)),
        "{}",
        r.body
    );
    assert_eq!(invited_count(&app), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invitations"),
        0,
        "nothing invited"
    );

    // The step-up screen: a wrong password is refused by the field, the right one returns.
    let r = app.get(&to).await;
    assert!(r.has_text("Подтвердите, что это вы"), "{}", r.body);
    assert!(r.has_text("Пароль договора 72845736UL"), "{}", r.body);
    let r = app
        .post(
            routes::ACCESS_CONFIRM,
            &[("secret", "wrong-password"), ("next", routes::TOTP_SETUP)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Неверный пароль или код"));
    assert!(r.body.contains("aria-describedby=\"f-secret-error\""));
    let r = app
        .post(
            routes::ACCESS_CONFIRM,
            &[("secret", DEMO_PASSWORD), ("next", routes::TOTP_SETUP)],
        )
        .await;
    assert_eq!(redirected_to(&r), Some(routes::TOTP_SETUP));
    let r = app.get(routes::TOTP_SETUP).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("totp-secret"), "{}", r.body);
}

#[tokio::test]
async fn the_step_up_screen_never_returns_to_another_site() {
    let app = TestApp::new().await;
    app.login_demo().await;
    for next in [
        "https://evil.example/",
        "//evil.example/access",
        "/access\\@evil",
    ] {
        let r = app
            .post(
                routes::ACCESS_CONFIRM,
                &[("secret", DEMO_PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(redirected_to(&r), Some(routes::ACCESS_SECURITY), "{next}");
    }
}

#[tokio::test]
async fn totp_enrolment_shows_each_session_its_own_secret_and_never_an_enabled_one() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let other = second_client(&app);
    other.login_demo().await;
    // The first session to open the page does not fix the secret for the other.
    let a = app.get(routes::TOTP_SETUP).await;
    let b = other.get(routes::TOTP_SETUP).await;
    let secret = |body: &str| {
        let i = body.find("id=\"totp-secret\"").expect("secret shown");
        let rest = &body[i..];
        rest[rest.find('>').unwrap() + 1..rest.find('<').unwrap()].to_owned()
    };
    let (sa, sb) = (secret(&a.body), secret(&b.body));
    assert_ne!(sa, sb);
    // A code from the other session's secret does not enable this one's.
    let sb_bytes = kabinet::auth::totp::from_base32(&sb).unwrap();
    let code_b = kabinet::auth::totp::code_at(&sb_bytes, app.state.clock.now());
    let r = app.post(routes::TOTP_SETUP, &[("code", &code_b)]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    // After a wrong code the page shows the same secret again (no re-scan).
    assert_eq!(secret(&r.body), sa);
    let sa_bytes = kabinet::auth::totp::from_base32(&sa).unwrap();
    let code_a = kabinet::auth::totp::code_at(&sa_bytes, app.state.clock.now());
    let r = app.post(routes::TOTP_SETUP, &[("code", &code_a)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Второй фактор подключён"));
    // Once on, the secret is never shown again, to anyone.
    let r = app.get(routes::TOTP_SETUP).await;
    assert!(!r.body.contains("totp-secret"), "{}", r.body);
    assert!(r.has_text("Второй фактор уже подключён"));
    assert_eq!(app.count("SELECT COUNT(*) FROM totp_enrolments"), 0);
}

#[tokio::test]
async fn a_phone_account_confirms_itself_with_an_sms_code() {
    let app = TestApp::new().await;
    crate::accounts::login_phone(&app, crate::accounts::PHONE_MAIN_ONLY).await;
    app.state
        .clock
        .advance(kabinet::app::lifecycle::FRESH_SECS + 60);
    let r = app.get(routes::TOTP_SETUP).await;
    let to = redirected_to(&r).expect("to the step-up screen").to_owned();
    let r = app.get(&to).await;
    assert!(r.has_text("Получите код на номер"), "{}", r.body);
    let r = app
        .post(routes::ACCESS_CONFIRM_CODE, &[("next", routes::TOTP_SETUP)])
        .await;
    assert!(r.has_text("Мы отправили код на номер"), "{}", r.body);
    let code = crate::accounts::last_code(&app);
    let r = app
        .post(
            routes::ACCESS_CONFIRM,
            &[("secret", "000000"), ("next", routes::TOTP_SETUP)],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            routes::ACCESS_CONFIRM,
            &[("secret", &code), ("next", routes::TOTP_SETUP)],
        )
        .await;
    assert_eq!(redirected_to(&r), Some(routes::TOTP_SETUP), "{}", r.body);
    assert_eq!(app.get(routes::TOTP_SETUP).await.status, 200);
}
