//! Invitations need consent (issue 24 #5): an owner's invitation links nothing until the
//! invited phone accepts it; a stranger's invitation cannot hold the invitee's sessions with
//! «Требовать второй фактор»; declining removes it; the owner can cancel one still pending.
use crate::accounts::{login_phone, second_client};
use crate::common::*;
use kabinet::routes;

const STRANGER: &str = "79995557777";

/// Accepts every invitation waiting for the logged-in phone.
pub async fn accept_all(user: &TestApp) {
    let r = user.get(routes::INVITATIONS).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<String> = r
        .body
        .split("action=\"/invitations/")
        .skip(1)
        .filter_map(|s| s.split_once("/accept\"").map(|(id, _)| id.to_owned()))
        .collect();
    for id in ids {
        let r = user.post(&format!("/invitations/{id}/accept"), &[]).await;
        assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
    }
}

/// Logs `phone` in on a client of its own and accepts its invitations.
pub async fn join(app: &TestApp, phone: &str) -> TestApp {
    let u = second_client(app);
    login_phone(&u, phone).await;
    accept_all(&u).await;
    u
}

async fn invite(app: &TestApp, phone: &str, role: &str) -> Resp {
    app.get_hx(routes::ACCESS_USERS).await;
    app.post(routes::ACCESS_USERS, &[("phone", phone), ("role", role)])
        .await
}

fn links_of(app: &TestApp, phone: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM account_contracts ac JOIN accounts a ON a.id = ac.account_id
         WHERE a.phone = '{phone}'"
    ))
}

#[tokio::test]
async fn an_invitation_links_nothing_until_the_invitee_accepts_it() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = invite(&app, STRANGER, "accountant").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Ожидают подтверждения"), "{}", r.body);
    assert_eq!(links_of(&app, STRANGER), 0, "nothing linked yet");
    // The invitee logs in by phone and is asked first.
    let u = second_client(&app);
    let r = login_phone(&u, STRANGER).await;
    assert_eq!(
        r.header("hx-redirect"),
        Some(routes::INVITATIONS),
        "{}",
        r.body
    );
    let r = u.get(routes::INVITATIONS).await;
    assert!(r.has_text("Договор 72845736UL"), "{}", r.body);
    assert!(r.has_text("Принять") && r.has_text("Отклонить"));
    assert_eq!(links_of(&app, STRANGER), 0);
    accept_all(&u).await;
    assert_eq!(links_of(&app, STRANGER), 1);
    let r = u.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("72845736UL"));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.accept' AND contract_id = 1"
        ),
        1
    );
}

#[tokio::test]
async fn a_strangers_invitation_with_a_second_factor_requirement_cannot_hold_the_invitee() {
    let app = TestApp::new().await;
    app.login_demo().await;
    // The stranger's company requires a second factor and invites someone's phone.
    app.get_hx(routes::ACCESS_SECURITY).await;
    app.post(routes::REQUIRE_SECOND_FACTOR, &[("on", "1")])
        .await;
    invite(&app, STRANGER, "viewer").await;
    // The phone's owner logs in: its session is not held for a second factor.
    let u = second_client(&app);
    login_phone(&u, STRANGER).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE a.phone = '{STRANGER}' AND s.second_factor_pending = 1"
        )),
        0
    );
    // Declining removes the invitation.
    let r = u.get(routes::INVITATIONS).await;
    let id = r
        .body
        .split("action=\"/invitations/")
        .nth(1)
        .and_then(|s| s.split_once('/'))
        .map(|(id, _)| id.to_owned())
        .expect("an invitation");
    let r = u.post(&format!("/invitations/{id}/decline"), &[]).await;
    assert!(r.has_text("Приглашение отклонено"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations"), 0);
    assert_eq!(links_of(&app, STRANGER), 0);
}

#[tokio::test]
async fn the_owner_cancels_a_pending_invitation_and_it_cannot_be_accepted() {
    let app = TestApp::new().await;
    app.login_demo().await;
    invite(&app, STRANGER, "viewer").await;
    let id: i64 = app
        .db()
        .query_row("SELECT id FROM invitations", [], |r| r.get(0))
        .unwrap();
    let r = app
        .post(&format!("/access/invitations/{id}/cancel"), &[])
        .await;
    assert!(r.has_text("Приглашение отменено"), "{}", r.body);
    let u = second_client(&app);
    login_phone(&u, STRANGER).await;
    let r = u.post(&format!("/invitations/{id}/accept"), &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(links_of(&app, STRANGER), 0);
}

#[tokio::test]
async fn an_invitation_for_someone_else_cannot_be_accepted() {
    let app = TestApp::new().await;
    app.login_demo().await;
    invite(&app, STRANGER, "owner").await;
    let id: i64 = app
        .db()
        .query_row("SELECT id FROM invitations", [], |r| r.get(0))
        .unwrap();
    let other = second_client(&app);
    login_phone(&other, "79995558888").await;
    let r = other.post(&format!("/invitations/{id}/accept"), &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(links_of(&app, "79995558888"), 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations"), 1);
}

#[tokio::test]
async fn a_user_can_leave_a_contract_from_the_second_factor_page() {
    let app = TestApp::new().await;
    app.login_demo().await;
    invite(&app, STRANGER, "viewer").await;
    join(&app, STRANGER).await;
    app.get_hx(routes::ACCESS_SECURITY).await;
    app.post(routes::REQUIRE_SECOND_FACTOR, &[("on", "1")])
        .await;
    // The user logs in again: held for a second factor it never wanted.
    let u = second_client(&app);
    login_phone(&u, STRANGER).await;
    let r = u.get(routes::LOGIN_SECOND_FACTOR).await;
    assert!(r.has_text("Покинуть договор 72845736UL"), "{}", r.body);
    let r = u.post(&routes::second_factor_leave(1), &[]).await;
    assert_eq!(r.header("hx-redirect"), Some(routes::HOME), "{}", r.body);
    assert_eq!(links_of(&app, STRANGER), 0);
    // The session goes on without a second factor (it holds nothing that requires one).
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE a.phone = '{STRANGER}' AND s.second_factor_pending = 1"
        )),
        0
    );
    // Leaving is refused for a contract that does not require it or is not held.
    let r = u.post(&routes::second_factor_leave(3), &[]).await;
    assert_ne!(r.status, 500);
}
