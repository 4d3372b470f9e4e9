use clap::{Parser, Subcommand};
use std::{io::BufRead, path::PathBuf};

use kabinet::{build_state, config::Config, db};

/// mimalloc for Rust's allocations: under the mixed load glibc's malloc (arenas shared by the
/// runtime's and the blocking pool's threads, `malloc_consolidate`) took a sixth of the CPU,
/// and the scale benchmark's throughput rose by half with mimalloc (README, «Capacity»). Built
/// without transparent huge pages (`no_thp`), which held the RSS 70 MB higher. SQLite keeps
/// glibc's malloc (its page cache; see [`tune_malloc`]).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// kabinet — «Личный кабинет для бизнеса», a self-hosted customer portal for ISPs.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(
        long,
        env = "KABINET_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: String,
    /// SQLite database file (created if missing).
    #[arg(long, env = "KABINET_DB", default_value = "kabinet.db", global = true)]
    db: PathBuf,
    /// TOML config file (branding, time zone, cookies, limits, providers).
    #[arg(long, env = "KABINET_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Never seed demo data (use in production).
    #[arg(long, env = "KABINET_NO_DEMO", global = true)]
    no_demo: bool,
    /// Log format on stderr: `text` (default) or `json` (one JSON object a line, for log shippers).
    #[arg(long, env = "KABINET_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    log_format: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Create or update a staff account; the password is read from KABINET_STAFF_PASSWORD or stdin.
    CreateStaff {
        login: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "operator", value_parser = ["operator", "admin"])]
        role: String,
    },
    /// Write a consistent copy of the database to FILE (safe while the server runs).
    Backup { file: PathBuf },
    /// Replace the database with the backup FILE (checked first; refused while a server runs).
    Restore { file: PathBuf },
    /// Check the database: integrity, foreign keys, schema version, balances against the ledger.
    Check,
    /// Create a billing API token named NAME; prints it once (only its hash is stored).
    CreateApiToken { name: String },
    /// Revoke the billing API token named NAME (refused at once from then on).
    RevokeApiToken { name: String },
    /// Import billing data from a CSV file (all rows or none; errors listed by line).
    Import {
        #[arg(value_parser = ["contracts", "services", "ledger"])]
        what: String,
        file: PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    tune_malloc();
    let cli = Cli::parse();
    init_logs(cli.log_format == "json");
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kabinet: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let cfg = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cfg, cli.db, cli.listen, !cli.no_demo),
        Command::CreateStaff { login, name, role } => {
            let state = build_state(cfg, &cli.db, false)?;
            let password = match std::env::var("KABINET_STAFF_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("Password for {login}:");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if password.chars().count() < 10 {
                return Err("staff password must be at least 10 characters".into());
            }
            let hash = kabinet::auth::password::hash_now(&password);
            let c = state.db.get()?;
            let name = if name.is_empty() { login.clone() } else { name };
            let role = kabinet::domain::states::StaffRole::parse(&role).ok_or("unknown role")?;
            kabinet::db::staff::upsert(&c, &login, &name, &hash, role)?;
            kabinet::db::audit::system(&c, "staff.upsert", &login, "", "", state.clock.now())?;
            println!("staff account {login} ({role}) saved");
            Ok(())
        }
        Command::Backup { file } => {
            db::ops::backup(&cli.db, &file)?;
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { file } => {
            let report = db::ops::restore(&file, &cli.db)?;
            println!(
                "{} restored from {} ({} contracts, {} ledger entries, schema version {}); \
                 the replaced database is kept as {}",
                cli.db.display(),
                file.display(),
                report.contracts,
                report.ledger_entries,
                report.version,
                db::ops::sibling(&cli.db, ".before-restore").display()
            );
            Ok(())
        }
        Command::Check => check(&cli.db),
        Command::CreateApiToken { name } => {
            let state = build_state(cfg, &cli.db, false)?;
            let mut c = state.db.get()?;
            let token = db::api_tokens::create(
                &mut c,
                &name,
                &kabinet::auth::session::new_token(),
                state.clock.now(),
            )?;
            eprintln!("API token {name} created; it is shown only now, store it safely:");
            println!("{token}");
            Ok(())
        }
        Command::RevokeApiToken { name } => {
            let state = build_state(cfg, &cli.db, false)?;
            let mut c = state.db.get()?;
            db::api_tokens::revoke(&mut c, &name, state.clock.now())?;
            println!("API token {name} revoked");
            Ok(())
        }
        Command::Import { what, file } => {
            let kind = kabinet::import::Kind::parse(&what).ok_or("unknown import kind")?;
            let data = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let state = build_state(cfg, &cli.db, false)?;
            let mut c = state.db.get()?;
            match kabinet::import::import(&mut c, kind, &data, state.clock.now()) {
                Ok(s) if kind == kabinet::import::Kind::Services => {
                    println!(
                        "{}: {} services imported; the service lists of {} contracts replaced",
                        file.display(),
                        s.rows,
                        s.updated
                    );
                    Ok(())
                }
                Ok(s) => {
                    println!(
                        "{}: {} rows imported ({} created, {} updated, {} duplicate)",
                        file.display(),
                        s.rows,
                        s.created,
                        s.updated,
                        s.duplicates
                    );
                    Ok(())
                }
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    Err(format!("{} error(s); nothing was imported", errors.len()).into())
                }
            }
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KABINET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs on stderr: stdout carries what commands print (the URL and demo logins, a new
    // API token), so it stays clean for scripts. Colours only on a terminal.
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        // Every field value escaped: user text cannot forge a log line or drive a terminal.
        fmt.fmt_fields(kabinet::net::logsafe::fields())
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

/// For SQLite's allocations (glibc malloc; Rust's go to mimalloc): glibc keeps freed large
/// blocks per thread arena and raises its mmap threshold after each big free. A fixed
/// threshold makes big blocks plain mmaps that go back to the OS on free.
/// Transparent huge pages are off for the process: on a host where they are `always`, each
/// touched 2 MiB region would count whole in the RSS.
fn tune_malloc() {
    // mimalloc returns freed memory to the OS after `purge_delay` (1 s by default): argon2's
    // 19 MiB blocks then stayed resident between logins (the load benchmark's RSS 57 → 83 MB).
    // At 0 it returns it at once, as glibc did for them; the scale benchmark showed no cost.
    // Set only while it is still the default: `MIMALLOC_PURGE_DELAY` in the environment wins.
    // (the option's number in mimalloc.h, v3: not exported by libmimalloc-sys)
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_get/set only read and write mimalloc's option table; called before
    // any other thread starts (they are not thread safe).
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == 1000 {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt and prctl only change allocator and paging parameters; called before any
    // other thread starts.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        // A fixed mmap threshold also freezes the trim threshold at 128 KiB, which would
        // shrink and regrow the heap under load; keep up to 16 MiB of free heap instead.
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 * 1024 * 1024);
        // One arena per core: the blocking pool's threads (SQLite) would otherwise each get
        // an arena of their own, and each keeps its free heap (the scale benchmark's RSS
        // grew by tens of MB that way).
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// `kabinet check`: prints what was checked; any problem is an error (exit status 1).
fn check(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let c = db::ops::open_read_only(path)?;
    let r = db::check::run(&c)?;
    for note in &r.notes {
        println!("note: {note}");
    }
    for p in &r.problems {
        println!("problem: {p}");
    }
    if !r.ok() {
        return Err(format!("{}: {} problem(s) found", path.display(), r.problems.len()).into());
    }
    println!(
        "{}: ok (integrity, foreign keys, schema version {}, {} contracts' balances equal their {} ledger entries)",
        path.display(),
        r.version,
        r.contracts,
        r.ledger_entries
    );
    Ok(())
}

fn serve(
    cfg: Config,
    db_path: PathBuf,
    listen: String,
    seed_demo: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    // Blocking work is SQLite through a pool of 16 connections, plus a few slower calls
    // (password hashing, the payment gateway): tokio's default of 512 blocking threads would
    // only add stacks and allocator heaps (32 held the scale benchmark's RSS 15 MB higher).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(20)
        .build()?;
    if !seed_demo {
        cfg.check_production()?;
    }
    // Held while serving: `kabinet restore` refuses to replace the file under a running server.
    let _lock = db::ops::ServerLock::acquire(&db_path)?;
    rt.block_on(async move {
        let fd_limit = kabinet::net::rlimit::raise_nofile();
        let opts = kabinet::net::server::Options::from_config(&cfg.server, fd_limit)
            .behind_proxies(&cfg.security);
        tracing::info!(
            fd_limit = fd_limit.unwrap_or(0),
            max_connections = opts.max_connections,
            "connection cap set below the open-file limit"
        );
        if opts.max_connections < cfg.server.max_connections {
            tracing::warn!(
                configured = cfg.server.max_connections,
                max_connections = opts.max_connections,
                "server.max_connections lowered to fit the open-file limit (raise LimitNOFILE)"
            );
        }
        let state = build_state(cfg, &db_path, seed_demo)?;
        kabinet::spawn_housekeeping(state.clone());
        kabinet::spawn_cache_watch(state.clone());
        kabinet::spawn_jobs(state.clone());
        let demo = state.demo;
        let app = kabinet::app(state);
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let url = format!("http://{listen}/");
        let loopback = listener.local_addr().is_ok_and(|a| a.ip().is_loopback());
        println!(
            "kabinet is running at {url}  (database: {})",
            db_path.display()
        );
        if demo && !loopback {
            tracing::warn!(
                listen = %listen,
                "DEMO DATA on a public address: anyone can log in with the demo passwords. \
                 Start with a new database and --no-demo for production (see README, «Leaving demo mode»)"
            );
            eprintln!(
                "WARNING: demo data is active and kabinet listens on {listen}, not on loopback: \
                 the demo logins below work for anyone who can reach it. Use a new database and --no-demo in production."
            );
        }
        if demo {
            println!("demo logins:");
            println!(
                "  subscriber  {} / {}",
                db::demo::MAIN_CONTRACT,
                db::demo::PASSWORD
            );
            println!(
                "  by phone    +7 927 123-42-49 (the SMS code is shown on screen in demo mode)"
            );
            println!(
                "  staff       {} / {}  (admin: {} / {})  at {url}staff",
                db::demo::STAFF_LOGIN,
                db::demo::PASSWORD,
                db::demo::ADMIN_LOGIN,
                db::demo::PASSWORD
            );
        }
        kabinet::net::server::serve(listener, app, opts, shutdown_signal()).await?;
        println!("kabinet stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
