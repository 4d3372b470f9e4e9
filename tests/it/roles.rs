//! Company users' roles: every route of the real router × every role against the rule table
//! of `web::roles` (a route without a rule fails here), and what each role is shown.
use crate::accounts::{login_phone, PHONE_MAIN_ONLY};
use crate::common::*;
use kabinet::{
    domain::role::Role,
    routes,
    web::roles::{rule, Rule},
};
use std::collections::BTreeMap;

/// Account 11 logs in by phone and holds contract 1 only.
const ACCOUNT: i64 = 11;
const CONTRACT: i64 = 1;
/// Another account holding contract 1.
const OTHER: i64 = 10;

pub fn set_role(app: &TestApp, account: i64, contract: i64, role: Role) {
    let n = app
        .db()
        .execute(
            "UPDATE account_contracts SET role = ?3 WHERE account_id = ?1 AND contract_id = ?2",
            rusqlite::params![account, contract, role.code()],
        )
        .unwrap();
    assert_eq!(n, 1);
}

fn first_id(app: &TestApp, sql: &str) -> String {
    app.db()
        .query_row(sql, [CONTRACT], |r| r.get::<_, i64>(0))
        .map(|i| i.to_string())
        .unwrap_or_else(|_| "999999".into())
}

/// A concrete path for a router pattern, with real ids of contract 1 where it has them.
fn concrete(app: &TestApp, pattern: &str) -> String {
    let service = first_id(
        app,
        "SELECT id FROM services WHERE contract_id = ?1 LIMIT 1",
    );
    let request = first_id(
        app,
        "SELECT id FROM requests WHERE contract_id = ?1 LIMIT 1",
    );
    let document = first_id(
        app,
        "SELECT id FROM documents WHERE contract_id = ?1 LIMIT 1",
    );
    let mut out = Vec::new();
    let segs: Vec<&str> = pattern.split('/').collect();
    for (i, s) in segs.iter().enumerate() {
        let prev = if i > 0 { segs[i - 1] } else { "" };
        let v = match (*s, prev) {
            (":id", "contracts") => CONTRACT.to_string(),
            (":id", "services") => service.clone(),
            (":id", "requests") => request.clone(),
            (":id", "documents") => document.clone(),
            (":contract", _) => CONTRACT.to_string(),
            (":account", _) => OTHER.to_string(),
            ("*path", _) => "app.css".into(),
            (p, _) if p.starts_with(':') || p.starts_with('*') => "1".into(),
            (p, _) => p.to_owned(),
        };
        out.push(v);
    }
    let p = out.join("/");
    if p.is_empty() {
        "/".into()
    } else {
        p
    }
}

/// Routes that end the session or the link: asked last.
fn last(pattern: &str) -> u8 {
    match pattern {
        routes::CONTRACT_REMOVE => 1,
        routes::LOGOUT => 2,
        _ => 0,
    }
}

fn patterns(app: &TestApp) -> Vec<String> {
    let mut p = kabinet::web::route_patterns(&app.state);
    p.sort_by_key(|p| last(p));
    p
}

/// The status, with htmx's redirect to the login page counted as 401.
fn status(r: &Resp) -> u16 {
    match r.header("hx-redirect") {
        Some(to) if to.starts_with(routes::LOGIN) => 401,
        _ => r.status.as_u16(),
    }
}

/// (pattern, method) → status, for one role.
async fn walk(role: Option<Role>) -> BTreeMap<(String, &'static str), u16> {
    let app = TestApp::new().await;
    if let Some(role) = role {
        let r = login_phone(&app, PHONE_MAIN_ONLY).await;
        assert_eq!(r.header("hx-redirect"), Some("/"), "{}", r.body);
        app.get("/").await;
        set_role(&app, ACCOUNT, CONTRACT, role);
    } else {
        app.get(routes::LOGIN).await;
    }
    let mut out = BTreeMap::new();
    for p in patterns(&app) {
        if p.starts_with(routes::API_PREFIX) {
            continue;
        }
        let path = concrete(&app, &p);
        let g = status(&app.get_hx(&path).await);
        let po = status(&app.post(&path, &[]).await);
        out.insert((p.clone(), "GET"), g);
        out.insert((p, "POST"), po);
    }
    out
}

#[tokio::test]
async fn every_route_of_the_router_has_a_rule_and_every_role_gets_it() {
    let app = TestApp::new().await;
    let all = kabinet::web::route_patterns(&app.state);
    assert!(all.len() > 60, "{all:?}");
    let missing: Vec<&String> = all.iter().filter(|p| rule(p).is_none()).collect();
    assert!(
        missing.is_empty(),
        "routes without a rule in web::roles: {missing:?}"
    );
    drop(app);

    let anon = walk(None).await;
    let mut by_role = Vec::new();
    for role in Role::ALL {
        by_role.push((role, walk(Some(role)).await));
    }
    // The walk saw real pages: the owner's main page and the accountant's payment modal.
    let (owner, acct) = (&by_role[0].1, &by_role[1].1);
    assert_eq!(owner[&(routes::HOME.to_string(), "GET")], 200);
    assert_eq!(acct[&(routes::PAYMENT.to_string(), "GET")], 200);
    assert_eq!(acct[&(routes::ACTION.to_string(), "GET")], 403);
    let mut failures = Vec::new();
    for ((pattern, method), anon_status) in &anon {
        let r = rule(pattern).unwrap();
        let statuses: Vec<(Role, u16)> = by_role
            .iter()
            .map(|(role, m)| (*role, m[&(pattern.clone(), *method)]))
            .collect();
        // Not this route's method: the same 405 for everyone.
        if statuses.iter().all(|(_, s)| *s == 405) {
            continue;
        }
        match r {
            Rule::Contract(cap) => {
                if *anon_status == 200 {
                    failures.push(format!("{method} {pattern}: 200 without a session"));
                }
                for (role, s) in &statuses {
                    let want_denied = !role.can(cap);
                    // The last routes run after the link or the session ended.
                    if last(pattern) > 0 && !want_denied {
                        continue;
                    }
                    if want_denied && *s != 403 {
                        failures.push(format!("{method} {pattern} as {role:?}: {s}, want 403"));
                    }
                    if !want_denied && (*s == 403 || *s == 401) {
                        failures.push(format!("{method} {pattern} as {role:?}: {s}, want allowed"));
                    }
                }
            }
            Rule::Account => {
                if *anon_status == 200 {
                    failures.push(format!("{method} {pattern}: 200 without a session"));
                }
                for (role, s) in &statuses {
                    if *s == 403 && last(pattern) == 0 {
                        failures.push(format!("{method} {pattern} as {role:?}: 403"));
                    }
                }
            }
            Rule::Public | Rule::Staff | Rule::Api => {
                // Whatever it answers, the subscriber's role changes nothing.
                let first = statuses[0].1;
                if last(pattern) == 0 && statuses.iter().any(|(_, s)| *s != first) {
                    failures.push(format!("{method} {pattern}: differs by role {statuses:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_contract_route_without_a_contract_rule_is_refused() {
    // The extractor refuses a route whose pattern it cannot find (as a route added without a
    // rule would be): the check is in the extractor, not in a list the handler may forget.
    assert_eq!(rule("/no/such/route"), None);
    assert_eq!(
        rule(routes::PAYMENT),
        Some(Rule::Contract(kabinet::domain::role::Cap::Pay))
    );
}

/// A button or link to `path` is on the page.
fn shows(r: &Resp, path: &str) -> bool {
    r.body.contains(&format!("hx-get=\"{path}\""))
        || r.body.contains(&format!("hx-post=\"{path}\""))
}

/// The main page as account 11 with `role` on contract 1.
async fn main_page_as(role: Role) -> (TestApp, Resp) {
    let app = TestApp::new().await;
    login_phone(&app, PHONE_MAIN_ONLY).await;
    set_role(&app, ACCOUNT, CONTRACT, role);
    let r = app.get("/").await;
    assert_eq!(r.status, 200);
    (app, r)
}

#[tokio::test]
async fn each_role_is_shown_only_what_it_may_do() {
    let (_a, r) = main_page_as(Role::Accountant).await;
    assert!(r.has_text("Пополнить") && r.has_text("Автоплатеж") && r.has_text("Документы"));
    assert!(r.has_text("История баланса") && shows(&r, routes::PAYMENT));
    assert!(!r.has_text("Доступные действия"), "no contract actions");
    assert!(!r.body.contains(routes::CHAT_WS), "no chat");

    let (_a, r) = main_page_as(Role::Engineer).await;
    assert!(!shows(&r, routes::PAYMENT) && !r.has_text("История баланса"));
    assert!(!r.has_text("Документы"));
    assert!(r.has_text("Доступные действия") && r.body.contains(routes::CHAT_WS));

    let (_a, r) = main_page_as(Role::Viewer).await;
    assert!(r.has_text("История баланса") && r.has_text("Документы"));
    assert!(!shows(&r, routes::PAYMENT) && !shows(&r, routes::AUTOPAY));
    assert!(!shows(&r, routes::AUTOPAY_OFF));
    assert!(!r.has_text("Доступные действия") && !r.body.contains(routes::CHAT_WS));

    let (_a, r) = main_page_as(Role::Owner).await;
    assert!(r.has_text("Пополнить") && r.has_text("Доступные действия"));
    assert!(r.body.contains(routes::CHAT_WS));
}

#[tokio::test]
async fn a_role_change_applies_on_the_next_request() {
    let (app, _) = main_page_as(Role::Owner).await;
    assert_eq!(app.get_hx(routes::PAYMENT).await.status, 200);
    set_role(&app, ACCOUNT, CONTRACT, Role::Engineer);
    // No restart, no new login: the cached session is re-read after the commit.
    assert_eq!(app.get_hx(routes::PAYMENT).await.status, 403);
    let r = app.get("/").await;
    assert!(!shows(&r, routes::PAYMENT));
}

#[tokio::test]
async fn a_viewer_sees_documents_without_the_forms_it_may_not_use() {
    let (app, _) = main_page_as(Role::Viewer).await;
    let r = app.get_hx(routes::DOCUMENTS).await;
    assert_eq!(r.status, 200);
    assert!(r.has_text("Скачать"));
    assert!(!r.body.contains(routes::DOCUMENTS_INVOICE) && !r.has_text("На почту"));
    let (app, _) = main_page_as(Role::Accountant).await;
    let r = app.get_hx(routes::DOCUMENTS).await;
    assert!(r.body.contains(routes::DOCUMENTS_INVOICE) && r.has_text("На почту"));
}
