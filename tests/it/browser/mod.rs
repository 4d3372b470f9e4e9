//! End-to-end tests in real headless Chromium (chromedriver + fantoccini), by visible labels.
//!
//! Skipped with a notice when chromedriver is not installed, unless KABINET_REQUIRE_BROWSER=1
//! (set by .ci/run), which turns a missing browser into a failure. With KABINET_SCREENSHOTS=DIR
//! the tests also save screenshots of the screens they pass through, at 1366px and 390px.
#![allow(dead_code)]
mod accounts;
mod actions;
mod chat;
mod company;
mod documents;
mod growth;
mod login;
mod money;
mod passkeys;
mod polish;
mod pwa;
mod staff;

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use kabinet::{build_state, config::Config, state::SharedState};
use poem::{
    listener::{Acceptor, Listener, TcpListener},
    Server,
};
use std::os::unix::process::CommandExt;
use std::{
    process::{Child, Command, Stdio},
    sync::atomic::Ordering,
    time::Duration,
};

use crate::common::{eventually, normalize, DEMO_CONTRACT, DEMO_PASSWORD, WAIT};

/// axe-core (MPL-2.0, vendored for the tests only; see vendor/axe-LICENSE.txt).
const AXE_JS: &str = include_str!("vendor/axe-4.14.1.min.js");

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The real app served on 127.0.0.1:<free port>.
pub struct Served {
    pub base: String,
    pub state: SharedState,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve(cfg: Config) -> Served {
    let dir = crate::common::tempdir();
    let path = crate::common::demo_db(dir.path(), &cfg);
    let state = build_state(cfg, &path, true).unwrap();
    serve_state(dir, state).await
}

pub async fn serve_state(dir: tempfile::TempDir, state: SharedState) -> Served {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = kabinet::app(state.clone());
    let task = tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor).run(app).await;
    });
    Served {
        base: format!("http://{addr}"),
        state,
        _dir: dir,
        task,
    }
}

pub struct Browser {
    pub c: Client,
    /// chromedriver's port (for its Chromium-only endpoints, e.g. `goog/cdp/execute`).
    pub port: u16,
    driver: Child,
    _profile: tempfile::TempDir,
    shots: Option<std::path::PathBuf>,
    /// JavaScript on: axe-core needs it (its promise never settles in a page without scripts).
    js: bool,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, and Chromium's processes stay in it: end
        // them all, or every test run would leave a browser behind.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver + headless Chromium, or returns None (test skipped) when not installed.
pub async fn browser() -> Option<Browser> {
    browser_with(true).await
}

/// The same browser with JavaScript switched off (the page's scripts never run; WebDriver's
/// own commands still work).
pub async fn browser_without_js() -> Option<Browser> {
    browser_with(false).await
}

async fn browser_with(js: bool) -> Option<Browser> {
    let required = std::env::var("KABINET_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(
            !required,
            "KABINET_REQUIRE_BROWSER=1 but {CHROMEDRIVER} is missing"
        );
        eprintln!("SKIPPED: browser test needs {CHROMEDRIVER} and {CHROMIUM} (apt-get install chromium chromium-driver)");
        return None;
    }
    // Both ring (ureq, lettre) and aws-lc-rs (fantoccini) are compiled in: choose one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = crate::common::tempdir();
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=ru-RU",
                "--disable-crash-reporter", "--disable-breakpad",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": { "profile.managed_default_content_settings.javascript": if js { 1 } else { 2 } }
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let c = eventually(Duration::from_secs(20), "chromedriver to start", || async {
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&url)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
    let shots = std::env::var_os("KABINET_SCREENSHOTS").map(std::path::PathBuf::from);
    if let Some(d) = &shots {
        std::fs::create_dir_all(d).unwrap();
    }
    Some(Browser {
        c,
        port,
        driver,
        _profile: profile,
        shots,
        js,
    })
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.c.goto(url).await.unwrap();
    }

    /// The input whose <label> reads `label`.
    pub async fn input(&self, label: &str) -> Element {
        let xp = format!("//label[normalize-space()='{label}']");
        let l = self
            .c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(&xp))
            .await
            .unwrap_or_else(|_| panic!("no label «{label}»"));
        let id = l.attr("for").await.unwrap().expect("label has for=");
        self.c.find(Locator::Id(&id)).await.unwrap()
    }

    pub async fn fill(&self, label: &str, value: &str) {
        let i = self.input(label).await;
        i.clear().await.unwrap();
        i.send_keys(value).await.unwrap();
    }

    /// Clicks the visible button (or summary/link styled as one) with this text or aria-label.
    pub async fn click(&self, text: &str) {
        let xp = format!(
            "//*[self::button or self::a or self::summary][normalize-space()='{text}' or @aria-label='{text}']"
        );
        let what = format!("something clickable named «{text}»");
        eventually(WAIT, what, || async {
            for el in self
                .c
                .find_all(Locator::XPath(&xp))
                .await
                .unwrap_or_default()
            {
                if !el.is_displayed().await.unwrap_or(false) {
                    continue;
                }
                // WebDriver scrolls a control only just into view, where a sticky header (the
                // modal's title) can cover it; the middle of the view is where a person sees it.
                let arg = serde_json::to_value(&el).unwrap_or_default();
                let _ = self
                    .c
                    .execute(
                        "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})",
                        vec![arg],
                    )
                    .await;
                if el.click().await.is_ok() {
                    return true;
                }
            }
            false
        })
        .await
    }

    pub async fn body_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => normalize(&b.text().await.unwrap_or_default()),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page shows `text` (spaces of any kind match).
    pub async fn see(&self, text: &str) {
        let want = normalize(text);
        eventually(WAIT, format!("the page to show «{text}»"), || async {
            let body = self.body_text().await;
            if body.contains(&want) {
                Ok(())
            } else {
                Err(format!("the page shows:\n{body}"))
            }
        })
        .await
    }

    /// Waits until the page no longer shows `text`.
    pub async fn see_no_more(&self, text: &str) {
        let gone = normalize(text);
        eventually(
            WAIT,
            format!("the page to stop showing «{text}»"),
            || async { !self.body_text().await.contains(&gone) },
        )
        .await
    }

    /// Waits until no modal dialog is open.
    pub async fn wait_modal_closed(&self) {
        eventually(WAIT, "the modal to close", || async {
            self.c
                .find_all(Locator::Css("#modal dialog"))
                .await
                .unwrap()
                .is_empty()
        })
        .await
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    pub async fn wait_path(&self, path: &str) {
        self.wait_path_where(path, |at| at == path).await
    }

    /// Waits until the current path passes `ok` (`what` names the wanted path in the panic).
    pub async fn wait_path_where(&self, what: &str, ok: impl Fn(&str) -> bool) {
        eventually(WAIT, format!("the browser to reach {what}"), || async {
            let at = self.path().await;
            if ok(&at) {
                Ok(())
            } else {
                Err(format!("at {at}"))
            }
        })
        .await
    }

    /// Checks the screen with axe-core (WCAG 2.0–2.2 A and AA) and saves `<name>-1366.png`
    /// and `<name>-390.png` when KABINET_SCREENSHOTS is set. Every screen and open modal the
    /// tests pass through calls this, so any violation fails the test with a readable list.
    pub async fn shoot(&self, name: &str) {
        // Checked at both widths: on a phone tables and the chat log scroll, and must take focus.
        for (w, h) in [(1366u32, 900u32), (390, 844)] {
            self.c.set_window_size(w, h).await.unwrap();
            tokio::time::sleep(Duration::from_millis(250)).await;
            self.assert_accessible(&format!("{name} at {w}px")).await;
            if let Some(dir) = &self.shots {
                let png = self.c.screenshot().await.unwrap();
                std::fs::write(dir.join(format!("{name}-{w}.png")), png).unwrap();
            }
        }
        self.c.set_window_size(1366, 900).await.unwrap();
    }

    /// Runs axe-core on the current page (and the open modal, which is in the document) and
    /// panics with a readable list of WCAG 2.0–2.2 A/AA violations, if any.
    pub async fn assert_accessible(&self, screen: &str) {
        if !self.js {
            return;
        }
        let v = self.axe_violations().await;
        // KABINET_AXE_LOG=FILE: list violations there and go on (for a survey of all screens).
        if let Some(log) = std::env::var_os("KABINET_AXE_LOG") {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            for l in &v {
                writeln!(f, "[{screen}] {l}").unwrap();
            }
            return;
        }
        assert!(
            v.is_empty(),
            "axe-core on «{screen}» ({} violations):\n{}",
            v.len(),
            v.join("\n")
        );
    }

    /// The axe-core violations on the current page, one line per failing node.
    pub async fn axe_violations(&self) -> Vec<String> {
        // Let CSS transitions (modal fade-in, toasts) settle so colours are final.
        tokio::time::sleep(Duration::from_millis(350)).await;
        // A screen that navigates away on its own (a session that ended) can unload under the
        // script: then the page it lands on is checked instead.
        let mut last = String::new();
        for _ in 0..3 {
            match self.run_axe().await {
                Ok(v) => return v,
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("axe-core could not run: {last}");
    }

    async fn run_axe(&self) -> Result<Vec<String>, String> {
        let loaded = self
            .c
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await
            .map_err(|e| e.to_string())?;
        if loaded != serde_json::Value::Bool(true) {
            // WebDriver scripts are not subject to the page's CSP.
            self.c
                .execute(&format!("{AXE_JS}\n;return true;"), vec![])
                .await
                .map_err(|e| e.to_string())?;
        }
        let r = self
            .c
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                // A toast fading out (`.leaving`) is mid-animation: its colours blend into the
                // page for a moment and are not what anyone reads.
                axe.run({ exclude: [['.toast.leaving']] }, {
                    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
                    resultTypes: ['violations'],
                }).then(r => done(r.violations.flatMap(v => v.nodes.map(n =>
                    `${v.id} (${v.impact}): ${v.help}\n    at ${n.target.join(' ')}\n    ${(n.failureSummary || '').replace(/\n/g, ' ')}\n    ${n.html.slice(0, 200)}`))))
                  .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(serde_json::from_value(r).unwrap_or_default())
    }

    pub async fn login_demo(&self, base: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill("Номер договора", DEMO_CONTRACT).await;
        self.fill("Пароль", DEMO_PASSWORD).await;
        self.click("Войти").await;
        self.wait_path("/").await;
    }
}

/// Asserts the browser reported no Content-Security-Policy violations.
pub async fn assert_no_csp_violations(s: &Served) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        s.state.csp_violations.load(Ordering::Relaxed),
        0,
        "CSP violations were reported"
    );
}
