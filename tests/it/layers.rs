//! The layers of DESIGN.md hold: data flows one way (web → app → db/domain; views render;
//! services deliver). This reads `src/**` as text and fails when a lower layer reaches up.
use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// Every top-level module of the crate.
const TOP: &[&str] = &[
    "app", "auth", "chat", "config", "db", "domain", "error", "import", "net", "routes",
    "services", "state", "views", "web",
];

/// (layer, the top modules it may not import). `crate::x` paths are checked anywhere in the
/// code, not only in `use` lines.
fn forbidden(layer: &str) -> Vec<&'static str> {
    let all_but = |keep: &[&str]| -> Vec<&'static str> {
        TOP.iter().copied().filter(|m| !keep.contains(m)).collect()
    };
    match layer {
        "domain" => all_but(&["domain"]),
        "routes" => all_but(&["routes", "domain"]),
        "error" => all_but(&["error"]),
        "config" => all_but(&["config", "domain"]),
        "db" => all_but(&["db", "domain", "error"]),
        "views" => vec![
            "app", "auth", "chat", "db", "import", "services", "state", "web",
        ],
        "services" => vec!["app", "views", "web", "import", "net", "state"],
        "auth" => vec![
            "app", "views", "web", "services", "chat", "import", "state", "net",
        ],
        "chat" => vec!["app", "views", "web", "import", "net"],
        "state" => vec!["app", "views", "web", "import", "net"],
        "app" => vec!["views", "web", "import", "net"],
        "import" => vec!["views", "web"],
        _ => vec![],
    }
}

/// External crates `domain/` may use: pure ones, no I/O, no storage, no HTTP.
const DOMAIN_CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "serde",
    "serde_json",
    "jiff",
    "thiserror",
    "sha2",
    "hex",
    "qrcode",
    "form_urlencoded",
];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code without comments, and with string and char literals emptied (so a path or a
/// word inside a string does not count), keeping the strings aside for the SQL check.
fn strip(src: &str) -> (String, Vec<String>) {
    let b: Vec<char> = src.chars().collect();
    let (mut code, mut strings) = (String::new(), Vec::new());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&b, i) {
            // raw string r"…" / r#"…"#
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            if j < b.len() && b[j] == '"' {
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let rest: String = b[j + 1..].iter().collect();
                let end = rest.find(&close).unwrap_or(rest.len());
                strings.push(rest[..end].to_owned());
                code.push_str("\"\"");
                i = j + 1 + rest[..end].chars().count() + close.chars().count();
            } else {
                code.push(c);
                i += 1;
            }
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    s.push(b[i]);
                    i += 1;
                }
                if i < b.len() {
                    s.push(b[i]);
                }
                i += 1;
            }
            i += 1;
            strings.push(s);
            code.push_str("\"\"");
        } else if c == '\'' && next.is_some() && b.get(i + 2) == Some(&'\'') {
            code.push_str("' '");
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            let mut j = i + 2;
            while j < b.len() && b[j] != '\'' {
                j += 1;
            }
            code.push_str("' '");
            i = j + 1;
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn ident_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Top-level crate modules named by `crate::…` paths, `crate::{a, b::c}` groups included.
fn crate_imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `$crate::` or `mycrate::`
        }
        let tail = rest.trim_start();
        if let Some(group) = tail.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || !item.is_empty() {
                    item.push(c);
                }
            }
            items.push(item);
            for it in items {
                let name = ident_at(it.trim());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name = ident_at(tail);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Dependencies of the package (from Cargo.toml), as Rust names.
fn dependencies() -> Vec<String> {
    let toml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let mut deps = Vec::new();
    let mut on = false;
    for line in toml.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            on = l.ends_with("dependencies]") && !l.contains("dev-");
            continue;
        }
        if on {
            if let Some((name, _)) = l.split_once('=') {
                let n = name.trim().replace('-', "_");
                if !n.is_empty() && !n.starts_with('#') {
                    deps.push(n);
                }
            }
        }
    }
    deps
}

/// External crates (of the package's dependencies) that the code names as a path head.
fn external_uses(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let chars: Vec<char> = code.chars().collect();
    for dep in dependencies() {
        let pat: Vec<char> = format!("{dep}::").chars().collect();
        let mut i = 0;
        while i + pat.len() <= chars.len() {
            if chars[i..i + pat.len()] == pat[..] {
                let before = if i == 0 { ' ' } else { chars[i - 1] };
                if !(before.is_alphanumeric() || before == '_' || before == ':' || before == '.') {
                    found.insert(dep.clone());
                }
            }
            i += 1;
        }
    }
    found
}

/// The top-level module a file belongs to (`src/db/x.rs` → `db`, `src/state.rs` → `state`).
fn layer_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// What the rules say about one file's text, as readable lines.
fn violations(layer: &str, text: &str) -> Vec<String> {
    let (code, strings) = strip(text);
    let mut out = Vec::new();
    let bad = forbidden(layer);
    for m in crate_imports(&code) {
        if bad.contains(&m.as_str()) {
            out.push(format!("{layer} imports crate::{m}"));
        }
    }
    if code.contains("super::super") && !["web", "views"].contains(&layer) {
        out.push(format!("{layer} reaches up with super::super"));
    }
    if layer == "domain" {
        for c in external_uses(&code) {
            if !DOMAIN_CRATES.contains(&c.as_str()) {
                out.push(format!("domain uses the crate {c}"));
            }
        }
    }
    if layer != "db" {
        // The shared error type and the start-up code may name rusqlite's error type.
        if code.contains("rusqlite") && !["error", "top"].contains(&layer) {
            out.push(format!("{layer} uses rusqlite (storage belongs in db/)"));
        }
        for s in &strings {
            if looks_like_sql(s) {
                out.push(format!(
                    "{layer} holds SQL: {}",
                    s.chars().take(60).collect::<String>()
                ));
            }
        }
    }
    out
}

fn looks_like_sql(s: &str) -> bool {
    let up = s.trim_start().to_ascii_uppercase();
    let starts = [
        "SELECT ",
        "INSERT INTO",
        "INSERT OR",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
        "CREATE INDEX",
        "PRAGMA ",
        "BEGIN",
        "WITH ",
    ];
    starts.iter().any(|k| up.starts_with(k))
        && (up.contains(" FROM ")
            || up.contains(" SET ")
            || up.contains("INTO ")
            || up.starts_with("PRAGMA")
            || up.starts_with("CREATE")
            || up.starts_with("BEGIN"))
}

#[test]
fn lower_layers_never_import_upper_ones_and_sql_stays_in_db() {
    let src = src_dir();
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    let mut all = Vec::new();
    for f in &files {
        let layer = layer_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let l = if layer == "lib" || layer == "main" {
            "top"
        } else {
            &layer
        };
        for v in violations(l, &text) {
            all.push(format!("{}: {v}", f.strip_prefix(&src).unwrap().display()));
        }
    }
    assert!(all.is_empty(), "layer rules broken:\n{}", all.join("\n"));
}

/// The checker itself: each of the cycles the structure issue listed is caught.
#[test]
fn the_layer_check_catches_the_known_cycles() {
    let cases = [
        (
            "db",
            "use crate::services::mail;\nfn f() { mail::queue(); }",
        ),
        (
            "db",
            "use crate::{domain::x, services::{mail, payments::SavedMethod}};",
        ),
        (
            "db",
            "fn f() { let h = crate::auth::password::hash_now(\"x\"); }",
        ),
        ("db", "use crate::services::sms::Delivery;"),
        ("services", "use crate::{db::Db, web::paths};"),
        ("domain", "use crate::db::billing;"),
        ("domain", "use rusqlite::Connection;"),
        (
            "state",
            "pub struct S { c: crate::web::main_page::BlocksCache }",
        ),
        (
            "views",
            "use crate::{db::account_links::Linked, web::paths};",
        ),
        ("views", "use crate::state::AppState;"),
        ("config", "pub use crate::chat::settings::{hhmm, Chat};"),
        (
            "web",
            "fn f(c: &C) { c.execute(\"INSERT INTO audit_log(a) VALUES (1)\", []); }",
        ),
        (
            "app",
            "fn f() { let q = \"SELECT id FROM contracts WHERE number = ?1\"; }",
        ),
    ];
    for (layer, text) in cases {
        assert!(
            !violations(layer, text).is_empty(),
            "not caught in {layer}: {text}"
        );
    }
    // …and clean code passes: strings, comments and other crates' `crate::` do not count.
    let clean = "// use crate::web::x;\nuse crate::{domain::money, error::AppError};\nconst S: &str = \"crate::web::paths\";\n";
    assert!(
        violations("db", clean).is_empty(),
        "{:?}",
        violations("db", clean)
    );
}

/// The scripts look up only DOM ids that the Rust side declares (`routes::ids`), so renaming
/// one in a view cannot silently break `assets/*.js`.
#[test]
fn ids_the_scripts_use_are_declared_shared_constants() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut missing = Vec::new();
    for name in ["app.js", "chat.js", "a11y.js"] {
        let js = std::fs::read_to_string(assets.join(name)).unwrap();
        let mut rest = js.as_str();
        while let Some(at) = rest.find("\"#") {
            rest = &rest[at + 2..];
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !id.is_empty()
                && rest[id.len()..].starts_with('"')
                && !kabinet::routes::ids::ALL.contains(&id.as_str())
            {
                missing.push(format!("{name}: #{id}"));
            }
        }
        for marker in ["getElementById(\"", "getElementById('"] {
            let mut rest = js.as_str();
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let id: String = rest
                    .chars()
                    .take_while(|c| *c != '"' && *c != '\'')
                    .collect();
                if !kabinet::routes::ids::ALL.contains(&id.as_str()) {
                    missing.push(format!("{name}: getElementById({id})"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ids used by scripts but not in routes::ids:\n{}",
        missing.join("\n")
    );
}

/// No two top-level modules import each other, directly or through others.
#[test]
fn top_modules_have_no_import_cycles() {
    let src = src_dir();
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut edges: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for f in &files {
        let layer = layer_of(&src, f);
        if layer == "lib" || layer == "main" {
            continue;
        }
        let (code, _) = strip(&std::fs::read_to_string(f).unwrap());
        for m in crate_imports(&code) {
            if m != layer && TOP.contains(&m.as_str()) {
                edges.entry(layer.clone()).or_default().insert(m);
            }
        }
    }
    // Depth-first search for a path back to the start.
    fn reaches(
        edges: &std::collections::BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> bool {
        for next in edges.get(from).into_iter().flatten() {
            if next == to {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if reaches(edges, next, to, seen, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    for start in edges.keys() {
        let mut path = vec![start.clone()];
        let found = reaches(&edges, start, start, &mut BTreeSet::new(), &mut path);
        assert!(!found, "import cycle: {}", path.join(" → "));
    }
}

/// The close codes `assets/chat.js` acts on are the ones the server sends (`chat::close`).
#[test]
fn close_codes_the_chat_script_handles_are_the_servers() {
    let js = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/chat.js"))
        .unwrap();
    let mut rest = js.as_str();
    let mut seen = 0;
    while let Some(at) = rest.find("e.code === ") {
        rest = &rest[at + "e.code === ".len()..];
        let code: u16 = rest
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap();
        assert!(
            kabinet::chat::close::ALL.contains(&code),
            "chat.js handles close code {code}, which the server never sends"
        );
        seen += 1;
    }
    assert!(
        seen >= 2,
        "chat.js should act on the session-ended and contract-gone codes"
    );
}
