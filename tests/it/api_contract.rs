//! The billing API as a contract: the OpenAPI 3.1 document at /api/v1/openapi.json covers every
//! API route the router mounts (read from `src/web/api/mod.rs`, so a new route without its
//! `#[utoipa::path]` fails here), and the details schemathesis found (405 with `Allow`, a strict
//! `include_test`). `scripts/api-contract.sh` (run by CI) checks the running server against it.
use crate::billing_api::{call, token};
use crate::common::*;
use poem::http::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

/// (path, method) pairs the API router mounts, from its source: `.at(routes::X, allow("GET, HEAD", …))`.
fn mounted() -> BTreeSet<(String, String)> {
    let routes = std::fs::read_to_string("src/routes.rs").unwrap();
    let constant = |name: &str| -> String {
        let needle = format!("pub const {name}: &str = \"");
        let at = routes
            .find(&needle)
            .unwrap_or_else(|| panic!("{name} in routes.rs"))
            + needle.len();
        routes[at..].split('"').next().unwrap().to_owned()
    };
    let src = std::fs::read_to_string("src/web/api/mod.rs").unwrap();
    let body = &src[src.find("pub fn routes()").expect("routes()")..];
    let get = body
        .split("const GET: &str = \"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("const GET")
        .to_owned();
    let mut out = BTreeSet::new();
    for part in body.split(".at(").skip(1) {
        let name = part
            .trim_start()
            .strip_prefix("routes::")
            .and_then(|s| s.split(',').next())
            .expect("routes::CONST")
            .trim();
        let methods = part
            .split("allow(")
            .nth(1)
            .expect("allow(…) around every route");
        let methods = if methods.trim_start().starts_with("GET,")
            || methods.trim_start().starts_with("GET)")
        {
            get.clone()
        } else {
            methods.split('"').nth(1).expect("methods").to_owned()
        };
        // poem's `:param` is OpenAPI's `{param}`
        let path = constant(name)
            .split('/')
            .map(|seg| match seg.strip_prefix(':') {
                Some(p) => format!("{{{p}}}"),
                None => seg.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        for m in methods.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            out.insert((path.clone(), m.to_lowercase()));
        }
    }
    assert!(out.len() >= 11, "parsed the API router: {out:?}");
    out
}

async fn document(app: &TestApp) -> Value {
    let r = app.client.get("/api/v1/openapi.json").send().await;
    r.assert_status_is_ok();
    let ct =
        r.0.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
    assert!(ct.starts_with("application/json"), "{ct}");
    serde_json::from_str(&r.0.into_body().into_string().await.unwrap()).unwrap()
}

#[tokio::test]
async fn the_openapi_document_covers_every_mounted_route() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((path.clone(), method.clone()));
            let responses = op["responses"].as_object().unwrap();
            for code in ["200", "401", "429"] {
                assert!(
                    responses.contains_key(code),
                    "{method} {path} documents {code}"
                );
            }
            for (code, r) in responses {
                if code != "200" || !path.ends_with("/pdf") {
                    assert!(
                        r["content"]["application/json"]["schema"].is_object(),
                        "{method} {path} {code} has a JSON schema"
                    );
                }
            }
        }
    }
    let mut mounted = mounted();
    mounted.remove(&("/openapi.json".to_owned(), "get".to_owned()));
    assert_eq!(
        documented, mounted,
        "documented operations = mounted routes"
    );
    // every operation takes the bearer token
    assert_eq!(doc["security"][0]["bearer"], serde_json::json!([]));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // the refusal shape the handlers send
    let err = &doc["components"]["schemas"]["ErrorBody"]["properties"];
    assert!(err["error"].is_object() && err["field"].is_object());
}

#[tokio::test]
async fn responses_have_the_documented_shape() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let t = token(&app, "contract-test");
    let schemas = &doc["components"]["schemas"];
    // a page of requests: items with the documented fields, and its cursor
    let (status, page) = call(&app, "GET", "/api/v1/requests", Some(&t), None).await;
    assert_eq!(status, StatusCode::OK);
    let item_props = schemas["RequestItem"]["properties"].as_object().unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the demo has requests");
    for item in items {
        let keys: BTreeSet<_> = item.as_object().unwrap().keys().cloned().collect();
        let documented: BTreeSet<_> = item_props.keys().cloned().collect();
        assert_eq!(keys, documented);
    }
    assert!(page["next_after_id"].is_i64());
    // an error: {"error", "field"}
    let (status, err) = call(&app, "GET", "/api/v1/payments?limit=0", Some(&t), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["field"], "limit");
    assert!(err["error"].as_str().unwrap().contains("limit"));
}

#[tokio::test]
async fn a_method_the_route_does_not_take_is_405_with_allow() {
    let app = TestApp::new().await;
    let t = token(&app, "contract-test");
    let r = app
        .client
        .delete("/api/v1/ledger")
        .header("authorization", format!("Bearer {t}"))
        .send()
        .await;
    r.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.0.headers().get("allow").unwrap(), "POST");
    let r = app.client.put("/api/v1/documents").send().await;
    r.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.0.headers().get("allow").unwrap(), "GET, HEAD, POST");
    let v: Value = serde_json::from_str(&r.0.into_body().into_string().await.unwrap()).unwrap();
    assert!(v["error"].as_str().unwrap().contains("GET, HEAD, POST"));
}

#[tokio::test]
async fn include_test_must_be_true_or_false() {
    let app = TestApp::new().await;
    let t = token(&app, "contract-test");
    let (status, err) = call(
        &app,
        "GET",
        "/api/v1/payments?include_test=yes",
        Some(&t),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["field"], "include_test");
    for ok in ["true", "false", "1", "0"] {
        let (status, _) = call(
            &app,
            "GET",
            &format!("/api/v1/payments?include_test={ok}"),
            Some(&t),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "include_test={ok}");
    }
}
