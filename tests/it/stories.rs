//! Stories: the strip order after viewing, the publish window.
use crate::common::*;
use poem::http::StatusCode;

/// Story ids in the order the strip shows them.
fn strip_order(body: &str) -> Vec<i64> {
    body.split("data-story-id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn stories_order_changes_after_viewing_and_survives_relogin() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let home = app.get("/").await;
    let before = strip_order(&app.get_hx("/stories").await.body);
    assert_eq!(before.len(), 5, "the demo has five stories");
    assert_eq!(
        strip_order(&home.body),
        before,
        "the main page carries the strip in the account's order"
    );
    let first = before[0];

    let opened = app.get_hx(&format!("/stories/{first}")).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(opened.has_text("Интернет до 500 Мбит/с"), "{}", opened.body);
    assert!(opened.body.contains("data-modal"));
    // The strip comes back out of band with the viewed story last.
    assert!(opened.body.contains("hx-swap-oob=\"true\""));
    let oob = strip_order(&opened.body);
    assert_eq!(oob.last(), Some(&first));
    assert_eq!(oob[..4], before[1..]);

    // A new session of the same account (logout, login again) sees the same order.
    app.post("/logout", &[]).await;
    assert_eq!(
        app.get_hx("/stories").await.header("hx-redirect"),
        Some("/login")
    );
    app.login_demo().await;
    assert_eq!(strip_order(&app.get_hx("/stories").await.body), oob);

    // Viewing another one moves it behind the first viewed story.
    let second = oob[0];
    app.get_hx(&format!("/stories/{second}")).await;
    let now = strip_order(&app.get_hx("/stories").await.body);
    assert_eq!(&now[3..], &[first, second]);
    assert_eq!(
        strip_order(&app.get("/").await.body),
        now,
        "main page follows"
    );
}

#[tokio::test]
async fn stories_outside_their_publish_window_are_not_shown() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let now = app.state.clock.now();
    app.db()
        .execute(
            "UPDATE stories SET publish_until = ?1 WHERE id = 1",
            [now - 1],
        )
        .unwrap();
    app.db()
        .execute(
            "UPDATE stories SET publish_from = ?1 WHERE id = 2",
            [now + 3600],
        )
        .unwrap();
    let order = strip_order(&app.get_hx("/stories").await.body);
    assert_eq!(order, vec![3, 4, 5]);
    assert_eq!(app.get_hx("/stories/1").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_hx("/stories/999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM story_views"), 0);
}
