//! «Стать абонентом»: referral links, the request to a specialist and the self-connect wizard.
use crate::common::*;
use kabinet::config::Config;
use poem::http::StatusCode;

fn sales_config() -> Config {
    let mut cfg = Config::default();
    cfg.sales.email = Some("sales@operator.example".into());
    cfg
}

const GOOD: [(&str, &str); 4] = [
    ("address", "г. Уфа, ул. Пушкина, д. 10"),
    ("name", "Анна"),
    ("phone", "+7 (927) 123-45-67"),
    ("consent", "1"),
];

#[tokio::test]
async fn join_tab_shows_the_guides_labels() {
    let app = TestApp::new().await;
    let r = app.get("/join").await;
    assert_eq!(r.status, StatusCode::OK);
    for label in [
        "Подключиться самостоятельно",
        "Выберите услуги и дату подключения онлайн",
        "Перейти",
        "или оставьте заявку специалисту",
        "Адрес",
        "Имя",
        "Номер телефона",
        "Я согласен с условиями",
        "оферты",
        "обработкой персональных данных",
        "Оставить заявку",
    ] {
        assert!(r.has_text(label), "join tab lacks {label}");
    }
    // Consent is its own checkbox, unchecked by default.
    let consent = r.body.split("name=\"consent\"").nth(1).unwrap();
    assert!(!consent.split('>').next().unwrap().contains("checked"));
}

#[tokio::test]
async fn consent_links_come_from_the_config() {
    let mut cfg = Config::default();
    cfg.join.offer_url = Some("https://operator.example/offer.pdf".into());
    cfg.join.privacy_url = Some("https://operator.example/privacy".into());
    let app = TestApp::with_config(cfg).await;
    let r = app.get("/join").await;
    assert!(r
        .body
        .contains("href=\"https://operator.example/offer.pdf\""));
    assert!(r.body.contains("href=\"https://operator.example/privacy\""));
}

#[tokio::test]
async fn specialist_application_is_stored_with_consent_and_reaches_the_sales_desk() {
    let app = TestApp::with_config(sales_config()).await;
    app.get("/join").await;
    let r = app.post("/join", &GOOD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.has_text("Заявка принята"));
    let (kind, phone, version, consent_at, referrer): (String, String, String, i64, Option<i64>) = app
        .db()
        .query_row(
            "SELECT kind, phone, consent_version, consent_at, referrer_contract_id FROM applications
             WHERE name = 'Анна'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), phone.as_str()),
        ("specialist", "79271234567")
    );
    assert_eq!(version, Config::default().join.consent_version);
    assert!((consent_at - app.state.clock.now()).abs() < 5);
    assert_eq!(referrer, None);
    let (to, subject, body): (String, String, String) = app
        .db()
        .query_row(
            "SELECT recipient, subject, body FROM outbox WHERE channel = 'email'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(to, "sales@operator.example");
    assert!(subject.starts_with("Новая заявка"));
    assert!(body.contains("Пушкина") && body.contains("+7 927 123-45-67"));
}

#[tokio::test]
async fn application_validation_shows_inline_messages_and_stores_nothing() {
    let app = TestApp::with_config(sales_config()).await;
    app.get("/join").await;
    let before = app.count("SELECT COUNT(*) FROM applications");
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("address", "г. Уфа, ул. Пушкина, д. 10"),
                ("name", "Анна"),
                ("phone", "+79271234567"),
            ],
            "Нужно согласие с условиями оферты и обработкой персональных данных",
        ),
        (
            &[
                ("address", "г. Уфа, ул. Пушкина, д. 10"),
                ("name", "Анна"),
                ("phone", "12-34"),
                ("consent", "1"),
            ],
            "Введите номер телефона",
        ),
        (
            &[
                ("address", "  "),
                ("name", "Анна"),
                ("phone", "+79271234567"),
                ("consent", "1"),
            ],
            "Укажите адрес подключения",
        ),
        (
            &[
                ("address", "г. Уфа, ул. Пушкина, д. 10"),
                ("name", ""),
                ("phone", "+79271234567"),
                ("consent", "1"),
            ],
            "Укажите, как к Вам обращаться",
        ),
    ];
    for (form, message) in cases {
        let r = app.post("/join", form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(r.has_text(message), "{message}: {}", r.body);
        assert!(
            r.body.starts_with("<form") && r.body.contains("id=\"specialist-form\""),
            "the form fragment comes back"
        );
        assert!(
            r.body.contains("г. Уфа, ул. Пушкина") || message.contains("адрес"),
            "typed values are kept"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM applications"), before);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 0);
}

#[tokio::test]
async fn filled_honeypot_is_silently_dropped() {
    let app = TestApp::with_config(sales_config()).await;
    app.get("/join").await;
    let before = app.count("SELECT COUNT(*) FROM applications");
    let mut form = GOOD.to_vec();
    form.push(("website", "http://spam.example"));
    let r = app.post("/join", &form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has_text("Заявка принята"), "the bot sees a success");
    assert_eq!(app.count("SELECT COUNT(*) FROM applications"), before);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 0);
}

#[tokio::test]
async fn repeated_application_from_the_same_phone_within_a_day_is_merged() {
    let app = TestApp::new().await;
    app.get("/join").await;
    app.post("/join", &GOOD).await;
    // The same application again (the phone typed another way) only updates the first one.
    let r = app
        .post(
            "/join",
            &[
                ("address", "г. Уфа, ул. Пушкина, д. 10"),
                ("name", "Анна"),
                ("phone", "8 927 123 45 67"),
                ("consent", "1"),
            ],
        )
        .await;
    assert!(r.has_text("Заявка обновлена"), "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79271234567'"),
        1
    );
    // Other data from the same phone never replaces the first visitor's (issue 12): it is an
    // application of its own.
    app.post(
        "/join",
        &[
            ("address", "г. Уфа, ул. Ленина, д. 5"),
            ("name", "Анна Сергеевна"),
            ("phone", "8 927 123 45 67"),
            ("consent", "1"),
        ],
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79271234567' AND address LIKE '%Пушкина%'"),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79271234567'"),
        2
    );
    // A day later it is a new application.
    app.state.clock.advance(86_400 + 60);
    app.post("/join", &GOOD).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79271234567'"),
        3
    );
}

#[tokio::test]
async fn applications_are_rate_limited_per_ip() {
    let mut cfg = Config::default();
    cfg.limits.applications_per_ip_per_hour = 2;
    let app = TestApp::with_config(cfg).await;
    app.get("/join").await;
    for phone in ["+79270000001", "+79270000002"] {
        let mut form = GOOD.to_vec();
        form[2] = ("phone", phone);
        assert_eq!(app.post("/join", &form).await.status, StatusCode::OK);
    }
    let mut form = GOOD.to_vec();
    form[2] = ("phone", "+79270000003");
    let r = app.post("/join", &form).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.has_text("Слишком много заявок"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE phone = '79270000003'"),
        0
    );
}

#[tokio::test]
async fn referral_link_with_an_unknown_code_still_opens_the_form_without_a_referrer() {
    let app = TestApp::new().await;
    let r = app.get("/r/doesnotexist42").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/join"));
    assert_eq!(app.cookie("kabinet_ref"), None);
    let page = app.get("/join").await;
    assert!(page.has_text("Оставить заявку"));
    assert!(!page.has_text("по приглашению"));
    app.post("/join", &GOOD).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM applications WHERE name = 'Анна' AND referrer_contract_id IS NULL"), 1);
    // Even a forged cookie with a made-up code attaches nobody.
    app.set_cookie("kabinet_ref", "forgedcode123");
    let mut form = GOOD.to_vec();
    form[2] = ("phone", "+79270000009");
    app.post("/join", &form).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM applications WHERE phone = '79270000009' AND referrer_contract_id IS NULL"), 1);
}

#[tokio::test]
async fn referral_link_attaches_the_referrer_to_the_application() {
    let app = TestApp::new().await;
    let code: String = app
        .db()
        .query_row(
            "SELECT referral_code FROM contracts WHERE id = 2",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = app.get(&format!("/r/{code}")).await;
    assert_eq!(r.header("location"), Some("/join"));
    assert!(r
        .set_cookies()
        .iter()
        .any(|c| c.starts_with("kabinet_ref=") && c.contains("HttpOnly")));
    assert!(app
        .get("/join")
        .await
        .has_text("Вы пришли по приглашению клиента"));
    app.post("/join", &GOOD).await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM applications WHERE name = 'Анна' AND referrer_contract_id = 2"
        ),
        1
    );
    // The referrer sees the invitation.
    let referrer = TestApp::from_state(crate::common::tempdir(), app.state.clone());
    referrer.login("78101424UL", DEMO_PASSWORD).await;
    let inv = referrer.get_hx("/referral/invitations").await;
    assert!(
        inv.has_text("Анна") && inv.has_text("Заявка принята"),
        "{}",
        inv.body
    );
}

#[test]
fn example_config_with_the_growth_keys_parses() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kabinet.example.toml"))
            .unwrap();
    let cfg = Config::parse(&text).expect("example config parses");
    assert!(cfg.referral.enabled);
    assert_eq!(cfg.join.wizard_weeks, 3);
    assert_eq!(cfg.limits.applications_per_ip_per_hour, 10);
}
