//! TestApp: the real `app()` over a temp SQLite file, driven in-process with a cookie jar.
#![allow(dead_code)]
use kabinet::{build_state, config::Config, state::SharedState};
use poem::{endpoint::BoxEndpoint, http::StatusCode, test::TestClient, EndpointExt};
use std::{
    collections::BTreeMap,
    future::Future,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

pub const DEMO_CONTRACT: &str = "72845736UL";
pub const DEMO_PASSWORD: &str = "kabinet-demo";

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub state: SharedState,
    pub client: TestClient<BoxEndpoint<'static>>,
    jar: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<String>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: poem::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
    /// Visible text check that ignores the kind of space (money uses U+202F / U+00A0).
    pub fn has_text(&self, text: &str) -> bool {
        normalize(&self.body).contains(&normalize(text))
    }
}

pub fn normalize(s: &str) -> String {
    s.replace(['\u{202F}', '\u{00A0}'], " ")
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(Config::default()).await
    }

    /// The app over its own copy of the demo database (see [`demo_db`]).
    pub async fn with_config(cfg: Config) -> TestApp {
        let dir = tempdir();
        let path = demo_db(dir.path(), &cfg);
        let state = build_state(cfg, &path, true).expect("state");
        Self::from_state(dir, state)
    }

    pub fn from_state(dir: tempfile::TempDir, state: SharedState) -> TestApp {
        let client = TestClient::new(kabinet::app(state.clone()).map_to_response().boxed());
        TestApp {
            dir,
            state,
            client,
            jar: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(String::new()),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.lock().unwrap().insert(name.into(), value.into());
    }

    pub fn clear_cookie(&self, name: &str) {
        self.jar.lock().unwrap().remove(name);
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().unwrap().clone()
    }

    async fn finish(&self, resp: poem::test::TestResponse) -> Resp {
        let status = resp.0.status();
        let headers = resp.0.headers().clone();
        for sc in headers.get_all("set-cookie") {
            let sc = sc.to_str().unwrap_or("");
            let (pair, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            if let Some((k, v)) = pair.split_once('=') {
                let gone = attrs.to_ascii_lowercase().contains("max-age=0") || v.is_empty();
                let mut jar = self.jar.lock().unwrap();
                if gone {
                    jar.remove(k.trim());
                } else {
                    jar.insert(k.trim().to_owned(), v.to_owned());
                }
            }
        }
        let body = resp.0.into_body().into_string().await.unwrap_or_default();
        // A page with no token of its own (the offline page) leaves the session's token as is.
        if let Some(t) = extract_csrf(&body).filter(|t| !t.is_empty()) {
            *self.csrf.lock().unwrap() = t;
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        let r = self
            .client
            .get(path)
            .header("cookie", self.cookie_header())
            .send()
            .await;
        self.finish(r).await
    }

    pub async fn get_hx(&self, path: &str) -> Resp {
        let r = self
            .client
            .get(path)
            .header("cookie", self.cookie_header())
            .header("hx-request", "true")
            .send()
            .await;
        self.finish(r).await
    }

    /// POSTs a urlencoded form with the current CSRF token (as htmx would send it).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        let token = self.csrf();
        let r = self
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .header("hx-request", "true")
            .header("x-csrf-token", token)
            .form(&form)
            .send()
            .await;
        self.finish(r).await
    }

    /// POSTs like [`TestApp::post`] from a browser with this user agent.
    pub async fn post_ua(&self, path: &str, form: &[(&str, &str)], ua: &str) -> Resp {
        let token = self.csrf();
        let r = self
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .header("hx-request", "true")
            .header("x-csrf-token", token)
            .header("user-agent", ua)
            .form(&form)
            .send()
            .await;
        self.finish(r).await
    }

    /// POSTs like [`TestApp::post`] from client address `ip` (as a trusted proxy reports it in
    /// `X-Forwarded-For`; the app needs `security.trust_proxy_headers`).
    pub async fn post_from(&self, path: &str, form: &[(&str, &str)], ip: &str) -> Resp {
        let token = self.csrf();
        let r = self
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .header("hx-request", "true")
            .header("x-csrf-token", token)
            .header("x-forwarded-for", ip)
            .form(&form)
            .send()
            .await;
        self.finish(r).await
    }

    /// POSTs a JSON body with the current CSRF token (as assets/*.js send it).
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Resp {
        let token = self.csrf();
        let r = self
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .header("x-csrf-token", token)
            .content_type("application/json")
            .body(body.to_string())
            .send()
            .await;
        self.finish(r).await
    }

    /// Another browser (its own cookies) on the same server.
    pub fn other_browser(&self) -> TestApp {
        TestApp::from_state(tempdir(), self.state.clone())
    }

    /// POSTs without any CSRF token.
    pub async fn post_no_csrf(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        let r = self
            .client
            .post(path)
            .header("cookie", self.cookie_header())
            .form(&form)
            .send()
            .await;
        self.finish(r).await
    }

    /// Logs in with the demo contract and checks it worked.
    pub async fn login_demo(&self) {
        self.login(DEMO_CONTRACT, DEMO_PASSWORD).await;
    }

    pub async fn login(&self, contract: &str, password: &str) {
        self.get("/login").await;
        let r = self
            .post("/login", &[("contract", contract), ("password", password)])
            .await;
        assert_eq!(
            r.header("hx-redirect"),
            Some("/"),
            "login failed: {} {}",
            r.status,
            r.body
        );
        // As a browser does: follow the redirect (which also picks up the CSRF token that
        // replaces the one rotated at login).
        self.get("/").await;
    }

    pub fn db(&self) -> r2d2::PooledConnection<r2d2_sqlite::SqliteConnectionManager> {
        self.state.db.get().expect("db")
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).expect("count")
    }
}

/// A temp dir for a test's files, in RAM (`/dev/shm`) when the machine has it and `TMPDIR` is
/// not set: SQLite's fsyncs (`synchronous=FULL`) then cost nothing, where on a disk shared
/// with compiles they were half of the suite's time.
/// The app over a copy of the demo database that no longer says it is the demo: what a
/// production install with these data would do (requisites, payment gateway, SMS tab).
pub fn production_app(cfg: Config) -> TestApp {
    let dir = tempdir();
    let path = demo_db(dir.path(), &cfg);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM settings WHERE key = 'demo'", [])
        .unwrap();
    let state = build_state(cfg, &path, false).expect("state");
    TestApp::from_state(dir, state)
}

pub fn tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if std::env::var_os("TMPDIR").is_none() && shm.is_dir() {
        if let Ok(d) = tempfile::Builder::new().prefix("kabinet-").tempdir_in(shm) {
            return d;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// Writes `dir/kabinet.db`: a copy of a database migrated and demo-seeded once per test process
/// (per time zone, which the seed uses), so a test skips the migration, the seed and its
/// argon2 hash. `build_state` on the copy finds an existing database and does not seed again;
/// the `demo` flag and the CSRF key come with the copy. Tests about creating or seeding a
/// database call `build_state` on a new path instead.
pub fn demo_db(dir: &Path, cfg: &Config) -> PathBuf {
    let path = dir.join("kabinet.db");
    std::fs::write(&path, &*template(&cfg.time_zone)).expect("copy the template database");
    path
}

/// The template's bytes: one self-contained file (`VACUUM INTO`, no `-wal` beside it).
fn template(time_zone: &str) -> Arc<[u8]> {
    static TEMPLATES: OnceLock<Mutex<BTreeMap<String, Arc<[u8]>>>> = OnceLock::new();
    let mut all = TEMPLATES.get_or_init(Default::default).lock().unwrap();
    if let Some(t) = all.get(time_zone) {
        return t.clone();
    }
    let dir = tempdir();
    let cfg = Config {
        time_zone: time_zone.to_owned(),
        ..Config::default()
    };
    let state = build_state(cfg, &dir.path().join("template.db"), true).expect("template");
    let out = dir.path().join("copy.db");
    state
        .db
        .get()
        .expect("db")
        .execute("VACUUM INTO ?1", [out.to_str().expect("utf-8 temp path")])
        .expect("VACUUM INTO");
    drop(state);
    let bytes: Arc<[u8]> = std::fs::read(&out).expect("read the template").into();
    all.insert(time_zone.to_owned(), bytes.clone());
    bytes
}

/// The CSRF token from a page: the hidden field or the `hx-headers` JSON on <body>.
pub fn extract_csrf(body: &str) -> Option<String> {
    if let Some(i) = body.find("name=\"csrf_token\" value=\"") {
        let rest = &body[i + 25..];
        return rest.split('"').next().map(str::to_owned);
    }
    let marker = "X-CSRF-Token&quot;:&quot;";
    let i = body.find(marker)?;
    let rest = &body[i + marker.len()..];
    rest.split("&quot;").next().map(str::to_owned)
}

/// What a check polled by [`eventually`] gives: `true`, `Some(value)` or `Ok(value)` when done;
/// `false`, `None` or `Err(what it saw instead)` to poll again.
pub trait Outcome {
    type Value;
    fn into_result(self) -> Result<Self::Value, String>;
}

impl Outcome for bool {
    type Value = ();
    fn into_result(self) -> Result<(), String> {
        if self {
            Ok(())
        } else {
            Err(String::new())
        }
    }
}

impl<T> Outcome for Option<T> {
    type Value = T;
    fn into_result(self) -> Result<T, String> {
        self.ok_or_else(String::new)
    }
}

impl<T> Outcome for Result<T, String> {
    type Value = T;
    fn into_result(self) -> Result<T, String> {
        self
    }
}

/// How often [`eventually`] polls.
pub const POLL: Duration = Duration::from_millis(50);

/// The usual patience of [`eventually`]: the page, the socket or the job is slow, not broken.
pub const WAIT: Duration = Duration::from_secs(10);

/// Runs `check` every [`POLL`] until it is done (see [`Outcome`]) and returns its value. When
/// `timeout` passes first it panics: «gave up after 10s waiting for `what`», plus what the last
/// check saw (its `Err`).
pub async fn eventually<O, F, Fut>(
    timeout: Duration,
    what: impl std::fmt::Display,
    mut check: F,
) -> O::Value
where
    O: Outcome,
    F: FnMut() -> Fut,
    Fut: Future<Output = O>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let seen = match check().await.into_result() {
            Ok(v) => return v,
            Err(seen) => seen,
        };
        if Instant::now() >= deadline {
            let seen = if seen.is_empty() {
                String::new()
            } else {
                format!("; last seen: {seen}")
            };
            panic!("gave up after {timeout:?} waiting for {what}{seen}");
        }
        tokio::time::sleep(POLL).await;
    }
}
