//! Passkeys in real Chromium with its virtual authenticator (WebDriver
//! `addVirtualAuthenticator`): add a passkey in «Устройства и доступ» → «Вход», log in with it
//! without password or SMS, and a signature counter that goes back is refused (issue 15).
use super::*;
use crate::common::DEMO_CONTRACT;

/// WebDriver's `POST /session/{id}/webauthn/authenticator`: a platform authenticator with
/// user verification, as a phone's or laptop's.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &webauthn_url::Url,
        session_id: Option<&str>,
    ) -> Result<webauthn_url::Url, webauthn_url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &webauthn_url::Url) -> (poem::http::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "isUserConsenting": true
        });
        (poem::http::Method::POST, Some(body.to_string()))
    }
}

mod webauthn_url {
    pub use kabinet::auth::passkey::Url;
    pub type ParseError = <Url as std::str::FromStr>::Err;
}

#[tokio::test]
async fn a_passkey_is_added_and_logs_in_without_password_in_chromium() {
    let mut cfg = Config::default();
    cfg.passkeys.rp_id = "localhost".into();
    cfg.passkeys.origin = "http://localhost".into();
    cfg.passkeys.allow_any_port = true;
    let s = serve(cfg).await;
    let Some(b) = browser().await else { return };
    // An IP address is not a valid RP id: the browser opens the site as localhost.
    let base = s.base.replace("127.0.0.1", "localhost");
    b.c.issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("virtual authenticator");
    b.login_demo(&base).await;

    b.goto(&format!("{base}{}", kabinet::routes::ACCESS_SECURITY))
        .await;
    b.see("Ключи доступа").await;
    b.see("Ключей доступа пока нет").await;
    b.shoot("passkeys-none").await;
    b.click("Добавить ключ доступа").await;
    b.see_no_more("Ключей доступа пока нет").await;
    let count = |sql: &str| -> i64 {
        s.state
            .db
            .get()
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM passkeys WHERE account_id = 1"),
        1
    );
    b.shoot("passkeys-one").await;

    // A fresh browser state: no session. «Войти с ключом доступа» from the login page.
    b.c.delete_all_cookies().await.unwrap();
    b.goto(&format!("{base}/login")).await;
    b.click("Войти с ключом доступа").await;
    b.wait_path(kabinet::routes::LOGIN_PASSKEY).await;
    b.fill("Номер договора или телефона", DEMO_CONTRACT).await;
    b.shoot("passkey-login").await;
    b.click("Войти с ключом доступа").await;
    b.wait_path("/").await;
    b.see(DEMO_CONTRACT).await;
    assert_eq!(
        count("SELECT COUNT(*) FROM passkeys WHERE account_id = 1 AND last_used_at IS NOT NULL"),
        1
    );
    // The passkey login is a device of the account.
    b.goto(&format!("{base}{}", kabinet::routes::ACCESS)).await;
    b.see("Текущее устройство").await;
    assert!(count("SELECT COUNT(*) FROM sessions WHERE account_id = 1") >= 2);

    // A counter that goes back (a cloned authenticator) is refused.
    s.state
        .db
        .get()
        .unwrap()
        .execute(
            "UPDATE passkeys SET data = json_set(data, '$.cred.counter', 4000000000)",
            [],
        )
        .unwrap();
    b.c.delete_all_cookies().await.unwrap();
    b.goto(&format!("{base}{}", kabinet::routes::LOGIN_PASSKEY))
        .await;
    b.fill("Номер договора или телефона", DEMO_CONTRACT).await;
    b.click("Войти с ключом доступа").await;
    b.see("Ключ доступа не подошёл").await;
    assert_eq!(b.path().await, kabinet::routes::LOGIN_PASSKEY);
    assert_no_csp_violations(&s).await;
}
