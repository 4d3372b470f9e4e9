//! «Подключиться самостоятельно»: the self-connect wizard step by step.
use crate::common::*;
use kabinet::config::Config;
use poem::http::StatusCode;

fn sales_config() -> Config {
    let mut cfg = Config::default();
    cfg.sales.email = Some("sales@operator.example".into());
    cfg
}

/// Walks the wizard's GET steps like htmx does.
async fn wizard_to_contacts(app: &TestApp) -> String {
    let q = "street=%D0%BF%D1%80-%D1%82+%D0%9E%D0%BA%D1%82%D1%8F%D0%B1%D1%80%D1%8F&house=4"; // пр-т Октября, 4
    let t = app.get_hx(&format!("/join/self/tariffs?{q}")).await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(
        t.has_text("Адрес в зоне подключения") && t.has_text("Бизнес 300"),
        "{}",
        t.body
    );
    let d = app
        .get_hx(&format!(
            "/join/self/date?{q}&tariff_internet=2&tariff_tv=4&tariff_phone=&tariff_other=7"
        ))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let date = d
        .body
        .split("name=\"date\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let c = app
        .get_hx(&format!(
            "/join/self/contacts?{q}&tariff=2&tariff=4&tariff=7&date={date}"
        ))
        .await;
    assert_eq!(c.status, StatusCode::OK);
    assert!(c.has_text("Контактное лицо") && c.has_text("Электронная почта"));
    date
}

#[tokio::test]
async fn wizard_walks_to_the_summary_and_stores_the_application() {
    let app = TestApp::with_config(sales_config()).await;
    let start = app.get("/join/self").await;
    assert!(
        start.has_text("Адрес подключения")
            && start.body.contains("<option value=\"пр-т Октября\">")
    );
    let date = wizard_to_contacts(&app).await;
    let mut form: Vec<(&str, &str)> = vec![
        ("street", "пр-т Октября"),
        ("house", "4"),
        ("tariff", "2"),
        ("tariff", "4"),
        ("tariff", "7"),
        ("date", &date),
        ("org", "ООО «Ромашка»"),
        ("name", "Иван Петров"),
        ("phone", "+7 927 111-22-33"),
        ("email", "ivan@romashka.example"),
        ("consent", "1"),
        ("website", ""),
    ];
    let s = app.post("/join/self/summary", &form).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    for text in [
        "Проверьте заявку",
        "г. Уфа, пр-т Октября, д. 4",
        "Бизнес 300",
        "ТВ Офис",
        "Статический IP",
        "1 950,00 ₽",
        "ООО «Ромашка»",
        "+7 927 111-22-33",
        "Отправить заявку",
    ] {
        assert!(s.has_text(text), "summary lacks {text}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE kind = 'self'"),
        0,
        "nothing stored before confirming"
    );
    let done = app.post("/join/self", &form).await;
    assert!(done.has_text("Заявка отправлена"), "{}", done.body);
    let (name, email, details): (String, String, String) = app
        .db()
        .query_row(
            "SELECT name, email, details_json FROM applications WHERE kind = 'self'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(name, "ООО «Ромашка» (Иван Петров)");
    assert_eq!(email, "ivan@romashka.example");
    let v: serde_json::Value = serde_json::from_str(&details).unwrap();
    assert_eq!(v["connection_date"], date.as_str());
    assert_eq!(v["tariffs"].as_array().unwrap().len(), 3);
    let mail: String = app
        .db()
        .query_row(
            "SELECT body FROM outbox WHERE subject LIKE 'Новая заявка%самостоятельное%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        normalize(&mail).contains("Бизнес 300 — 1 500,00 ₽/мес"),
        "{mail}"
    );
    assert!(mail.contains("Дата подключения:") && mail.contains("ООО «Ромашка»"));
    // Without consent the contacts step comes back with the message.
    form.retain(|(k, _)| *k != "consent");
    let r = app.post("/join/self/summary", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Нужно согласие"));
}

#[tokio::test]
async fn wizard_outside_coverage_offers_the_request_form() {
    let app = TestApp::new().await;
    let r = app.get_hx("/join/self/tariffs?street=%D1%83%D0%BB.+%D0%9F%D1%83%D1%88%D0%BA%D0%B8%D0%BD%D0%B0&house=10").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has_text("Адрес пока вне зоны подключения"), "{}", r.body);
    assert!(r.has_text("Оставить заявку"));
    assert!(
        r.body.contains("value=\"ул. Пушкина, д. 10\""),
        "the address is prefilled"
    );
}

#[tokio::test]
async fn wizard_rechecks_earlier_steps() {
    let app = TestApp::new().await;
    let q = "street=%D0%BF%D1%80-%D1%82+%D0%9E%D0%BA%D1%82%D1%8F%D0%B1%D1%80%D1%8F&house=4";
    // No address at all.
    let r = app.get_hx("/join/self/tariffs?street=&house=").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Укажите улицу") && r.has_text("Укажите номер дома"));
    // No service chosen, two internet tariffs, an unknown tariff.
    for (tail, msg) in [
        ("", "Выберите хотя бы одну услугу"),
        ("&tariff=1&tariff=2", "Выберите один тариф каждой услуги"),
        ("&tariff=999", "Этот тариф больше недоступен"),
    ] {
        let r = app.get_hx(&format!("/join/self/date?{q}{tail}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{tail}");
        assert!(r.has_text(msg), "{tail}: {}", r.body);
        assert_eq!(r.header("hx-push-url"), Some("false"));
    }
    // A weekend or past date is not accepted.
    let r = app
        .get_hx(&format!("/join/self/contacts?{q}&tariff=1&date=2020-01-01"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("Выберите дату подключения"));
    // A reloaded step URL (no htmx) is a whole page.
    let full = app.get(&format!("/join/self/date?{q}&tariff=1")).await;
    assert!(full.body.starts_with("<!DOCTYPE html>") && full.has_text("Дата подключения"));
}
