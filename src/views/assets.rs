//! The embedded static files and their content-hash URLs (`/assets/app.css?v=…`), so every
//! page links a version that can be cached for a year.
use rust_embed::RustEmbed;
use std::{collections::HashMap, sync::OnceLock};

#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

fn versions() -> &'static HashMap<String, String> {
    static V: OnceLock<HashMap<String, String>> = OnceLock::new();
    V.get_or_init(|| {
        Assets::iter()
            .filter_map(|name| {
                let f = Assets::get(&name)?;
                Some((
                    name.to_string(),
                    hex::encode(&f.metadata.sha256_hash()[..6]),
                ))
            })
            .collect()
    })
}

/// URL of an embedded asset, carrying its content hash so it can be cached for a year.
pub fn asset_url(name: &str) -> String {
    match versions().get(name) {
        Some(v) => format!("/assets/{name}?v={v}"),
        None => format!("/assets/{name}"),
    }
}
