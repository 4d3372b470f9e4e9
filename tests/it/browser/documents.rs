//! «Документы» in real Chromium: open from the main page, «Акт сверки» for 2022 and its PDF,
//! an invoice that appears in the list, the type filter; no CSP violations.
use crate::browser::{assert_no_csp_violations, browser, serve, Browser};
use fantoccini::Locator;
use kabinet::config::Config;
use std::time::Duration;

/// GETs `href` from the page (same session) and returns (status, content type, first bytes).
async fn fetch(b: &Browser, href: &str) -> (u64, String, String) {
    let js = r#"
        var x = new XMLHttpRequest();
        x.open('GET', arguments[0], false);
        x.overrideMimeType('text/plain; charset=x-user-defined');
        x.send();
        return [x.status, x.getResponseHeader('content-type'), x.responseText.slice(0, 5)];
    "#;
    let v =
        b.c.execute(js, vec![serde_json::json!(href)])
            .await
            .unwrap();
    (
        v[0].as_u64().unwrap_or(0),
        v[1].as_str().unwrap_or("").to_owned(),
        v[2].as_str().unwrap_or("").to_owned(),
    )
}

async fn link_in(b: &Browser, css: &str) -> String {
    let el =
        b.c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"));
    el.attr("href").await.unwrap().expect("href")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_documents_reconciliation_for_2022_download_and_an_invoice() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.click("Документы").await;
    b.see("Акт оказанных услуг № А-2022-00002").await;
    b.see("ИП Служебный для теста госсектора").await;
    b.see("Новый").await;
    b.shoot("documents").await;

    // «Акт сверки» for 2022
    let period = b.input("Период").await;
    period.select_by_value("year:2022").await.unwrap();
    b.click("Сформировать").await;
    b.see("готов").await;
    b.see("Акт сверки № АС-").await;
    let href = link_in(&b, "#doc-recon-form .doc-issued a").await;
    let (status, ctype, head) = fetch(&b, &href).await;
    assert_eq!(
        (status, ctype.as_str(), head.as_str()),
        (200, "application/pdf", "%PDF-")
    );
    b.shoot("documents-reconciliation").await;

    // an invoice: the wrong amount first, then a good one that lands in the list
    b.fill("Сумма, ₽", "0").await;
    b.click("Выставить счёт").await;
    b.see("Сумма должна быть больше нуля").await;
    b.fill("Сумма, ₽", "1 500").await;
    b.click("Выставить счёт").await;
    b.see("Счёт на оплату № С-").await;
    b.see("1 500,00 ₽").await;
    let href = link_in(&b, "#doc-invoice-form .doc-issued a").await;
    assert_eq!(fetch(&b, &href).await.0, 200);

    // the type filter narrows the list
    let kind = b.input("Тип").await;
    kind.select_by_value("invoice").await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        // htmx swaps the list while it is read: a stale element is read again next round.
        let list = match b.c.find(Locator::Id("documents-list")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if !list.contains("Акт оказанных услуг") && list.contains("Счёт на оплату")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "filter did not apply: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.shoot("documents-invoices").await;

    // the full page (no htmx) from the gear menu's link target
    b.goto(&format!("{}/documents", s.base)).await;
    b.see("Выпущенные документы").await;
    assert_no_csp_violations(&s).await;
}
