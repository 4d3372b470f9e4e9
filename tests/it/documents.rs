//! «Документы»: the closing job, numbering, «Акт сверки» against «История баланса», invoices and
//! their QR, downloads, contract scoping, and the PDFs checked with poppler and qpdf.
use crate::common::*;
use jiff::civil::{date, Date};
use kabinet::{
    app::documents::{self as docs, Actor, Ctx},
    db,
    domain::{documents as d, time},
};
use poem::http::StatusCode;
use rand::{rngs::StdRng, Rng, SeedableRng};

pub fn ctx(app: &TestApp) -> Ctx<'_> {
    Ctx {
        cfg: &app.state.cfg,
        tz: &app.state.tz,
        now: app.state.clock.now(),
    }
}

pub fn contract_id(app: &TestApp, number: &str) -> i64 {
    app.db()
        .query_row(
            "SELECT id FROM contracts WHERE number = ?1",
            [number],
            |r| r.get(0),
        )
        .expect("contract")
}

/// Appends a ledger entry in time order (running balance kept, like the billing import).
pub fn entry(app: &TestApp, cid: i64, kind: &str, desc: &str, amount: i64, at: i64) {
    let c = app.db();
    let bal: i64 = c
        .query_row(
            "SELECT balance_kop FROM contracts WHERE id = ?1",
            [cid],
            |r| r.get(0),
        )
        .unwrap();
    let after = bal + amount;
    c.execute(
        "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        rusqlite::params![cid, kind, desc, amount, after, at],
    )
    .unwrap();
    c.execute(
        "UPDATE contracts SET balance_kop = ?2 WHERE id = ?1",
        rusqlite::params![cid, after],
    )
    .unwrap();
}

fn month_start(app: &TestApp, y: i16, m: i8) -> i64 {
    time::local(&app.state.tz, y, m, 1, 0, 0, 0)
}

fn today(app: &TestApp) -> Date {
    time::zoned(app.state.clock.now(), &app.state.tz).date()
}

fn docs_of(app: &TestApp, cid: i64, kind: &str) -> Vec<(String, String, i64)> {
    let c = app.db();
    let mut s = c
        .prepare("SELECT number, issued_on, amount_kop FROM documents WHERE contract_id = ?1 AND kind = ?2 ORDER BY id")
        .unwrap();
    s.query_map(rusqlite::params![cid, kind], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .unwrap()
    .collect::<rusqlite::Result<Vec<_>>>()
    .unwrap()
}

async fn closing(app: &TestApp) -> usize {
    kabinet::app::closing::run_closing(&app.state).await
}

#[tokio::test]
async fn closing_job_issues_one_act_per_contract_with_charges_run_twice_and_after_a_gap() {
    let app = TestApp::new().await;
    let k2 = contract_id(&app, "78101424UL");
    let k3 = contract_id(&app, "72718289UL");
    let t = today(&app);
    let (y, m) = (t.year(), t.month());
    // charges in the current month for two contracts; nothing is due before the month ends
    entry(
        &app,
        k2,
        "charge",
        "Интернет «Бизнес 100»",
        -120_000,
        month_start(&app, y, m) + 3600,
    );
    entry(
        &app,
        k2,
        "charge",
        "Статический IP",
        -20_000,
        month_start(&app, y, m) + 7200,
    );
    entry(
        &app,
        k3,
        "charge",
        "Интернет «Бизнес 50»",
        -90_000,
        month_start(&app, y, m) + 3600,
    );
    assert_eq!(closing(&app).await, 0, "the month is not over yet");
    // the next month begins: one act each, and a second run issues nothing more
    app.state.clock.advance(40 * 86_400);
    assert_eq!(closing(&app).await, 2);
    assert_eq!(closing(&app).await, 0);
    let acts = docs_of(&app, k2, "act");
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].2, 140_000);
    assert_eq!(acts[0].1, d::last_day(y, m).to_string());
    // the server is down for two months with charges in both: both are caught up, once
    let (y1, m1) = d::next_month(y, m);
    let (y2, m2) = d::next_month(y1, m1);
    entry(
        &app,
        k2,
        "charge",
        "Интернет «Бизнес 100»",
        -120_000,
        month_start(&app, y1, m1) + 86_400 * 20,
    );
    entry(
        &app,
        k2,
        "charge",
        "Интернет «Бизнес 100»",
        -120_000,
        month_start(&app, y2, m2) + 86_400 * 10,
    );
    app.state.clock.advance(62 * 86_400);
    assert_eq!(closing(&app).await, 2);
    assert_eq!(closing(&app).await, 0);
    let acts = docs_of(&app, k2, "act");
    assert_eq!(acts.len(), 3);
    assert_eq!(acts[2].1, d::last_day(y2, m2).to_string());
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM closing_runs WHERE contract_id = {k2} AND document_id IS NOT NULL")),
        3
    );
}

#[tokio::test]
async fn closing_job_goes_in_chunks_by_contract_and_each_chunk_resumes_where_the_last_stopped() {
    let app = TestApp::new().await;
    let t = today(&app);
    let (y, m) = (t.year(), t.month());
    let ids: Vec<i64> = ["78101424UL", "72718289UL", DEMO_CONTRACT]
        .iter()
        .map(|n| contract_id(&app, n))
        .collect();
    for &k in &ids {
        entry(
            &app,
            k,
            "charge",
            "Интернет «Бизнес 100»",
            -120_000,
            month_start(&app, y, m) + 3600,
        );
    }
    let before: Vec<usize> = ids.iter().map(|&k| docs_of(&app, k, "act").len()).collect();
    app.state.clock.advance(40 * 86_400);
    let chunk = |after: i64| {
        let st = app.state.clone();
        async move {
            let st2 = st.clone();
            st.db
                .run(move |c| {
                    let ctx = Ctx {
                        cfg: &st2.cfg,
                        tz: &st2.tz,
                        now: st2.clock.now(),
                    };
                    docs::close_chunk(c, &ctx, (y, m), after, 1)
                })
                .await
                .unwrap()
        }
    };
    // One contract per chunk, in id order, each resuming after the last one looked at.
    let mut after = 0;
    let mut issued = 0;
    let mut rounds = 0;
    while let (n, Some(last)) = chunk(after).await {
        assert!(last > after, "the cursor moves on");
        assert!(n <= 1);
        (after, issued, rounds) = (last, issued + n, rounds + 1);
        assert!(rounds < 100, "the chunks end");
    }
    assert!(
        issued >= ids.len(),
        "each contract with charges got its act ({issued})"
    );
    for (&k, n) in ids.iter().zip(before) {
        assert_eq!(docs_of(&app, k, "act").len(), n + 1, "one act more for {k}");
    }
    // Done: the job's own run finds nothing more for that month.
    assert_eq!(closing(&app).await, 0);
}

#[tokio::test]
async fn invoice_numbers_are_gap_free_under_concurrent_creation() {
    let app = TestApp::new().await;
    let cid = contract_id(&app, DEMO_CONTRACT);
    let year = today(&app).year();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let st = app.state.clone();
        tasks.push(tokio::spawn(async move {
            let st2 = st.clone();
            st.db
                .run(move |c| {
                    let ctx = Ctx {
                        cfg: &st2.cfg,
                        tz: &st2.tz,
                        now: st2.clock.now(),
                    };
                    docs::issue_invoice(c, &ctx, &Actor::System, cid, 10_000 + i)
                })
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("invoice issued");
    }
    let c = app.db();
    let mut s = c
        .prepare(
            "SELECT seq, number FROM documents WHERE kind = 'invoice' AND year = ?1 ORDER BY seq",
        )
        .unwrap();
    let rows: Vec<(i64, String)> = s
        .query_map([year], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), 25, "the demo's one and 24 new");
    for (i, (seq, number)) in rows.iter().enumerate() {
        assert_eq!(*seq, i as i64 + 1);
        assert_eq!(*number, d::number(d::DocKind::Invoice, year, *seq));
    }
}

/// Every month of «История баланса», walked the way the screen loads it:
/// (year, month) → (opening, entries).
fn history(app: &TestApp, cid: i64) -> Vec<((i16, i8), i64, Vec<i64>)> {
    let c = app.db();
    let mut out = Vec::new();
    let mut before = i64::MAX;
    while let Some(m) = db::ledger::month_before(&c, cid, before, &app.state.tz).unwrap() {
        out.push((
            (m.year, m.month),
            m.opening_kop,
            m.entries.iter().map(|e| e.amount_kop).collect(),
        ));
        match m.older {
            Some(o) => before = o,
            None => break,
        }
    }
    out.reverse();
    out
}

/// The reconciliation of each whole year equals the history's months of that year: opening =
/// the first month's «На начало месяца», turnovers = its entries, closing = the next opening.
fn check_years_against_history(app: &TestApp, cid: i64) {
    let h = history(app, cid);
    let years: std::collections::BTreeSet<i16> = h.iter().map(|((y, _), _, _)| *y).collect();
    let balance: i64 = app
        .db()
        .query_row(
            "SELECT balance_kop FROM contracts WHERE id = ?1",
            [cid],
            |r| r.get(0),
        )
        .unwrap();
    let c = app.db();
    for y in years {
        let months: Vec<_> = h.iter().filter(|((yy, _), _, _)| *yy == y).collect();
        let opening = months[0].1;
        let debit: i64 = months
            .iter()
            .flat_map(|m| m.2.iter())
            .filter(|a| **a < 0)
            .map(|a| -a)
            .sum();
        let credit: i64 = months
            .iter()
            .flat_map(|m| m.2.iter())
            .filter(|a| **a > 0)
            .sum();
        let next_opening = h
            .iter()
            .find(|((yy, _), _, _)| *yy > y)
            .map(|m| m.1)
            .unwrap_or(balance);
        let r = docs::reconcile(&c, &ctx(app), cid, date(y, 1, 1), date(y, 12, 31)).unwrap();
        assert_eq!(r.opening_kop, opening, "{y}: opening");
        assert_eq!(
            (r.debit_kop, r.credit_kop),
            (debit, credit),
            "{y}: turnovers"
        );
        assert_eq!(r.closing_kop, opening - debit + credit, "{y}: closing");
        assert_eq!(
            r.closing_kop, next_opening,
            "{y}: closing = the next «На начало месяца»"
        );
    }
}

#[tokio::test]
async fn reconciliation_agrees_with_balance_history_on_the_demo_contract() {
    let app = TestApp::new().await;
    let cid = contract_id(&app, DEMO_CONTRACT);
    check_years_against_history(&app, cid);
    let r = docs::reconcile(
        &app.db(),
        &ctx(&app),
        cid,
        date(2022, 1, 1),
        date(2022, 12, 31),
    )
    .unwrap();
    // the main page's balance (0,00 ₽) is where 2022 ends
    assert_eq!(r.closing_kop, 0);
    assert_eq!((r.debit_kop, r.credit_kop), (1_400, 1_400));
    // seven top-ups, and December's two «Взаимозачеты» under the December act
    assert_eq!(r.rows.len(), 8);
    assert!(r.rows.iter().any(
        |x| x.document.starts_with("Акт № А-2022-00002 от 31.12.2022") && x.debit_kop == 1_400
    ));
}

#[tokio::test]
async fn reconciliation_agrees_with_balance_history_on_a_random_ten_thousand_entry_ledger() {
    let app = TestApp::new().await;
    let cid = contract_id(&app, "76095454RK");
    let mut rng = StdRng::seed_from_u64(13);
    let start = month_start(&app, 2020, 1);
    let end = month_start(&app, 2024, 1);
    let mut times: Vec<i64> = (0..10_000).map(|_| rng.random_range(start..end)).collect();
    times.sort();
    {
        let mut c = app.db();
        let tx = c.transaction().unwrap();
        let mut bal: i64 = tx
            .query_row(
                "SELECT balance_kop FROM contracts WHERE id = ?1",
                [cid],
                |r| r.get(0),
            )
            .unwrap();
        for (i, at) in times.iter().enumerate() {
            let (kind, amount) = if rng.random_bool(0.3) {
                ("payment", rng.random_range(1..2_000_000))
            } else {
                (
                    ["charge", "offset", "correction"][i % 3],
                    -rng.random_range(1..700_000),
                )
            };
            bal += amount;
            tx.execute(
                "INSERT INTO ledger_entries(contract_id, kind, description, amount_kop, balance_after_kop, occurred_at, created_at)
                 VALUES (?1, ?2, 'Запись', ?3, ?4, ?5, ?5)",
                rusqlite::params![cid, kind, amount, bal, at],
            )
            .unwrap();
        }
        tx.execute(
            "UPDATE contracts SET balance_kop = ?2 WHERE id = ?1",
            rusqlite::params![cid, bal],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    check_years_against_history(&app, cid);
    // a custom period across months and years, against the raw ledger
    let (from, to) = (date(2021, 3, 15), date(2022, 8, 20));
    let c = app.db();
    let r = docs::reconcile(&c, &ctx(&app), cid, from, to).unwrap();
    let (a, b) = (
        ctx(&app).start_of(from),
        ctx(&app).start_of(date(2022, 8, 21)),
    );
    let sum = |sql: &str| -> i64 {
        c.query_row(sql, rusqlite::params![cid, a, b], |r| r.get(0))
            .unwrap()
    };
    let debit = -sum("SELECT COALESCE(SUM(amount_kop), 0) FROM ledger_entries WHERE contract_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 AND amount_kop < 0");
    let credit = sum("SELECT COALESCE(SUM(amount_kop), 0) FROM ledger_entries WHERE contract_id = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 AND amount_kop > 0");
    assert_eq!((r.debit_kop, r.credit_kop), (debit, credit));
    let last_after: i64 = c
        .query_row(
            "SELECT balance_after_kop FROM ledger_entries WHERE contract_id = ?1 AND occurred_at < ?2 ORDER BY occurred_at DESC, id DESC LIMIT 1",
            rusqlite::params![cid, b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(r.closing_kop, last_after);
}

/// Runs a command on a PDF written to a temp file; returns its stdout.
pub fn tool(app: &TestApp, bin: &str, args: &[&str], pdf: &[u8]) -> String {
    let path = app
        .dir
        .path()
        .join(format!("t-{}.pdf", rand::random::<u32>()));
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args).arg(&path);
    if bin == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{bin} (install poppler-utils / qpdf): {e}"));
    assert!(
        out.status.success() || bin == "qpdf",
        "{bin}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The PDF is well-formed, its fonts embedded and subset, and it says `texts`.
pub fn check_pdf(app: &TestApp, pdf: &[u8], texts: &[&str]) {
    assert!(pdf.starts_with(b"%PDF-"));
    // PDF/A-2b: krilla's validator passed and wrote the identification into the XMP metadata
    let xmp = String::from_utf8_lossy(pdf);
    assert!(
        xmp.contains("pdfaid:part>2<") && xmp.contains("pdfaid:conformance>B<"),
        "not PDF/A-2b"
    );
    let q = tool(app, "qpdf", &["--check"], pdf);
    assert!(
        q.contains("No syntax or stream encoding errors"),
        "qpdf: {q}"
    );
    let fonts = tool(app, "pdffonts", &[], pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {fonts}");
    for r in rows {
        assert!(r.contains("DejaVuSansCondensed"), "font: {r}");
        assert!(
            r.contains(" yes yes yes "),
            "embedded, subset, unicode: {r}"
        );
    }
    let text = normalize(&tool(app, "pdftotext", &["-layout"], pdf));
    for t in texts {
        assert!(text.contains(t), "PDF lacks «{t}»:\n{text}");
    }
}

#[tokio::test]
async fn demo_december_act_downloads_as_a_proper_pdf_with_headers() {
    let app = TestApp::new().await;
    app.login_demo().await;
    let r = app.get_hx("/documents").await;
    assert_eq!(r.status, StatusCode::OK);
    for t in [
        "Документы",
        "Акт оказанных услуг № А-2022-00002",
        "Счёт на оплату",
        "Акт сверки",
        "Декабрь 2022",
        "Новый",
        "Оплачен",
    ] {
        assert!(r.has_text(t), "screen lacks «{t}»");
    }
    let id: i64 = app
        .db()
        .query_row(
            "SELECT id FROM documents WHERE number = 'А-2022-00002'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let resp = app
        .client
        .get(format!("/documents/{id}/pdf"))
        .header("cookie", cookie_header(&app))
        .send()
        .await;
    assert_eq!(resp.0.status(), StatusCode::OK);
    let h = resp.0.headers().clone();
    assert_eq!(h.get("content-type").unwrap(), "application/pdf");
    let cd = h
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cd.starts_with("attachment; filename=\"akt-A-2022-00002.pdf\"; filename*=UTF-8''"),
        "{cd}"
    );
    assert!(h
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("no-store"));
    let pdf = resp.0.into_body().into_vec().await.unwrap();
    check_pdf(
        &app,
        &pdf,
        &[
            "Акт № А-2022-00002 от 31 декабря 2022 г.",
            "Взаимозачеты",
            "ИП Служебный для теста госсектора",
            "Всего оказано услуг на сумму: Четырнадцать рублей 00 копеек",
            "Страница 1 из 1",
        ],
    );
    // downloaded once: no longer «Новый»; downloading again gives the same bytes
    let again = app
        .client
        .get(format!("/documents/{id}/pdf"))
        .header("cookie", cookie_header(&app))
        .send()
        .await;
    assert_eq!(again.0.into_body().into_vec().await.unwrap(), pdf);
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM documents WHERE id = {id} AND downloaded_at IS NOT NULL"
        )) == 1
    );
    // the full page works without htmx too
    let page = app.get("/documents").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<!DOCTYPE html>") && page.has_text("А-2022-00002"));
}

pub fn cookie_header(app: &TestApp) -> String {
    ["kabinet_session", "kabinet_csrf"]
        .iter()
        .filter_map(|k| app.cookie(k).map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn another_contracts_or_a_voided_document_is_not_found() {
    let app = TestApp::new().await;
    let other = contract_id(&app, "78101424UL");
    let foreign = app
        .state
        .db
        .run({
            let st = app.state.clone();
            move |c| {
                let ctx = Ctx {
                    cfg: &st.cfg,
                    tz: &st.tz,
                    now: st.clock.now(),
                };
                docs::issue_invoice(c, &ctx, &Actor::System, other, 50_000)
            }
        })
        .await
        .unwrap();
    app.login_demo().await;
    let f = foreign.id;
    for path in [
        format!("/documents/{f}/pdf"),
        format!("/documents/{f}/email"),
        "/documents/abc/pdf".into(),
        "/documents/999999/pdf".into(),
    ] {
        assert_eq!(
            app.get_hx(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = app
        .post(
            &format!("/documents/{f}/email"),
            &[("email", "buh@example.ru")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE document_id IS NOT NULL"),
        0
    );
    // the list shows only this contract's documents
    let list = app.get_hx("/documents/list").await;
    assert!(!list.has_text(&foreign.number) || foreign.number.is_empty());
    assert!(!list.body.contains(&format!("/documents/{f}/pdf")));
    // a voided document of one's own contract is gone too
    let own: i64 = app
        .db()
        .query_row(
            "SELECT id FROM documents WHERE number = 'А-2022-00001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    {
        let mut c = app.db();
        docs::void(
            &mut c,
            &Actor::Staff {
                id: 1,
                ip: "127.0.0.1".into(),
            },
            own,
            "Ошибка в сумме",
            app.state.clock.now(),
        )
        .unwrap();
    }
    assert_eq!(
        app.get_hx(&format!("/documents/{own}/pdf")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'document.void'"),
        1
    );
    // and without a session nothing is served
    let anon = TestApp::from_state(tempfile::tempdir().unwrap(), app.state.clone());
    for path in [
        format!("/documents/{own}/pdf"),
        "/documents".into(),
        "/documents/list".into(),
    ] {
        let r = anon.get(&path).await;
        assert_ne!(r.status, StatusCode::OK, "{path}");
        assert_ne!(r.header("content-type"), Some("application/pdf"));
        let r = anon.get_hx(&path).await;
        assert!(
            r.header("hx-redirect").is_some() || r.status != StatusCode::OK,
            "{path}"
        );
        assert!(!r.has_text("А-2022"), "{path}");
    }
}

#[tokio::test]
async fn issued_documents_cannot_be_changed() {
    let app = TestApp::new().await;
    let c = app.db();
    let err = c.execute(
        "UPDATE documents SET amount_kop = 1 WHERE number = 'А-2022-00002'",
        [],
    );
    assert!(err.is_err(), "the immutability trigger refused it");
    let err = c.execute(
        "UPDATE documents SET pdf = x'00' WHERE number = 'А-2022-00002'",
        [],
    );
    assert!(err.is_err());
}

/// Greyscale PGM (`pdftoppm -gray`) → the QR codes rqrr finds in it.
fn decode_qr(pgm: &[u8]) -> Vec<String> {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[s..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let px = &pgm[i + 1..];
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

#[tokio::test]
async fn invoice_amount_is_validated_and_its_qr_decodes_to_the_exact_gost_string() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    for (bad, msg) in [
        ("0", "больше нуля"),
        ("abc", "числом"),
        ("1.234", "двух знаков"),
        ("99999999999", "Максимальная сумма"),
    ] {
        let r = app.post("/documents/invoice", &[("amount", bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.has_text(msg), "{bad}: {}", r.body);
        assert!(r.body.contains("aria-describedby=\"invoice-amount-error\""));
    }
    let before = app.count("SELECT COUNT(*) FROM documents WHERE kind = 'invoice'");
    let r = app
        .post("/documents/invoice", &[("amount", "1 200,00")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.has_text("готов"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'invoice'"),
        before + 1
    );
    let (id, number): (i64, String) = app
        .db()
        .query_row(
            "SELECT id, number FROM documents WHERE kind = 'invoice' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let resp = app
        .client
        .get(format!("/documents/{id}/pdf"))
        .header("cookie", cookie_header(&app))
        .send()
        .await;
    let pdf = resp.0.into_body().into_vec().await.unwrap();
    let t = today(&app);
    let date_s = d::ru_date(t);
    let expected = format!(
        "ST00012|Name=ООО «Демо-Телеком»|PersonalAcc=40702810900000000001|BankName=ПАО «Демо-Банк», г. Уфа|BIC=048073601|CorrespAcc=30101810300000000601|PayeeINN=0274000000|KPP=027401001|Sum=120000|Purpose=Оплата по договору № 72845736UL по счёту № {number} от {date_s}. Без НДС"
    );
    check_pdf(
        &app,
        &pdf,
        &[
            &format!("Счёт на оплату № {number}"),
            "Одна тысяча двести рублей 00 копеек",
            "40702810900000000001",
            "048073601",
        ],
    );
    let path = app.dir.path().join("qr.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", "200", "-singlefile"])
        .arg(&path)
        .arg(app.dir.path().join("qr"))
        .status()
        .expect("pdftoppm");
    assert!(out.success());
    let pgm = std::fs::read(app.dir.path().join("qr.pgm")).unwrap();
    let codes = decode_qr(&pgm);
    assert_eq!(codes, vec![expected.clone()]);
    // a bank payment whose purpose carries the number marks it «Оплачен»
    let cid = contract_id(&app, DEMO_CONTRACT);
    entry(
        &app,
        cid,
        "payment",
        &format!("Оплата по счёту № {}", number.replace('С', "C")),
        120_000,
        app.state.clock.now(),
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM documents WHERE id = {id} AND paid_at IS NOT NULL"
        )),
        1
    );
    let list = app.get_hx("/documents/list?kind=invoice").await;
    assert!(list.has_text("Оплачен"));
}

#[tokio::test]
async fn reconciliation_periods_are_checked_and_2022_is_issued() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    let next_year = (today(&app).year() + 1).to_string();
    for (from, to, msg) in [
        ("01.02.2022", "01.01.2022", "раньше даты начала"),
        ("01.01.2000", "31.12.2019", "не длиннее"),
        (
            &format!("01.01.{next_year}")[..],
            &format!("31.01.{next_year}")[..],
            "в будущем",
        ),
        ("32.13.2022", "01.01.2023", "дату начала"),
    ] {
        let r = app
            .post(
                "/documents/reconciliation",
                &[("period", "custom"), ("from", from), ("to", to)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{from}–{to}");
        assert!(r.has_text(msg), "{from}–{to}: {}", r.body);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'reconciliation'"),
        0
    );
    let r = app
        .post("/documents/reconciliation", &[("period", "year:2022")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (id, number): (i64, String) = app
        .db()
        .query_row(
            "SELECT id, number FROM documents WHERE kind = 'reconciliation'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(r.body.contains(&format!("/documents/{id}/pdf")));
    let resp = app
        .client
        .get(format!("/documents/{id}/pdf"))
        .header("cookie", cookie_header(&app))
        .send()
        .await;
    let pdf = resp.0.into_body().into_vec().await.unwrap();
    check_pdf(
        &app,
        &pdf,
        &[
            &format!("Акт сверки взаимных расчётов № {number}"),
            "за период: 01.01.2022 — 31.12.2022",
            "Сальдо начальное",
            "Обороты за период",
            "14,00",
            "Сальдо конечное",
            "задолженность отсутствует",
        ],
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'document.issue' AND actor_kind = 'account'"), 1);
}

#[tokio::test]
async fn send_to_email_queues_the_pdf_in_the_outbox() {
    let app = TestApp::new().await;
    app.login_demo().await;
    app.get_hx("/documents").await;
    let id: i64 = app
        .db()
        .query_row(
            "SELECT id FROM documents WHERE number = 'А-2022-00002'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let form = app.get_hx(&format!("/documents/{id}/email")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("type=\"email\""));
    let bad = app
        .post(&format!("/documents/{id}/email"), &[("email", "не почта")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Only to a confirmed address: not to any address typed (a mail cannon otherwise).
    let stranger = app
        .post(
            &format!("/documents/{id}/email"),
            &[("email", "victim@example.org")],
        )
        .await;
    assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        stranger.has_text("подтверждённый в «Уведомлениях»"),
        "{}",
        stranger.body
    );
    // The address confirmed in «Уведомления» (the demo's) is fine.
    let to = kabinet::app::notify::DEMO_EMAIL;
    let ok = app
        .post(&format!("/documents/{id}/email"), &[("email", to)])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(
        ok.has_text("Отправлено на b***@sluzhebny.example.ru"),
        "{}",
        ok.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE document_id = {id} AND recipient = '{to}'"
        )),
        1
    );
    // A bounded number a day per contract.
    for _ in 1..kabinet::app::documents::MAILS_PER_CONTRACT_DAY {
        app.post(&format!("/documents/{id}/email"), &[("email", to)])
            .await;
    }
    let r = app
        .post(&format!("/documents/{id}/email"), &[("email", to)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.has_text("слишком много писем"), "{}", r.body);
    let att = db::documents::outbox_attachment(&app.db(), app.count("SELECT MAX(id) FROM outbox"))
        .unwrap()
        .unwrap();
    assert_eq!(att.0, "akt-A-2022-00002.pdf");
    assert!(att.1.starts_with(b"%PDF-"));
}

#[test]
fn forms_render_cyrillic_tables_across_pages_with_repeated_headers() {
    let dir = tempfile::tempdir().unwrap();
    let state = kabinet::build_state(
        kabinet::config::Config::default(),
        &dir.path().join("k.db"),
        false,
    )
    .unwrap();
    let app = TestApp::from_state(dir, state);
    let pdf = kabinet::services::pdf::reconciliation(
        &kabinet::services::pdf::sample::reconciliation(400),
    );
    let text = tool(&app, "pdftotext", &[], &pdf);
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(pages > 3, "{pages}");
    // the header row is on every page
    for p in text.split('\u{c}').filter(|p| !p.trim().is_empty()) {
        assert!(
            p.contains("Дебет") && p.contains("Кредит"),
            "page without header:\n{p}"
        );
    }
    assert!(text.contains(&format!("Страница {pages} из {pages}")));
    let long = kabinet::services::pdf::act(&kabinet::services::pdf::sample::act(false, 90));
    check_pdf(
        &app,
        &long,
        &["Наименование работ, услуг", "Всего оказано услуг на сумму"],
    );
    let upd = kabinet::services::pdf::act(&kabinet::services::pdf::sample::act(true, 3));
    check_pdf(&app, &upd, &["Универсальный передаточный документ", "НДС"]);
}

#[tokio::test]
async fn outside_the_demo_no_document_goes_out_under_the_demo_company() {
    let app = production_app(kabinet::config::Config::default());
    assert!(!app.state.cfg.documents.requisites_ready());
    app.login_demo().await;
    let before = app.count("SELECT COUNT(*) FROM documents");
    app.get_hx("/documents").await;
    let r = app.post("/documents/invoice", &[("amount", "1200")]).await;
    assert_ne!(r.status, StatusCode::OK);
    assert!(
        r.has_text("оператор ещё не указал свои реквизиты"),
        "{}",
        r.body
    );
    // The closing job issues nothing either (the start-up log says why).
    app.state.clock.advance(40 * 86_400);
    assert_eq!(closing(&app).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM documents"), before);

    // With the operator's own requisites documents go out.
    let mut cfg = kabinet::config::Config::default();
    cfg.documents.operator.legal_name = "ООО «Связь-Регион»".into();
    cfg.documents.operator.inn = "0275000001".into();
    cfg.documents.operator.account = "40702810900000000777".into();
    let app = production_app(cfg);
    assert!(app.state.cfg.documents.requisites_ready());
    app.login_demo().await;
    app.get_hx("/documents").await;
    let r = app.post("/documents/invoice", &[("amount", "1200")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pdf_text = app.count("SELECT COUNT(*) FROM documents WHERE kind = 'invoice'");
    assert!(pdf_text > 0);
}
