//! The installable app: the web app manifest (from branding), the service worker (the shell
//! and asset URLs filled in), the offline page and the app icon. All from 'self', so the
//! strict CSP stays as it is.
use poem::{handler, http::header, web::Data, Response};

use crate::{routes, state::SharedState, views::assets::asset_url};

/// The files the service worker keeps for offline use.
fn shell() -> Vec<String> {
    let mut v = vec![routes::OFFLINE.to_owned(), routes::APP_ICON.to_owned()];
    v.push(routes::BRANDING_CSS.to_owned());
    for a in [
        "app.css",
        "screens.css",
        "documents.css",
        "notify.css",
        "favicon.svg",
        "vendor/htmx-2.0.11.min.js",
        "app.js",
        "pwa.js",
    ] {
        v.push(asset_url(a));
    }
    v
}

#[handler]
pub fn manifest(Data(st): Data<&SharedState>) -> Response {
    let b = &st.cfg.branding;
    let short: String = b.name.chars().take(12).collect();
    let m = serde_json::json!({
        "name": b.name,
        "short_name": short,
        "description": b.slogan,
        "lang": "ru",
        "dir": "ltr",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": b.primary_color,
        "icons": [
            { "src": routes::APP_ICON, "sizes": "any", "type": "image/svg+xml", "purpose": "any" },
            { "src": format!("{}?maskable", routes::APP_ICON), "sizes": "any", "type": "image/svg+xml", "purpose": "maskable" }
        ]
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/manifest+json")
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(m.to_string())
}

#[handler]
pub fn service_worker(Data(st): Data<&SharedState>) -> Response {
    let shell = shell();
    let template = crate::views::assets::Assets::get("sw.js")
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .unwrap_or_default();
    // The version changes with any shell file or the branding (colour, name).
    let version = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(shell.join("\n"));
        h.update(&st.cfg.branding.name);
        h.update(&st.cfg.branding.primary_color);
        hex::encode(&h.finalize()[..6])
    };
    let js = template
        .replace("__VERSION__", &version)
        .replace(
            "__SHELL__",
            &serde_json::to_string(&shell).unwrap_or_else(|_| "[]".into()),
        )
        .replace("__OFFLINE__", routes::OFFLINE)
        .replace("__ICON__", routes::APP_ICON);
    Response::builder()
        .header(header::CONTENT_TYPE, "text/javascript; charset=utf-8")
        // Browsers re-check the worker at most daily anyway; never cache it longer.
        .header(header::CACHE_CONTROL, "no-cache")
        .body(js)
}

#[handler]
pub fn offline(Data(st): Data<&SharedState>) -> maud::Markup {
    crate::views::notify::offline(&crate::web::ctx(st))
}

/// A square icon in the brand colour with the operator's initial (any size: SVG).
#[handler]
pub fn icon(Data(st): Data<&SharedState>) -> Response {
    let b = &st.cfg.branding;
    let initial: String = b
        .name
        .chars()
        .find(|c| c.is_alphanumeric())
        .unwrap_or('К')
        .to_uppercase()
        .collect();
    let esc = maud::html! { (initial) }.into_string();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512"><rect width="512" height="512" fill="{c}"/><text x="256" y="256" dy=".35em" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-weight="700" font-size="280" fill="#ffffff">{esc}</text></svg>"##,
        c = b.primary_color
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "image/svg+xml")
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(svg)
}
