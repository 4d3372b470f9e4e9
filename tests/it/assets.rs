//! Static assets.
use crate::common::*;

#[tokio::test]
async fn stylesheet_blocks_are_balanced() {
    // A lost `}` (e.g. in a merge) silently disables every rule after it.
    let app = TestApp::new().await;
    for sheet in ["app.css", "screens.css", "staff.css"] {
        let r = app.get(&format!("/assets/{sheet}")).await;
        assert_eq!(r.status, 200, "{sheet} is served");
        let mut depth = 0i32;
        for ch in r.body.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "unbalanced `}}` in {sheet}");
        }
        assert_eq!(depth, 0, "unclosed block in {sheet}");
    }
}
