//! «История баланса», «Экспресс-оплата», access to money routes.
use crate::{
    common::*,
    payments::{balance, between, sandbox_pay},
};
use kabinet::{config::Config, domain::time};
use poem::http::StatusCode;
fn pos(r: &Resp, t: &str) -> usize {
    normalize(&r.body)
        .find(&normalize(t))
        .unwrap_or_else(|| panic!("no {t}"))
}

#[tokio::test]
async fn history_groups_by_month_newest_first_with_opening_balances() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let h = app.get_hx("/balance/history").await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(h.has_text("История баланса"));
    // Demo ledger: Oct +8; Nov 4×+1; Dec 2×+1, -12, -2. Hand-computed openings: Dec 12,00, Nov 8,00.
    let dec = pos(&h, "декабря 2022");
    let nov = pos(&h, "ноября 2022");
    assert!(dec < nov, "newest month first");
    let dec_part = &normalize(&h.body)[dec..nov];
    let rows: Vec<&str> = dec_part.matches("h-desc\">").collect();
    assert_eq!(rows.len(), 5, "4 entries and the opening row");
    assert!(
        dec_part.find("-2,00 ₽").unwrap() < dec_part.find("-12,00 ₽").unwrap(),
        "newest entry first"
    );
    assert!(
        dec_part.contains("+1,00 ₽")
            && dec_part.contains("29.12.22")
            && dec_part.contains("01.12.22")
    );
    assert!(
        dec_part.contains("На начало месяца</span><span class=\"h-amount\">12,00 ₽"),
        "{dec_part}"
    );
    let nov_part = &normalize(&h.body)[nov..];
    assert!(
        nov_part.contains("На начало месяца</span><span class=\"h-amount\">8,00 ₽"),
        "{nov_part}"
    );
    assert!(nov_part.contains("30.11.22") && nov_part.contains("29.11.22"));
    assert!(!h.has_text("октября 2022"), "older months load on demand");
    let more = between(&h.body, "hx-get=\"/balance/history/more?before=", "\"")
        .expect("more button")
        .to_owned();
    let m = app
        .get_hx(&format!("/balance/history/more?before={more}"))
        .await;
    assert!(m.has_text("октября 2022"));
    assert!(m.has_text("+8,00 ₽") && m.has_text("14.10.22"));
    assert!(m.has_text("На начало месяца</span><span class=\"h-amount\">0,00 ₽"));
    assert!(
        !m.body.contains("history/more"),
        "nothing older than October"
    );
    // Another contract's entries never show (contract 72718289UL has -15,00 ₽ in December).
    assert!(!h.has_text("-15,00 ₽") && !h.has_text("3 100,00 ₽"));
}

#[tokio::test]
async fn history_month_boundaries_follow_the_configured_zone() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let tz = app.state.tz.clone();
    let c = app.db();
    // 31 Jan 23:30 and 1 Feb 00:30 local: two different months.
    for (i, (at, amt)) in [
        (time::local(&tz, 2023, 1, 31, 23, 30, 0), 500i64),
        (time::local(&tz, 2023, 2, 1, 0, 30, 0), -300),
    ]
    .into_iter()
    .enumerate()
    {
        let bal: i64 = c
            .query_row("UPDATE contracts SET balance_kop = balance_kop + ?1 WHERE id = 1 RETURNING balance_kop", [amt], |r| r.get(0))
            .unwrap();
        c.execute(
            "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, source, created_at)
             VALUES (1, 'correction', 'Корректировка', ?1, ?2, ?3, ?4, ?3)",
            rusqlite::params![amt, bal, at, format!("t:{i}")],
        )
        .unwrap();
    }
    drop(c);
    let h = app.get_hx("/balance/history").await;
    let feb = pos(&h, "февраля 2023");
    let jan = pos(&h, "января 2023");
    let body = normalize(&h.body);
    // Balance was 0,00 after December; +5,00 in January → February opens at 5,00.
    assert!(
        body[feb..jan].contains("-3,00 ₽")
            && body[feb..jan].contains("На начало месяца</span><span class=\"h-amount\">5,00 ₽")
    );
    assert!(body[jan..].contains("+5,00 ₽") && body[jan..].contains("31.01.23"));
    assert!(body[jan..].contains("На начало месяца</span><span class=\"h-amount\">0,00 ₽"));
}

async fn express_find(app: &TestApp, segment: &str, number: &str) -> Resp {
    app.get("/pay").await;
    app.post("/pay/find", &[("segment", segment), ("contract", number)])
        .await
}

#[tokio::test]
async fn express_lookup_shows_only_masked_data_and_is_neutral_when_not_found() {
    let app = TestApp::new().await;
    let page = app.get("/pay").await;
    for t in [
        "Экспресс-оплата",
        "Дом",
        "Бизнес",
        "Номер договора",
        "Найти",
        "Перейти к авторизации",
    ] {
        assert!(page.has_text(t), "express page lacks {t}");
    }
    let started = std::time::Instant::now();
    let found = express_find(&app, "business", "72845736ul").await;
    let t_found = started.elapsed();
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.has_text("1 200,00 ₽"), "recommended amount");
    assert!(found.has_text("ИП Служебный д. т. г."), "{}", found.body);
    assert!(!found.has_text("Служебный для теста госсектора"));
    let full: String = app
        .db()
        .query_row("SELECT address FROM contracts WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!found.has_text(&full), "never the full address");
    assert!(found.has_text("…"));
    assert!(!found.has_text("Баланс"), "never the balance");
    let rich = express_find(&app, "business", "78101424UL").await;
    assert!(
        rich.has_text("2 500,00 ₽") && !rich.has_text("3 100,00"),
        "recommended shown, balance never"
    );
    let started = std::time::Instant::now();
    let missing = express_find(&app, "business", "00000000XX").await;
    let t_missing = started.elapsed();
    assert_eq!(missing.status, StatusCode::OK);
    assert!(missing.has_text("Договор не найден"));
    let head = |r: &Resp| r.body.split('>').next().unwrap().to_owned();
    assert_eq!(head(&found), head(&missing), "same response shape");
    assert!(head(&found).contains("express-result"));
    assert!(
        t_found >= std::time::Duration::from_millis(250)
            && t_missing >= std::time::Duration::from_millis(250)
    );
    // Wrong segment is not found either.
    let wrong = express_find(&app, "home", "72845736UL").await;
    assert!(wrong.has_text("Договор не найден"));
}

#[tokio::test]
async fn express_lookups_are_rate_limited() {
    let mut cfg = Config::default();
    cfg.payments.express_per_ip_per_minute = 3;
    let app = TestApp::with_config(cfg).await;
    for _ in 0..3 {
        assert_eq!(
            express_find(&app, "business", "00000000XX").await.status,
            StatusCode::OK
        );
    }
    let r = express_find(&app, "business", "72845736UL").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.has_text("Слишком много попыток"), "{}", r.body);
    assert!(!r.has_text("1 200,00"));
    let mut cfg = Config::default();
    cfg.payments.express_global_per_minute = 2;
    let app = TestApp::with_config(cfg).await;
    express_find(&app, "business", "1").await;
    express_find(&app, "business", "2").await;
    let r = express_find(&app, "business", "72845736UL").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn express_payment_pays_the_found_contract_only() {
    let app = TestApp::new().await;
    let found = express_find(&app, "business", "72718289UL").await;
    let t = between(&found.body, "/pay/form?t=", "\"")
        .unwrap()
        .to_owned();
    let m = app.get_hx(&format!("/pay/form?t={t}")).await;
    assert!(
        m.has_text("Оплата услуг") && m.has_text("value=\"600.00\""),
        "{}",
        m.body
    );
    let key = between(&m.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    // A tampered token is refused, nothing stored.
    let forged = format!(
        "{}{}",
        &t[..t.len() - 1],
        if t.ends_with('0') { '1' } else { '0' }
    );
    let r = app
        .post(
            "/pay/form",
            &[
                ("amount", "600"),
                ("email", "a@b.ru"),
                ("consent", "1"),
                ("key", &key),
                ("t", &forged),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Найдите договор заново"));
    assert_eq!(app.count("SELECT COUNT(*) FROM payments"), 0);
    let r = app
        .post(
            "/pay/form",
            &[
                ("amount", "600"),
                ("email", "a@b.ru"),
                ("consent", "1"),
                ("key", &key),
                ("t", &t),
            ],
        )
        .await;
    let checkout = r.header("hx-redirect").expect("checkout").to_owned();
    let back = sandbox_pay(&app, &checkout, "pay").await;
    let done = app.get(&back).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.has_text("Оплата прошла успешно") && done.has_text("600,00 ₽"),
        "{}",
        done.body
    );
    assert_eq!(balance(&app, "72718289UL"), -1_500 + 60_000);
    assert_eq!(balance(&app, DEMO_CONTRACT), 0);
}

#[tokio::test]
async fn money_routes_need_a_login() {
    let app = TestApp::new().await;
    app.get("/pay").await;
    for p in [
        "/balance/pay",
        "/balance/history",
        "/balance/autopay",
        "/balance/history/more?before=99999999999",
    ] {
        let r = app.get_hx(p).await;
        assert_eq!(r.header("hx-redirect"), Some("/login"), "{p}");
    }
    let r = app
        .post(
            "/balance/pay",
            &[("amount", "100"), ("email", "a@b.ru"), ("consent", "1")],
        )
        .await;
    assert_eq!(r.header("hx-redirect"), Some("/login"));
    // Logged in, but without the CSRF token: refused, nothing stored.
    app.login_demo().await;
    let r = app
        .post_no_csrf(
            "/balance/pay",
            &[("amount", "100"), ("email", "a@b.ru"), ("consent", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.post_no_csrf("/balance/autopay/off", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM payments"), 0);
}
