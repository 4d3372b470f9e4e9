//! Services and contract actions: details, availability, validation, filing, uploads, isolation.
use crate::common::*;
use kabinet::domain::{
    actions::{self, Kind},
    time,
};
use poem::{
    http::StatusCode,
    test::{TestForm, TestFormField},
};

pub(crate) fn day(app: &TestApp, offset: i64) -> String {
    let today = time::zoned(app.state.clock.now(), &app.state.tz).date();
    today
        .checked_add(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

/// Valid values for every field of an action (tariff 2 is «Бизнес 300»).
pub(crate) fn valid(app: &TestApp, code: &str) -> Vec<(String, String)> {
    let def = actions::find(code).unwrap();
    def.fields
        .iter()
        .filter(|f| f.kind != Kind::File)
        .map(|f| {
            let v = match f.kind {
                Kind::Date if f.name.contains("to") => day(app, 20),
                Kind::Date => day(app, 5),
                Kind::Phone => "8 (912) 345-67-89".into(),
                Kind::Email => "buh@firma.ru".into(),
                Kind::Inn => "0274000002".into(),
                Kind::Select(opts) => opts[0].0.into(),
                Kind::Tariff => "2".into(),
                _ => "Текст".into(),
            };
            (f.name.to_owned(), v)
        })
        .collect()
}

pub(crate) fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

pub(crate) fn without(v: &[(String, String)], name: &str) -> Vec<(String, String)> {
    v.iter().filter(|(k, _)| k != name).cloned().collect()
}

pub(crate) fn with(v: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut v = without(v, name);
    v.push((name.into(), value.into()));
    v
}

/// The inline message rendered for a field.
pub(crate) fn field_error(r: &Resp, name: &str) -> Option<String> {
    let marker = format!("id=\"af-{name}-error\">");
    let i = r.body.find(&marker)?;
    let rest = &r.body[i + marker.len()..];
    // The message's text (an example phone inside sits in a no-wrap span).
    let end = rest.find("</p>")?;
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text)
}

pub(crate) fn requests(app: &TestApp) -> i64 {
    app.count("SELECT count(*) FROM requests")
}

/// (file name, claimed content type, bytes) of an uploaded file.
pub(crate) type FileArg<'a> = Option<(&'a str, &'a str, Vec<u8>)>;

pub(crate) async fn post_multipart(
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
    file: FileArg<'_>,
) -> Resp {
    let mut form = TestForm::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    if let Some((name, ct, bytes)) = file {
        form = form.field(
            TestFormField::bytes(bytes)
                .name("scan")
                .filename(name)
                .content_type(ct),
        );
    }
    let cookies = ["kabinet_session", "kabinet_csrf"]
        .iter()
        .filter_map(|c| app.cookie(c).map(|v| format!("{c}={v}")))
        .collect::<Vec<_>>()
        .join("; ");
    let r = app
        .client
        .post(path)
        .header("cookie", cookies)
        .header("hx-request", "true")
        .header("x-csrf-token", app.csrf())
        .multipart(form)
        .send()
        .await;
    let status = r.0.status();
    let headers = r.0.headers().clone();
    let body = r.0.into_body().into_string().await.unwrap_or_default();
    Resp {
        status,
        headers,
        body,
    }
}

pub(crate) fn pdf(len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.resize(len, b'x');
    b
}

pub(crate) async fn logged_in() -> TestApp {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get("/").await;
    app
}

#[tokio::test]
async fn main_page_shows_services_with_status_and_the_guides_requests() {
    let app = logged_in().await;
    let home = app.get("/").await;
    for text in [
        "Подключенные услуги",
        "Интернет",
        "Бизнес 100",
        "900,00 ₽\u{2060}/мес",
        "Телевидение",
        "Телефония",
        "Активна",
        "Приостановлена",
        "Действия с договором",
        "Активные заявки",
        "Выдача копии договора",
        "Заявка создана: 19.09.22",
        "Детализация вызовов",
        "Заявка создана: 31.08.22",
        "Доступные действия",
    ] {
        assert!(home.has_text(text), "main page lacks {text}");
    }
    // Newest first: the copy request (19.09.22) comes before the tariff changes.
    let copy = home.body.find("Выдача копии договора").unwrap();
    let tariff = home
        .body
        .find("Смена тарифа</span><span class=\"row-sub nowrap\"")
        .unwrap();
    assert!(copy < tariff);
    assert_eq!(home.body.matches("Заявка создана:").count(), 6);
    for a in actions::offered(&kabinet::domain::actions::ContractState {
        status: "active".into(),
        has_internet: true,
        has_static_ip: false,
    }) {
        assert!(home.has_text(a.title), "action {} not offered", a.title);
    }
    assert!(!home.has_text("Возобновление договора"));
}

#[tokio::test]
async fn service_details_show_structured_data_per_kind() {
    let app = logged_in().await;
    let net = app.get_hx("/services/1").await;
    assert_eq!(net.status, StatusCode::OK);
    for t in [
        "Бизнес 100",
        "100 Мбит/с",
        "Статический IP",
        "Не подключен",
        "Keenetic",
        "Оплачено до",
        "31.12.26",
    ] {
        assert!(net.has_text(t), "internet details lack {t}");
    }
    let tv = app.get_hx("/services/2").await;
    for t in [
        "ТВ Офис",
        "300,00 ₽ в месяц",
        "Базовый офисный",
        "120 каналов",
        "Устройства",
        "Приставка UTV-4K",
        "UT4K0012873",
        "UT4K0012874",
        "31.12.26",
    ] {
        assert!(tv.has_text(t), "tv details lack {t}");
    }
    let phone = app.get_hx("/services/3").await;
    assert!(phone.has_text("+7 347 200-00-12") && phone.has_text("Приостановлена"));
}

#[tokio::test]
async fn request_details_show_fields_and_status_history_with_staff_comments() {
    let app = logged_in().await;
    let id = app.count("SELECT id FROM requests WHERE kind = 'contract_copy'");
    let r = app.get_hx(&format!("/requests/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    for t in [
        "Выдача копии договора",
        "Забрать в офисе",
        "+7 347 200-00-12",
        "buh@sluzhebny.ru",
        "История заявки",
        "Новая",
        "В работе",
        "Заберите её в офисе",
        "Оператор Демо",
    ] {
        assert!(r.has_text(t), "request details lack {t}");
    }
    let id = app.count("SELECT min(id) FROM requests WHERE kind = 'tariff_change'");
    let r = app.get_hx(&format!("/requests/{id}")).await;
    for t in ["Бизнес 300", "Дата звонка", "12.09.22", "Отклонена"] {
        assert!(r.has_text(t), "tariff request lacks {t}");
    }
}

#[tokio::test]
async fn tariff_change_form_has_the_guides_fields() {
    let app = logged_in().await;
    let r = app.get_hx("/actions/tariff_change").await;
    assert_eq!(r.status, StatusCode::OK);
    for t in [
        "Смена тарифа",
        "Заполните параметры ниже и оставьте заявку. Мы свяжемся с Вами.",
        "Дата звонка<span class=\"req\">*</span>",
        "Контактный телефон<span class=\"req\">*</span>",
        "Электронная почта<span class=\"req\">*</span>",
        "С какого числа<span class=\"req\">*</span>",
        "Бизнес 300 — 1 500,00 ₽\u{2060}/мес",
        "* Обязательные поля",
        "Оставить заявку",
    ] {
        assert!(r.has_text(t), "form lacks {t}");
    }
    assert!(
        !r.has_text("Бизнес 100 —"),
        "the current tariff is not offered"
    );
}

#[tokio::test]
async fn every_missing_required_field_gets_its_message_and_nothing_is_stored() {
    let app = logged_in().await;
    let before = requests(&app);
    for def in actions::ACTIONS
        .iter()
        .filter(|a| a.avail != actions::Avail::Never)
    {
        if !app
            .get("/")
            .await
            .body
            .contains(&format!("/actions/{}\"", def.code))
        {
            continue; // not offered on this contract (checked elsewhere)
        }
        let ok = valid(&app, def.code);
        for f in def
            .fields
            .iter()
            .filter(|f| f.required && f.kind != Kind::File)
        {
            let r = app
                .post(
                    &format!("/actions/{}", def.code),
                    &pairs(&without(&ok, f.name)),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {}",
                def.code,
                f.name
            );
            assert_eq!(
                field_error(&r, f.name),
                Some(kabinet::domain::validate::required_message(f)),
                "{} without {}",
                def.code,
                f.name
            );
        }
    }
    assert_eq!(requests(&app), before);
}

#[tokio::test]
async fn bad_phone_email_past_date_and_reversed_range_are_refused_inline() {
    let app = logged_in().await;
    let before = requests(&app);
    let ok = valid(&app, "tariff_change");
    let cases = [
        (
            "phone",
            "12-34",
            "Введите номер телефона, например +7 912 345-67-89",
        ),
        (
            "phone",
            "+1 212 555 0100",
            "Введите номер телефона, например +7 912 345-67-89",
        ),
        (
            "email",
            "buh@firma",
            "Введите адрес электронной почты, например name@company.ru",
        ),
        ("from_date", &day(&app, -1), "Дата не может быть в прошлом"),
        (
            "call_date",
            "31.02.2030",
            "Введите дату, например 01.12.2026",
        ),
        ("tariff", "999", "Выберите тариф из списка"),
        // The tariff the contract already has is not a change.
        ("tariff", "1", "Выберите тариф из списка"),
    ];
    for (name, value, msg) in cases {
        let r = app
            .post("/actions/tariff_change", &pairs(&with(&ok, name, value)))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            field_error(&r, name).as_deref(),
            Some(msg),
            "{name}={value}"
        );
        // The typed values come back in the form.
        assert!(r.has_text("buh@firma"));
    }
    let s = valid(&app, "suspend");
    let r = app
        .post(
            "/actions/suspend",
            &pairs(&with(
                &with(&s, "from_date", &day(&app, 10)),
                "to_date",
                &day(&app, 3),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(&r, "to_date").as_deref(),
        Some("Дата «по» должна быть позже даты «с»")
    );
    let c = valid(&app, "contract_copy");
    let r = app
        .post(
            "/actions/contract_copy",
            &pairs(&without(&with(&c, "delivery", "courier"), "address")),
        )
        .await;
    assert_eq!(
        field_error(&r, "address").as_deref(),
        Some("Укажите адрес доставки")
    );
    assert_eq!(requests(&app), before);
}
