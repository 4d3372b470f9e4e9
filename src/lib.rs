//! kabinet — a self-hosted customer portal («Личный кабинет для бизнеса») for regional ISPs.
pub mod app;
pub mod auth;
pub mod chat;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod import;
pub mod net;
pub mod routes;
pub mod services;
pub mod state;
pub mod views;
pub mod web;

pub use web::app;

use rand::RngCore;
use std::{path::Path, sync::Arc, time::Duration};

use crate::{
    auth::{password::Passwords, rate::Limiters},
    config::Config,
    db::Db,
    state::{AppState, Clock, SharedState},
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] db::OpenError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("database: {0}")]
    Db(#[from] error::AppError),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Ops(#[from] db::ops::OpsError),
    #[error(transparent)]
    Migrate(#[from] db::migrate::MigrateError),
    #[error("database {0} is damaged ({1}); run `kabinet check`, then `kabinet restore` a backup")]
    Corrupt(String, String),
    #[error("logo file {0}: {1}")]
    Logo(String, std::io::Error),
}

/// Opens the database (migrating it), seeds the demo data into a new database when asked,
/// and builds the shared state.
pub fn build_state(
    cfg: Config,
    db_path: &Path,
    seed_demo: bool,
) -> Result<SharedState, StartError> {
    cfg.validate()?;
    let mut cfg = cfg;
    if cfg.uploads.dir.is_none() {
        let base = db_path.parent().unwrap_or(Path::new(""));
        cfg.uploads.dir = Some(base.join("uploads"));
    }
    let tz = jiff::tz::TimeZone::get(&cfg.time_zone)
        .map_err(|e| config::ConfigError::Invalid(format!("time_zone: {e}")))?;
    let clock = Clock::default();
    if db_path.exists() {
        // A 0-byte or corrupt file is refused, never taken for a new install or migrated.
        let corrupt = |e: &rusqlite::Error| error::Storage::of(e) == Some(error::Storage::Corrupt);
        let problems = match db::ops::open_read_only(db_path) {
            Err(db::ops::OpsError::Sqlite { source, .. }) if corrupt(&source) => {
                vec![source.to_string()]
            }
            Err(e) => return Err(e.into()),
            Ok(c) => match db::check::quick(&c) {
                Err(e) if corrupt(&e) => vec![e.to_string()],
                r => r?,
            },
        };
        if !problems.is_empty() {
            return Err(StartError::Corrupt(
                db_path.display().to_string(),
                problems.join("; "),
            ));
        }
    } else {
        create_database(db_path, &cfg, seed_demo, &tz, clock.now())?;
    }
    let (db, _) = Db::open(db_path)?;
    let conn = db.get()?;
    app::credentials::ensure_unusable_hash(&conn)?;
    let demo = db::setting(&conn, "demo")?.as_deref() == Some("1");
    let mut cfg = cfg;
    cfg.documents.demo_data = demo;
    if !cfg.documents.requisites_ready() && cfg.documents.mode != config::DocumentsMode::Receive {
        tracing::warn!(
            "documents are not issued: [documents.operator] still holds the demo company's requisites; set the operator's own"
        );
    }
    let outbound = services::outbound::Outbound::new(&cfg.outbound);
    check_outbound_urls(&cfg, &outbound)?;
    let push = app::notify::load_push(&conn, &cfg, outbound.clone())?;
    let banners = domain::notify::Banners::default();
    banners.replace(app::notify::load_banners(&conn, clock.now())?);
    let csrf_key = match &cfg.security.csrf_key {
        Some(k) => key32(k),
        None => match db::setting(&conn, "csrf_key")? {
            Some(k) if k.len() == 64 => key32(&k),
            _ => {
                let mut k = [0u8; 32];
                rand::rng().fill_bytes(&mut k);
                db::set_setting(&conn, "csrf_key", &hex::encode(k))?;
                k
            }
        },
    };
    drop(conn);
    let logo = match &cfg.branding.logo {
        None => None,
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| StartError::Logo(p.clone(), e))?;
            let ext = p.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            let mime = match ext.as_str() {
                "svg" => "image/svg+xml",
                "png" => "image/png",
                "jpg" | "jpeg" => "image/jpeg",
                "webp" => "image/webp",
                _ => "application/octet-stream",
            };
            Some((mime.to_owned(), bytes))
        }
    };
    let money = services::payments::money::Money::new(&cfg, &db, &outbound);
    Ok(Arc::new(AppState {
        db,
        passwords: Passwords::new(cfg.limits.password_workers),
        limits: Limiters::new(&cfg.limits, &cfg.sms),
        budgets: auth::budget::Budgets::new(&cfg),
        tz,
        clock,
        csrf_key,
        demo,
        logo,
        ended_sessions: tokio::sync::broadcast::channel(256).0,
        access_changed: tokio::sync::broadcast::channel(64).0,
        passkeys: auth::passkey::Passkeys::new(&cfg.passkeys, &cfg.branding.name),
        chat: chat::hub::Hub::new(cfg.chat.outbound_queue),
        csp_violations: Default::default(),
        money,
        sms: services::sms::from_config(&cfg.sms, &outbound),
        outbound,
        throttles: Default::default(),
        chat_quota: chat::quota::ChatQuota::new(&cfg.chat),
        push,
        banners,
        cfg,
    }))
}

/// The gateways' URLs follow the outbound policy (https, no user info; `http://` only for a
/// host in `outbound.insecure_hosts`): refused at start, not at the first payment.
fn check_outbound_urls(
    cfg: &Config,
    outbound: &services::outbound::Outbound,
) -> Result<(), StartError> {
    let mut urls = Vec::new();
    if cfg.payments.provider == config::ProviderKind::Yookassa {
        urls.push(("payments.yookassa.api_url", &cfg.payments.yookassa.api_url));
    }
    if let Some(u) = &cfg.sms.url {
        urls.push(("sms.url", u));
    }
    for (key, url) in urls {
        if let Err(e) = outbound.parse(url) {
            return Err(config::ConfigError::Invalid(format!("{key} {url:?}: {e}")).into());
        }
    }
    Ok(())
}

/// A new database: schema, migrations and (when asked) the demo data, built in a temporary file
/// and linked into place complete, so a kill during the first start leaves no half database.
fn create_database(
    path: &Path,
    cfg: &Config,
    seed_demo: bool,
    tz: &jiff::tz::TimeZone,
    now: i64,
) -> Result<(), StartError> {
    let hash = seed_demo.then(|| auth::password::hash_now(db::demo::PASSWORD));
    db::ops::create_new(path, |c| -> Result<(), StartError> {
        db::configure(c)?;
        db::migrate::run(c)?;
        if let Some(hash) = &hash {
            db::demo::seed(c, tz, now, hash)?;
            // The demo data set's documents stand under the demo company by design.
            let mut demo_cfg = cfg.clone();
            demo_cfg.documents.demo_data = true;
            app::documents::seed_demo(c, &demo_cfg, tz, now)?;
            app::notify::seed_demo(c, now)?;
            tracing::info!("demo data seeded");
        }
        Ok(())
    })
}

fn key32(hex_key: &str) -> [u8; 32] {
    let mut k = [0u8; 32];
    if let Ok(b) = hex::decode(hex_key) {
        if b.len() == 32 {
            k.copy_from_slice(&b);
        }
    }
    k
}

/// Background payment jobs: pending re-check, autopay charges, e-mail delivery.
pub fn spawn_jobs(st: SharedState) -> tokio::task::JoinHandle<()> {
    app::jobs::spawn(st)
}

/// Twice a second: a write another process recorded (`kabinet import` on the same file)
/// invalidates every cached page at once (the caches cannot see another process's commits).
pub fn spawn_cache_watch(st: SharedState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        let mut seen = None;
        loop {
            tick.tick().await;
            seen = watch_external_writes(&st, seen).await;
        }
    })
}

/// One look at the writes other processes recorded since `seen` (the last look's answer);
/// returns this look's.
pub async fn watch_external_writes(
    st: &SharedState,
    seen: Option<Option<String>>,
) -> Option<Option<String>> {
    match st.db.external_writes().await {
        Ok(now) => {
            if seen.as_ref().is_some_and(|s| *s != now) {
                tracing::info!("another process wrote to the database: cached pages dropped");
                st.db.fresh().invalidate_all();
            }
            Some(now)
        }
        Err(e) => {
            tracing::warn!(error = %e, "external write check failed");
            seen
        }
    }
}

/// Periodic upkeep: forget idle rate-limit keys, delete expired sessions.
pub fn spawn_housekeeping(st: SharedState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            st.limits.housekeeping();
            st.budgets.housekeeping();
            st.throttles.housekeeping();
            st.chat_quota.housekeeping();
            st.money.express_ip.retain_recent();
            st.money.express_ip.shrink_to_fit();
            let now = st.clock.now();
            let idle = i64::from(st.cfg.sessions.idle_timeout_days) * 86_400;
            let max = i64::from(st.cfg.sessions.absolute_max_days) * 86_400;
            match st
                .db
                .run(move |c| Ok(db::sessions::purge_expired(c, now, idle, max)?))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    })
}
