//! Uploaded story images, served publicly at `/story-images/<name>`.
use poem::{
    handler,
    http::header,
    web::{Data, Path},
    Response,
};

use super::stories::dir;
use crate::{error::AppError, state::SharedState};

/// A valid stored image name: 32 hex digits and a known extension.
fn image_name_ok(name: &str) -> bool {
    match name.split_once('.') {
        Some((stem, ext)) => {
            stem.len() == 32
                && stem.bytes().all(|b| b.is_ascii_hexdigit())
                && matches!(ext, "png" | "jpg" | "webp")
        }
        None => false,
    }
}

/// Uploaded story images, public (the names are random; the pictures are marketing material
/// shown to every subscriber).
#[handler]
pub async fn story_image(
    Data(st): Data<&SharedState>,
    Path(name): Path<String>,
) -> poem::Result<Response> {
    if !image_name_ok(&name) {
        return Err(AppError::NotFound.into());
    }
    let path = dir(st).join(&name);
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|_| AppError::NotFound)?;
    let ct = match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    };
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, ct)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(bytes))
}
