//! Filing a contract action: one request per submission, duplicates refused, no double filing.
use crate::actions::{logged_in, pairs, requests, valid};
use poem::http::StatusCode;

#[tokio::test]
async fn tariff_change_files_exactly_one_request_and_updates_the_list_out_of_band() {
    let app = logged_in().await;
    let before = requests(&app);
    let r = app
        .post(
            "/actions/tariff_change",
            &pairs(&valid(&app, "tariff_change")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("hx-reswap"), Some("none"));
    assert!(r.body.contains("id=\"modal\" hx-swap-oob=\"innerHTML\""));
    assert!(r
        .body
        .contains("id=\"active-requests\" hx-swap-oob=\"true\""));
    assert!(r.has_text("Заявка «Смена тарифа» принята"));
    assert_eq!(requests(&app), before + 1);
    let (id, json, status): (i64, String, String) = app
        .db()
        .query_row(
            "SELECT id, fields_json, status FROM requests ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(status, "new");
    assert!(json.contains("\"phone\":\"+79123456789\""), "{json}");
    assert!(json.contains("\"tariff\":\"2\""));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM request_events WHERE request_id = {id}"
        )),
        1
    );
    // The new request is first in the swapped list.
    let first = r.body.find("/requests/").unwrap();
    assert!(r.body[first..].starts_with(&format!("/requests/{id}\"")));
    let home = app.get("/").await;
    assert_eq!(home.body.matches("Заявка создана:").count(), 7);
}

#[tokio::test]
async fn a_duplicate_open_request_is_refused_with_a_link_to_the_open_one() {
    let app = logged_in().await;
    let ok = valid(&app, "prolongation");
    assert_eq!(
        app.post("/actions/prolongation", &pairs(&ok)).await.status,
        StatusCode::OK
    );
    let id = app.count("SELECT max(id) FROM requests");
    // Opening the form again already says so.
    let form = app.get_hx("/actions/prolongation").await;
    assert!(form.has_text("У вас уже есть открытая заявка «Пролонгация»"));
    assert!(form.body.contains(&format!("hx-get=\"/requests/{id}\"")));
    let before = requests(&app);
    let r = app.post("/actions/prolongation", &pairs(&ok)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.has_text("У вас уже есть открытая заявка «Пролонгация»"));
    assert!(r.body.contains(&format!("hx-get=\"/requests/{id}\"")));
    assert_eq!(requests(&app), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_submissions_of_one_action_create_exactly_one_request() {
    let app = logged_in().await;
    let before = requests(&app);
    let ok = valid(&app, "static_ip");
    let form = pairs(&ok);
    let (a, b, c) = tokio::join!(
        app.post("/actions/static_ip", &form),
        app.post("/actions/static_ip", &form),
        app.post("/actions/static_ip", &form),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16(), c.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422, 422]);
    assert_eq!(requests(&app), before + 1);
}
