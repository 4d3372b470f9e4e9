//! The installable app in real Chromium: the manifest is valid and Chromium reports the login
//! page installable; the service worker shows «Нет соединения» when the server is gone; the
//! «Уведомления» settings save.
use super::*;

impl Browser {
    /// A DevTools protocol command through chromedriver (`goog/cdp/execute`).
    async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let sid = self.c.session_id().await.unwrap().expect("a session");
        let url = format!(
            "http://127.0.0.1:{}/session/{sid}/goog/cdp/execute",
            self.port
        );
        let body = serde_json::json!({ "cmd": cmd, "params": params }).to_string();
        tokio::task::spawn_blocking(move || {
            let mut r = ureq::post(&url)
                .header("content-type", "application/json")
                .send(body)
                .unwrap();
            let v: serde_json::Value =
                serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
            v["value"].clone()
        })
        .await
        .unwrap()
    }

    /// Waits until a service worker controls the page with its cache filled.
    async fn wait_service_worker(&self) {
        let ok = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.serviceWorker.ready.then(r => done(!!r.active)).catch(() => done(false));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ok, serde_json::Value::Bool(true));
    }
}

/// The app on a server this test can stop (connections closed too).
async fn stoppable(
    cfg: Config,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tempfile::TempDir,
    SharedState,
) {
    let dir = crate::common::tempdir();
    let path = crate::common::demo_db(dir.path(), &cfg);
    let state = build_state(cfg, &path, true).unwrap();
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = kabinet::app(state.clone());
    tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(
                app,
                async {
                    let _ = rx.await;
                },
                Some(Duration::from_millis(50)),
            )
            .await;
    });
    (format!("http://{addr}"), tx, dir, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_app_is_installable_and_opens_offline_without_the_server() {
    let Some(b) = browser().await else { return };
    let (base, stop, _dir, state) = stoppable(Config::default()).await;
    b.goto(&format!("{base}/login")).await;
    b.see("Установите приложение и управляйте услугами прямо с телефона")
        .await;
    b.see("Как установить на iPhone или iPad").await;
    b.wait_service_worker().await;
    let manifest = b.cdp("Page.getAppManifest", serde_json::json!({})).await;
    assert_eq!(manifest["errors"], serde_json::json!([]), "{manifest}");
    assert!(manifest["url"]
        .as_str()
        .unwrap()
        .ends_with("/manifest.webmanifest"));
    let errors = eventually(WAIT, "Chromium to report the page installable", || async {
        let v = b
            .cdp("Page.getInstallabilityErrors", serde_json::json!({}))
            .await;
        let errs = v["installabilityErrors"].clone();
        if errs == serde_json::json!([]) {
            Ok(errs)
        } else {
            Err(errs.to_string())
        }
    })
    .await;
    assert_eq!(errors, serde_json::json!([]));
    b.shoot("login-install").await;
    // Strict CSP held: no violations while the worker and manifest loaded.
    assert_eq!(state.csp_violations.load(Ordering::Relaxed), 0);

    // The server stops: the worker answers navigations with the cached offline page.
    stop.send(()).unwrap();
    eventually(WAIT, "the server to stop", || async {
        std::net::TcpStream::connect(base.trim_start_matches("http://")).is_err()
    })
    .await;
    b.goto(&format!("{base}/")).await;
    b.see("Нет соединения").await;
    b.see("Повторить").await;
    b.shoot("offline").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_notification_settings_save() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.login_demo(&s.base).await;
    b.click("Настройки").await;
    b.click("Уведомления").await;
    b.see("Статус заявки изменился").await;
    b.see("E-mail для уведомлений").await;
    b.shoot("notifications").await;
    let sms =
        b.c.find(Locator::Css("input[name='request_status.sms']"))
            .await
            .unwrap();
    assert!(sms.prop("checked").await.unwrap().as_deref() != Some("true"));
    sms.click().await.unwrap();
    b.click("Сохранить").await;
    b.see("Настройки уведомлений сохранены").await;
    let conn = s.state.db.get().unwrap();
    let on: i64 = conn
        .query_row(
            "SELECT enabled FROM notice_prefs WHERE kind = 'request_status' AND channel = 'sms'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(on, 1);
    // Opened again, the switch stays on.
    b.goto(&format!("{}/notifications", s.base)).await;
    b.see("Уведомления").await;
    let sms =
        b.c.find(Locator::Css("input[name='request_status.sms']"))
            .await
            .unwrap();
    assert_eq!(sms.prop("checked").await.unwrap().as_deref(), Some("true"));
    // A new address waits for its code: the code field appears under it.
    b.fill("E-mail для уведомлений", "buh@new.example.ru").await;
    b.click("Сохранить").await;
    b.see("Код из письма для подтверждения адреса").await;
    b.shoot("notifications-code").await;
    assert_no_csp_violations(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_staff_broadcast_shows_as_a_banner_on_the_main_page() {
    let Some(b) = browser().await else { return };
    let s = serve(Config::default()).await;
    b.goto(&format!("{}/staff/login", s.base)).await;
    b.fill("Логин", "admin").await;
    b.fill("Пароль", "kabinet-demo").await;
    b.click("Войти").await;
    b.wait_path("/staff/chat").await;
    b.click("Объявления").await;
    b.wait_path("/staff/broadcasts").await;
    b.fill("Заголовок", "Плановые работы").await;
    b.fill(
        "Текст",
        "4 декабря с 02:00 до 04:00 возможны перерывы связи.",
    )
    .await;
    b.fill("Номера договоров", "72845736UL").await;
    let until = jiff::Timestamp::now()
        .to_zoned(s.state.tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(1))
        .unwrap();
    // The date picker's typing order depends on the locale: set its value as a picker does.
    b.input("Показывать до").await;
    b.c.execute(
        "document.getElementById('b-until').value = arguments[0];",
        vec![serde_json::Value::String(until.to_string())],
    )
    .await
    .unwrap();
    b.click("Отправить объявление").await;
    b.see("Объявление отправлено: договоров 1").await;
    b.shoot("staff-broadcasts").await;
    b.login_demo(&s.base).await;
    b.see("4 декабря с 02:00 до 04:00 возможны перерывы связи.")
        .await;
    b.shoot("main-broadcast").await;
    assert_no_csp_violations(&s).await;
}
