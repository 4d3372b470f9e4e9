//! The referral programme: the bonus, the QR code of the personal link, per-contract data.
//! Stories are in `stories`, «Стать абонентом» in `join` and `join_wizard`.
use crate::common::*;
use kabinet::config::Config;
use poem::http::StatusCode;

/// The inline QR SVG (as the qrcode crate renders it) rasterised and decoded with rqrr.
fn decode_qr(body: &str) -> String {
    let start = body.find("<svg class=\"qr\"").expect("qr svg");
    let svg = &body[start..start + body[start..].find("</svg>").expect("svg end")];
    let attr = |name: &str| -> usize {
        let k = format!(" {name}=\"");
        let i = svg.find(&k).expect(name) + k.len();
        svg[i..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; w * h];
    for rect in d.split('M').filter(|s| !s.is_empty()) {
        // "{left} {top}h{width}v{height}H{left}V{top}"
        let (lt, rest) = rect.split_once('h').unwrap();
        let (l, t) = lt.split_once(' ').unwrap();
        let (rw, rest) = rest.split_once('v').unwrap();
        let rh = rest.split('H').next().unwrap();
        let [l, t, rw, rh]: [usize; 4] = [l, t, rw, rh].map(|v| v.parse().unwrap());
        for y in t..t + rh {
            for x in l..l + rw {
                dark[y * w + x] = true;
            }
        }
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(
            w,
            h,
            |x, y| if dark[y * w + x] { 0 } else { 255 },
        );
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code found");
    grids[0].decode().expect("QR decodes").1
}

#[tokio::test]
async fn referral_section_shows_bonus_and_a_qr_code_that_decodes_to_the_personal_link() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let home = app.get("/").await;
    let r = app.get_hx("/referral").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        home.body.contains(&r.body),
        "the main page carries the same section"
    );
    for text in [
        "15180 рублей",
        "Приглашайте клиентов в Демо-Телеком и зарабатывайте на этом",
        "Как это работает?",
        "Персональная ссылка",
        "Скопировать",
        "Мои приглашения",
        "История",
        "Подробнее об акции",
    ] {
        assert!(r.has_text(text), "referral section lacks {text}");
    }
    let code: String = app
        .db()
        .query_row(
            "SELECT referral_code FROM contracts WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let link = format!("http://localhost/r/{code}");
    assert!(r.body.contains(&format!("value=\"{link}\"")), "{}", r.body);
    // The QR code is an image of its own (the main page stays small), and decodes to the link.
    assert!(r.body.contains(r#"src="/referral/qr.svg""#), "{}", r.body);
    let qr = app.get("/referral/qr.svg").await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(qr.header("content-type"), Some("image/svg+xml"));
    assert_eq!(decode_qr(&qr.body), link);

    let inv = app.get_hx("/referral/invitations").await;
    assert!(inv.has_text("ООО «Альфа-Строй»") && inv.has_text("Подключен"));
    assert!(inv.has_text("ООО «Башкирский мёд»") && inv.has_text("Подключается"));
    let hist = app.get_hx("/referral/history").await;
    assert!(hist.has_text("+5 060,00 ₽") && hist.has_text("Бонус за подключение ИП Гарипов"));
    let terms = app.get_hx("/referral/terms").await;
    assert!(terms.has_text("Подробнее об акции") && terms.has_text("Бонус начисляется"));
}

#[tokio::test]
async fn referral_data_belongs_to_the_current_contract_only() {
    let app = TestApp::new().await;
    app.login("78101424UL", DEMO_PASSWORD).await;
    let r = app.get_hx("/referral").await;
    assert!(r.has_text("0 рублей"), "{}", r.body);
    assert!(!r.has_text("15180"));
    let main_code: String = app
        .db()
        .query_row(
            "SELECT referral_code FROM contracts WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !r.body.contains(&main_code),
        "another contract's code leaked"
    );
    assert!(app
        .get_hx("/referral/invitations")
        .await
        .has_text("Пока никто не оставил заявку"));
    assert!(app
        .get_hx("/referral/history")
        .await
        .has_text("Начислений пока нет"));
    // Nothing of it without a session.
    let anon = TestApp::new().await;
    assert_eq!(
        anon.get_hx("/referral").await.header("hx-redirect"),
        Some("/login")
    );
    assert_eq!(
        anon.get_hx("/referral/history").await.header("hx-redirect"),
        Some("/login")
    );
}

#[tokio::test]
async fn referral_section_is_absent_when_the_programme_is_off() {
    let mut cfg = Config::default();
    cfg.referral.enabled = false;
    let app = TestApp::with_config(cfg).await;
    app.login_demo().await;
    let home = app.get("/").await;
    assert!(!home.body.contains("id=\"referral\"") && !home.body.contains("/referral/"));
    assert_eq!(app.get_hx("/referral").await.status, StatusCode::NOT_FOUND);
}
