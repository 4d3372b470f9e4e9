//! Embedded static files with content-hash URLs (`/assets/app.css?v=…`) and long caching.
use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Path},
    IntoResponse, Request, Response,
};

use crate::{state::SharedState, views::assets::Assets};

#[handler]
pub fn asset(Path(path): Path<String>, req: &Request) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..8]));
    let cache = if req.uri().query().is_some_and(|q| q.starts_with("v=")) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    if req.header(header::IF_NONE_MATCH) == Some(etag.as_str()) {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .header(header::CACHE_CONTROL, cache)
            .finish();
    }
    Response::builder()
        .header(header::CONTENT_TYPE, file.metadata.mimetype())
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache)
        .body(file.data.into_owned())
}

/// Brand colours from the config, as CSS custom properties.
#[handler]
pub fn branding_css(Data(st): Data<&SharedState>) -> Response {
    let c = &st.cfg.branding.primary_color;
    Response::builder()
        .header(header::CONTENT_TYPE, "text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(format!(":root{{--brand:{c};}}\n"))
}

/// The configured logo file (read once at start).
#[handler]
pub fn branding_logo(Data(st): Data<&SharedState>) -> Response {
    match &st.logo {
        Some((mime, bytes)) => Response::builder()
            .header(header::CONTENT_TYPE, mime.as_str())
            .header(header::CACHE_CONTROL, "public, max-age=300")
            .body(bytes.clone()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
