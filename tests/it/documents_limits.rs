//! Issuing documents is bounded (issue 24, item 2): the PDF renders outside the write lock, a
//! budget per account, contract and site, the same «Акт сверки» is not issued twice, a low
//! disk refuses before anything is written; received documents cannot break a numbering
//! series (item 6).
use crate::common::*;
use crate::documents::{contract_id, ctx};
use kabinet::{
    app::documents::{self as docs, Actor},
    config::{Config, RenderHook},
    db,
};
use poem::http::StatusCode;
use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        mpsc, Arc, Mutex,
    },
    time::Duration,
};

/// A render hook that, for the armed contract only, says «rendering» and waits for «go».
struct Probe {
    armed: Arc<AtomicI64>,
    rendering: mpsc::Receiver<String>,
    go: mpsc::Sender<()>,
}

fn probe(cfg: &mut Config) -> Probe {
    let armed = Arc::new(AtomicI64::new(0));
    let (tell, rendering) = mpsc::channel::<String>();
    let (go, wait) = mpsc::channel::<()>();
    let (tell, wait) = (Mutex::new(tell), Mutex::new(wait));
    let a = armed.clone();
    cfg.documents.render_hook = RenderHook(Some(Arc::new(move |cid, number| {
        if cid != a.load(Ordering::Acquire) {
            return;
        }
        let _ = tell.lock().unwrap().send(number.to_owned());
        let _ = wait.lock().unwrap().recv_timeout(Duration::from_secs(30));
    })));
    Probe {
        armed,
        rendering,
        go,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_contracts_writes_do_not_wait_for_a_pdf_render() {
    let mut cfg = Config::default();
    let p = probe(&mut cfg);
    let app = TestApp::with_config(cfg).await;
    let (k1, k2) = (
        contract_id(&app, DEMO_CONTRACT),
        contract_id(&app, "78101424UL"),
    );
    p.armed.store(k1, Ordering::Release);
    let st = app.state.clone();
    let issuing = tokio::spawn(async move {
        let st2 = st.clone();
        st.db
            .run(move |c| {
                let ctx = docs::Ctx {
                    cfg: &st2.cfg,
                    tz: &st2.tz,
                    now: st2.clock.now(),
                };
                docs::issue_invoice(c, &ctx, &Actor::System, k1, 10_000)
            })
            .await
    });
    let rendering = p.rendering;
    let number =
        tokio::task::spawn_blocking(move || rendering.recv_timeout(Duration::from_secs(20)))
            .await
            .unwrap()
            .expect("the invoice starts rendering");
    // While that PDF renders: another contract's write through the writer's queue, and one in
    // a transaction of its own.
    let queued = tokio::time::timeout(
        Duration::from_secs(3),
        app.state.db.write(move |c| {
            c.execute(
                "UPDATE contracts SET documents_email = 'buh@k2.example' WHERE id = ?1",
                [k2],
            )?;
            Ok(())
        }),
    )
    .await;
    let own = tokio::time::timeout(
        Duration::from_secs(3),
        app.state.db.run(move |c| {
            let tx = db::begin_write(c)?;
            tx.execute(
                "UPDATE contracts SET documents_email = 'acc@k2.example' WHERE id = ?1",
                [k2],
            )?;
            tx.commit()?;
            Ok(())
        }),
    )
    .await;
    p.go.send(()).unwrap();
    let doc = issuing.await.unwrap().expect("the invoice is issued");
    assert_eq!(
        doc.number, number,
        "stored under the number it rendered with"
    );
    assert!(
        matches!(queued, Ok(Ok(()))),
        "a queued write of another contract waited for the render: {queued:?}"
    );
    assert!(
        matches!(own, Ok(Ok(()))),
        "another contract's transaction waited for the render: {own:?}"
    );
    let _ = ctx(&app);
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.count(sql)
}

async fn invoice(app: &TestApp, amount: &str) -> Resp {
    app.post("/documents/invoice", &[("amount", amount)]).await
}

fn parse(toml: &str) -> Config {
    Config::parse(toml).expect("config")
}

#[tokio::test]
async fn a_subscriber_gets_ten_documents_a_minute_then_a_clear_refusal() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    let before = count(&app, "SELECT COUNT(*) FROM documents");
    for i in 0..10 {
        let r = invoice(&app, &format!("{}", 100 + i)).await;
        assert_eq!(r.status, StatusCode::OK, "invoice {i}: {}", r.body);
    }
    let r = invoice(&app, "200").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.has_text("не больше 10 в минуту"), "{}", r.body);
    assert!(r.has_text("Попробуйте через"), "{}", r.body);
    // «Акт сверки» spends the same budget
    let r = app
        .post("/documents/reconciliation", &[("period", "year:2022")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.has_text("не больше 10 в минуту"), "{}", r.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM documents"), before + 10);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM document_reservations"),
        0,
        "a refusal reserves nothing"
    );
}

#[tokio::test]
async fn the_daily_and_the_site_wide_budgets_refuse_too() {
    let app = TestApp::with_config(parse(
        "[documents]\nissue_per_minute = 100\nissue_per_day = 3\nissue_site_per_minute = 100\n",
    ))
    .await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    for i in 0..3 {
        assert_eq!(
            invoice(&app, &format!("{}", 100 + i)).await.status,
            StatusCode::OK
        );
    }
    let r = invoice(&app, "200").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.has_text("не больше 3 в сутки"), "{}", r.body);

    let app = TestApp::with_config(parse(
        "[documents]\nissue_per_minute = 100\nissue_per_day = 100\nissue_site_per_minute = 2\n",
    ))
    .await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    for i in 0..2 {
        assert_eq!(
            invoice(&app, &format!("{}", 100 + i)).await.status,
            StatusCode::OK
        );
    }
    let r = invoice(&app, "200").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.has_text("Сервер сейчас перегружен"), "{}", r.body);
}

#[tokio::test]
async fn the_same_reconciliation_asked_again_returns_the_issued_document() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    let recon = "SELECT COUNT(*) FROM documents WHERE kind = 'reconciliation'";
    for _ in 0..3 {
        let r = app
            .post("/documents/reconciliation", &[("period", "year:2022")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(
        count(&app, recon),
        1,
        "one document for one period and ledger"
    );
    let r = app
        .post("/documents/reconciliation", &[("period", "year:2022")])
        .await;
    assert!(r.has_text("уже есть"), "{}", r.body);
    // another period is another document
    let r = app
        .post(
            "/documents/reconciliation",
            &[
                ("period", "custom"),
                ("from", "2022-01-01"),
                ("to", "2022-06-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count(&app, recon), 2);
    // the ledger of 2022 changed: a new document for the same period
    let cid = contract_id(&app, DEMO_CONTRACT);
    let at = kabinet::domain::time::local(&app.state.tz, 2022, 12, 20, 12, 0, 0);
    crate::documents::entry(&app, cid, "payment", "Поправка", 500, at);
    let r = app
        .post("/documents/reconciliation", &[("period", "year:2022")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count(&app, recon), 3);
}

#[tokio::test]
async fn a_low_disk_refuses_new_documents_before_anything_is_written() {
    let app = TestApp::with_config(parse("[documents]\nmin_free_disk_mb = 1000000000\n")).await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    let docs = "SELECT COUNT(*) FROM documents";
    let counters = "SELECT COALESCE(SUM(last), 0) FROM document_counters";
    let (d0, c0) = (count(&app, docs), count(&app, counters));
    let r = invoice(&app, "100").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.has_text("мало свободного места"), "{}", r.body);
    let r = app
        .post("/documents/reconciliation", &[("period", "year:2022")])
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    // nothing half-written: no document, no number taken, no reservation
    assert_eq!((count(&app, docs), count(&app, counters)), (d0, c0));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM document_reservations"), 0);
    // an upload from the billing system is refused the same way, as JSON
    let t = crate::billing_api::token(&app, "billing");
    let (s, v) = crate::billing_api::call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload("low:1", "1С-77", "act", &pdf_with(None, 0))),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("мало свободного места"),
        "{v}"
    );
    assert_eq!(count(&app, docs), d0);
}

// ---- received documents and the numbering series (item 6) ----------------------------------

fn year(app: &TestApp) -> i16 {
    kabinet::domain::time::zoned(app.state.clock.now(), &app.state.tz)
        .date()
        .year()
}

fn next_invoice_seq(app: &TestApp) -> i64 {
    app.db()
        .query_row(
            "SELECT COALESCE(MAX(last), 0) + 1 FROM document_counters WHERE kind = 'invoice' AND year = ?1",
            [year(app)],
            |r| r.get(0),
        )
        .unwrap()
}

fn upload(ext: &str, number: &str, kind: &str, pdf: &[u8]) -> String {
    use base64::Engine;
    serde_json::json!({
        "external_id": ext,
        "contract": DEMO_CONTRACT,
        "kind": kind,
        "number": number,
        "date": "2026-01-31",
        "amount_kop": 150000,
        "pdf_base64": base64::engine::general_purpose::STANDARD.encode(pdf),
    })
    .to_string()
}

#[tokio::test]
async fn an_upload_cannot_take_a_number_of_a_generated_series() {
    let app = TestApp::new().await;
    let t = crate::billing_api::token(&app, "billing");
    let next = kabinet::domain::documents::number(
        kabinet::domain::documents::DocKind::Invoice,
        year(&app),
        next_invoice_seq(&app),
    );
    let latin = next.replacen('С', "C", 1);
    for (i, n) in [next.as_str(), latin.as_str()].into_iter().enumerate() {
        let (s, v) = crate::billing_api::call(
            &app,
            "POST",
            "/api/v1/documents",
            Some(&t),
            Some(upload(
                &format!("series:{i}"),
                n,
                "invoice",
                &pdf_with(None, 0),
            )),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{n}: {v}");
        assert_eq!(v["field"], "number");
        assert!(
            v["error"].as_str().unwrap().contains("своя серия")
                || v["error"].as_str().unwrap().contains("свою серию"),
            "{v}"
        );
    }
    // the generator gets its number
    app.login_demo().await;
    app.get_hx("/documents").await;
    let r = invoice(&app, "100").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.has_text(&next), "{}", r.body);
}

#[tokio::test]
async fn a_received_document_holding_the_next_number_is_skipped_not_a_500_loop() {
    // As a database where billing uploaded `С-YYYY-0000N` before uploads were checked.
    let app = TestApp::new().await;
    let (y, seq) = (year(&app), next_invoice_seq(&app));
    let taken =
        kabinet::domain::documents::number(kabinet::domain::documents::DocKind::Invoice, y, seq);
    let cid = contract_id(&app, DEMO_CONTRACT);
    app.db()
        .execute(
            "INSERT INTO documents(contract_id, kind, origin, number, year, issued_on, amount_kop,
                external_id, pdf, pdf_sha256, pdf_size, created_by, created_at, updated_at)
             VALUES (?1, 'invoice', 'billing', ?2, ?3, '2026-01-31', 100, 'old:1', X'25504446', '', 4,
                'api', 0, 0)",
            rusqlite::params![cid, taken, y],
        )
        .unwrap();
    app.login_demo().await;
    app.get_hx("/documents").await;
    for k in 1..=2 {
        let r = invoice(&app, "100").await;
        assert_eq!(r.status, StatusCode::OK, "attempt {k}: {}", r.body);
        let want = kabinet::domain::documents::number(
            kabinet::domain::documents::DocKind::Invoice,
            y,
            seq + k,
        );
        assert!(r.has_text(&want), "attempt {k}: {}", r.body);
    }
    // the gap is explained
    let reason: String = app
        .db()
        .query_row(
            "SELECT reason FROM document_reservations WHERE kind = 'invoice' AND number = ?1",
            [&taken],
            |r| r.get(0),
        )
        .expect("the skipped number is recorded");
    assert!(reason.contains("учётной системы"), "{reason}");
    series_is_explained(&app, "invoice", y);
}

/// Every number 1..=last of a series is a generated document or a recorded gap.
fn series_is_explained(app: &TestApp, kind: &str, y: i16) {
    let c = app.db();
    let last: i64 = c
        .query_row(
            "SELECT last FROM document_counters WHERE kind = ?1 AND year = ?2",
            rusqlite::params![kind, y],
            |r| r.get(0),
        )
        .unwrap();
    for seq in 1..=last {
        let n: i64 = c
            .query_row(
                "SELECT (SELECT COUNT(*) FROM documents WHERE kind = ?1 AND year = ?2 AND seq = ?3)
                      + (SELECT COUNT(*) FROM document_reservations
                         WHERE kind = ?1 AND year = ?2 AND seq = ?3 AND reason IS NOT NULL)",
                rusqlite::params![kind, y, seq],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            n, 1,
            "{kind} {y} number {seq}: a document or an explained gap"
        );
    }
}

#[tokio::test]
async fn a_failed_render_gives_its_number_back_or_explains_the_gap() {
    // Regression guard (the old code was gap-free by its one long transaction).
    let mut cfg = Config::default();
    let fail = Arc::new(AtomicI64::new(0));
    let f = fail.clone();
    cfg.documents.render_hook = RenderHook(Some(Arc::new(move |cid, _| {
        if cid == f.load(Ordering::Acquire) {
            panic!("render failed (test)");
        }
    })));
    let app = TestApp::with_config(cfg).await;
    let (k1, y) = (contract_id(&app, DEMO_CONTRACT), year(&app));
    let seq = next_invoice_seq(&app);
    let issue = |cid: i64| {
        let st = app.state.clone();
        async move {
            let st2 = st.clone();
            st.db
                .run(move |c| {
                    let ctx = docs::Ctx {
                        cfg: &st2.cfg,
                        tz: &st2.tz,
                        now: st2.clock.now(),
                    };
                    docs::issue_invoice(c, &ctx, &Actor::System, cid, 10_000)
                })
                .await
        }
    };
    fail.store(k1, Ordering::Release);
    assert!(issue(k1).await.is_err());
    fail.store(0, Ordering::Release);
    let doc = issue(k1).await.unwrap();
    assert_eq!(
        doc.number,
        kabinet::domain::documents::number(kabinet::domain::documents::DocKind::Invoice, y, seq),
        "the last number came back"
    );
    series_is_explained(&app, "invoice", y);
}

// ---- the uploaded file (item 12) ------------------------------------------------------------

/// A one-page PDF built with lopdf: `catalog` adds an entry to the catalog, `pad` bytes of
/// incompressible data go into an extra stream.
fn pdf_with(catalog: Option<(&str, lopdf::Object)>, pad: usize) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    use rand::RngCore;
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(dictionary! {}, b"BT ET".to_vec()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let mut cat = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let Some((k, v)) = catalog {
        cat.set(k, v);
    }
    if pad > 0 {
        let mut bytes = vec![0u8; pad];
        rand::rng().fill_bytes(&mut bytes);
        let id = doc.add_object(Stream::new(dictionary! {}, bytes));
        cat.set("PieceInfo", id);
    }
    let cat_id = doc.add_object(cat);
    doc.trailer.set("Root", cat_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[tokio::test]
async fn a_five_megabyte_pdf_upload_is_accepted_while_other_api_routes_keep_one_mebibyte() {
    let app = TestApp::new().await;
    let t = crate::billing_api::token(&app, "billing");
    let pdf = pdf_with(None, 5 * 1024 * 1024);
    let (s, v) = crate::billing_api::call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload("big:1", "1С-5MB", "act", &pdf)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["size"].as_i64(), Some(pdf.len() as i64));
    // another API route with a body of the same size: still 413
    let filler = "x".repeat(2 * 1024 * 1024);
    let (s, v) = crate::billing_api::call(
        &app,
        "PUT",
        &format!("/api/v1/contracts/{DEMO_CONTRACT}/requisites"),
        Some(&t),
        Some(serde_json::json!({ "legal_address": filler }).to_string()),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
}

#[tokio::test]
async fn uploads_that_are_not_pdfs_or_carry_javascript_or_an_open_action_are_refused() {
    use lopdf::{dictionary, Object};
    let app = TestApp::new().await;
    let t = crate::billing_api::token(&app, "billing");
    let js = || dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") };
    let names = dictionary! {
        "JavaScript" => dictionary! {
            "Names" => vec![Object::string_literal("a"), Object::Dictionary(js())],
        },
    };
    let goto = dictionary! { "S" => "GoTo", "D" => vec![Object::Integer(0)] };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "html",
            b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>".to_vec(),
            "не PDF",
        ),
        (
            "js",
            pdf_with(Some(("Names", Object::Dictionary(names))), 0),
            "JavaScript",
        ),
        (
            "open-js",
            pdf_with(Some(("OpenAction", Object::Dictionary(js()))), 0),
            "OpenAction",
        ),
        (
            "open",
            pdf_with(Some(("OpenAction", Object::Dictionary(goto))), 0),
            "OpenAction",
        ),
    ];
    let before = count(&app, "SELECT COUNT(*) FROM documents");
    for (name, file, says) in cases {
        let (s, v) = crate::billing_api::call(
            &app,
            "POST",
            "/api/v1/documents",
            Some(&t),
            Some(upload(
                &format!("bad:{name}"),
                &format!("1С-{name}"),
                "act",
                &file,
            )),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        assert_eq!(v["field"], "pdf_base64", "{name}");
        assert!(v["error"].as_str().unwrap().contains(says), "{name}: {v}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM documents"), before);
    // a plain PDF still goes in
    let (s, v) = crate::billing_api::call(
        &app,
        "POST",
        "/api/v1/documents",
        Some(&t),
        Some(upload("good:1", "1С-good", "act", &pdf_with(None, 0))),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}
