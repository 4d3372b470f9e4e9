//! Accounts: «Список договоров» (add, remove, notes, search, switch) and IDOR across accounts.
//! «Устройства и доступ» is in `accounts_access`.
use crate::common::*;
use kabinet::state::SharedState;

pub const PHONE_MAIN_AND_WAREHOUSE: &str = "79271234249"; // account 10: contracts 1 and 3
pub const PHONE_MAIN_ONLY: &str = "79370000666"; // account 11: contract 1

/// Another client (own cookie jar) on the same server state.
pub fn second_client(app: &TestApp) -> TestApp {
    TestApp::from_state(crate::common::tempdir(), app.state.clone())
}

pub fn last_sms(app: &TestApp) -> String {
    app.db()
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an sms in the outbox")
}

pub fn last_code(app: &TestApp) -> String {
    last_sms(app).chars().take(6).collect()
}

pub async fn send_code(app: &TestApp, phone: &str) -> Resp {
    app.get("/login/phone").await;
    app.post("/login/phone", &[("phone", phone)]).await
}

/// Logs in by SMS code and, as a browser does, follows the redirect (the login rotated the
/// CSRF secret: the next page brings the new token). Returns the login's own answer.
pub async fn login_phone(app: &TestApp, phone: &str) -> Resp {
    let r = send_code(app, phone).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let code = last_code(app);
    let r = app
        .post("/login/phone/code", &[("phone", phone), ("code", &code)])
        .await;
    if let Some(to) = r.header("hx-redirect") {
        app.get(to).await;
    }
    r
}

pub fn links(app: &TestApp, account: i64) -> Vec<i64> {
    let c = app.db();
    let mut st = c
        .prepare(
            "SELECT contract_id FROM account_contracts WHERE account_id = ?1 ORDER BY contract_id",
        )
        .unwrap();
    st.query_map([account], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn session_count(st: &SharedState, account: i64) -> i64 {
    st.db
        .get()
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM sessions WHERE account_id = ?1",
            [account],
            |r| r.get(0),
        )
        .unwrap()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn adding_with_wrong_password_gives_generic_error_and_is_throttled() {
    let app = TestApp::new().await;
    let r = login_phone(&app, PHONE_MAIN_ONLY).await;
    assert_eq!(r.header("hx-redirect"), Some("/"));
    app.get_hx("/contracts/add").await;
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "78101424UL"),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.has_text("Неверный номер договора или пароль"),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "99999999ZZ"),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Неверный номер договора или пароль"));
    // The same per-contract throttle as the login form: a burst of 5, then refused.
    let mut refused = false;
    for _ in 0..6 {
        let r = app
            .post(
                "/contracts/add",
                &[
                    ("segment", "business"),
                    ("contract", "78101424UL"),
                    ("password", "nope"),
                ],
            )
            .await;
        if r.status == 429 {
            assert!(r.has_text("Слишком много попыток"));
            refused = true;
            break;
        }
    }
    assert!(refused, "add-contract attempts were never throttled");
    // Even the right password is refused while throttled.
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "78101424UL"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(links(&app, 11), vec![1]);
}

#[tokio::test]
async fn adding_a_contract_links_it_and_adding_twice_is_refused() {
    let app = TestApp::new().await;
    login_phone(&app, PHONE_MAIN_ONLY).await;
    app.get_hx("/contracts").await;
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "78101424ul"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("hx-retarget"), Some("#modal"));
    assert!(r.has_text("Договор 78101424UL добавлен"));
    assert!(r.has_text("Список договоров"));
    assert_eq!(links(&app, 11), vec![1, 2]);
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "78101424UL"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Этот договор уже есть в вашем списке"));
    // The wrong segment is named only after the password was right.
    let r = app
        .post(
            "/contracts/add",
            &[
                ("segment", "business"),
                ("contract", "76095454RK"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("выберите «Дом»"));
    assert_eq!(links(&app, 11), vec![1, 2]);
}

#[tokio::test]
async fn removing_an_added_contract_unlinks_it_but_the_own_one_stays() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.post("/contracts/2/remove", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has_text("Договор удалён из списка"));
    assert_eq!(links(&app, 1), vec![1, 3, 4]);
    let r = app.post("/contracts/1/remove", &[]).await;
    assert_eq!(r.status, 400);
    assert!(r.has_text("удалить из списка нельзя"));
    assert_eq!(links(&app, 1), vec![1, 3, 4]);
    let r = app.get_hx("/contracts").await;
    assert!(!r.has_text("78101424UL"));
    // Removing the current contract moves the account to another one.
    app.post("/contracts/3/switch", &[]).await;
    let r = app.post("/contracts/3/remove", &[]).await;
    assert_eq!(r.header("hx-redirect"), Some("/"));
    let r = app.get("/").await;
    assert!(r.has_text("72845736UL"));
}

#[tokio::test]
async fn note_with_hostile_text_is_stored_as_text_and_shown_escaped() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.get_hx("/contracts/3/note").await;
    assert!(r.has_text("тест 1"));
    let hostile = "<script>alert(1)</script> & \"x\"";
    let r = app.post("/contracts/3/note", &[("note", hostile)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!r.body.contains("<script>alert"));
    assert!(r.has_text("Заметка сохранена"));
    let stored: String = app
        .db()
        .query_row(
            "SELECT note FROM account_contracts WHERE account_id = 1 AND contract_id = 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, hostile);
    let r = app.get_hx("/contracts").await;
    assert!(r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!r.body.contains("<script>alert"));
    // Too long: 422 with a message, nothing stored.
    let long = "я".repeat(101);
    let r = app.post("/contracts/3/note", &[("note", &long)]).await;
    assert_eq!(r.status, 422);
    assert!(r.has_text("Не длиннее 100 символов"));
    let stored: String = app
        .db()
        .query_row(
            "SELECT note FROM account_contracts WHERE account_id = 1 AND contract_id = 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, hostile);
}

#[tokio::test]
async fn search_finds_by_number_and_by_address_fragment() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.get_hx("/contracts/search?q=7810").await;
    assert!(r.has_text("78101424UL"));
    assert!(!r.has_text("72718289UL") && !r.has_text("72845736UL"));
    let r = app
        .get_hx(&format!("/contracts/search?q={}", enc("ЛЕНИНА")))
        .await;
    assert!(r.has_text("72718289UL"), "{}", r.body);
    assert!(!r.has_text("78101424UL"));
    let r = app.get_hx("/contracts/search?q=rk").await;
    assert!(r.has_text("76095454RK"));
    let r = app
        .get_hx(&format!("/contracts/search?q={}", enc("нет такого")))
        .await;
    assert!(r.has_text("Ничего не найдено"));
    let r = app.get_hx("/contracts/search?q=").await;
    for n in ["72845736UL", "78101424UL", "72718289UL", "76095454RK"] {
        assert!(r.has_text(n));
    }
}

#[tokio::test]
async fn switching_shows_the_other_contract_in_every_block() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.get_hx("/contracts").await;
    assert!(r.has_text("Выбран"));
    let r = app.post("/contracts/2/switch", &[]).await;
    assert_eq!(r.header("hx-redirect"), Some("/"));
    let r = app.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("№ 78101424UL"));
    assert!(r.has_text("ул. Менделеева, д. 137"));
    assert!(r.has_text("ООО «Уфимский хлебозавод №3»"));
    assert!(r.has_text("3 100,00 ₽"), "balance of 78101424UL");
    assert!(!r.has_text("пр-т Октября"));
    // The services block follows too: the request list of the main contract is gone.
    assert!(!r.has_text("Выдача копии договора Заявка создана"));
    let r = app.get_hx("/contracts").await;
    let at = r.body.find("78101424UL").unwrap();
    let chosen = r.body.find("Выбран").unwrap();
    assert!(chosen > at, "«Выбран» marks 78101424UL now");
}

/// An unsafe request without `HX-Request` (a plain form post).
async fn post_plain(app: &TestApp, path: &str) -> poem::http::StatusCode {
    let cookies = format!(
        "kabinet_session={}; kabinet_csrf={}",
        app.cookie("kabinet_session").unwrap_or_default(),
        app.cookie("kabinet_csrf").unwrap_or_default()
    );
    let r = app
        .client
        .post(path)
        .header("cookie", cookies)
        .form(&[("csrf_token", app.csrf()), ("note", "x".into())])
        .send()
        .await;
    r.0.status()
}

#[tokio::test]
async fn an_account_can_never_reach_a_contract_it_does_not_hold() {
    let app = TestApp::new().await;
    login_phone(&app, PHONE_MAIN_ONLY).await; // account 11 holds contract 1 only
    app.get("/").await;
    for path in ["/contracts/2", "/contracts/2/note", "/contracts/2/password"] {
        assert_eq!(app.get_hx(path).await.status, 404, "{path} (htmx)");
        assert_eq!(app.get(path).await.status, 404, "{path}");
    }
    app.get("/").await; // a fresh CSRF token (error pages carry none)
    for path in [
        "/contracts/2/switch",
        "/contracts/2/remove",
        "/contracts/2/note",
        "/contracts/2/password",
        "/access/2/1/revoke",
        "/access/1/1/revoke",
    ] {
        let r = app
            .post(
                path,
                &[
                    ("note", "x"),
                    ("current", DEMO_PASSWORD),
                    ("new", "hijacked-1"),
                    ("repeat", "hijacked-1"),
                ],
            )
            .await;
        // Removing the contract's own login (account 1) from a contract it holds is refused
        // with a message since company users (issue 15).
        let refused = r.has_text("Вход по номеру договора всегда остаётся у владельца");
        assert!(
            r.status == 404 || r.status == 400 || refused,
            "{path} (htmx) gave {}",
            r.status
        );
        let s = post_plain(&app, path).await;
        assert!(
            s == 404 || s == 400 || (refused && s == 422),
            "{path} gave {s}"
        );
    }
    // Nothing changed: links, notes, passwords, current contract.
    assert_eq!(links(&app, 11), vec![1]);
    assert_eq!(links(&app, 1), vec![1, 2, 3, 4]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_contracts WHERE note = 'x'"),
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contracts WHERE password_changed_at IS NOT NULL"),
        0
    );
    let r = app.get("/").await;
    assert!(r.has_text("№ 72845736UL"));
    let r = app.get_hx("/contracts/search?q=").await;
    assert!(!r.has_text("78101424UL"));
    let r = app.get_hx("/access/contracts").await;
    assert!(!r.has_text("78101424UL"));
    // Without a session nothing answers but the login page.
    let anon = second_client(&app);
    assert_eq!(
        anon.get("/contracts").await.header("location"),
        Some("/login")
    );
    assert_eq!(
        anon.get_hx("/access").await.header("hx-redirect"),
        Some("/login")
    );
}

#[tokio::test]
async fn one_linked_contract_reads_as_it_does_in_the_whole_list_also_when_current_is_gone() {
    use kabinet::db::account_links::{get, list};
    let app = TestApp::new().await;
    let c = app.db();
    let account: i64 = c
        .query_row(
            "SELECT account_id FROM account_contracts GROUP BY account_id ORDER BY COUNT(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let same = |c: &rusqlite::Connection| {
        let all = list(c, account).unwrap();
        assert!(all.len() > 1, "an account with several contracts");
        for l in &all {
            let one = get(c, account, l.id).unwrap().expect("linked");
            assert_eq!(
                (
                    one.id,
                    &one.number,
                    &one.note,
                    one.own,
                    one.current,
                    one.role
                ),
                (l.id, &l.number, &l.note, l.own, l.current, l.role)
            );
        }
        assert_eq!(all.iter().filter(|l| l.current).count(), 1);
    };
    same(&c);
    // The current contract points at one no longer linked: `get` names the same fallback as
    // the list (read before the list repairs the pointer).
    let ids: Vec<i64> = list(&c, account).unwrap().iter().map(|l| l.id).collect();
    c.execute(
        "UPDATE accounts SET current_contract_id = (SELECT id FROM contracts WHERE id NOT IN
             (SELECT contract_id FROM account_contracts WHERE account_id = ?1) LIMIT 1) WHERE id = ?1",
        [account],
    )
    .unwrap();
    let current: Vec<bool> = ids
        .iter()
        .map(|&id| get(&c, account, id).unwrap().unwrap().current)
        .collect();
    assert_eq!(current.iter().filter(|c| **c).count(), 1, "{current:?}");
    let after: Vec<bool> = list(&c, account)
        .unwrap()
        .iter()
        .map(|l| l.current)
        .collect();
    assert_eq!(current, after);
    same(&c);
    assert!(
        get(&c, account, 999_999).unwrap().is_none(),
        "not linked: none"
    );
}
