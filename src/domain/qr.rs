//! QR codes as inline SVG (server-side, no scripts or images needed).
use qrcode::{render::svg, EcLevel, QrCode};

/// An SVG QR code of `text`, ready to inline into HTML (no XML declaration, no styles).
pub fn svg(text: &str, label: &str) -> String {
    let code = match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) {
        Ok(c) => c,
        Err(_) => return String::new(),
    };
    let raw = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#1c1d22"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let body = raw.find("<svg").map_or(raw.as_str(), |i| &raw[i..]);
    let label = label.replace(['"', '<', '>', '&'], "");
    body.replacen(
        "<svg ",
        &format!(r#"<svg class="qr" role="img" aria-label="{label}" "#),
        1,
    )
}

/// [`svg`], remembered: the personal links on the main page are stable, so each is encoded
/// once rather than on every view (bounded; cleared when full).
pub fn svg_cached(text: &str, label: &str) -> std::sync::Arc<str> {
    use std::{
        collections::HashMap,
        sync::{Arc, Mutex, OnceLock},
    };
    type Memo = Mutex<HashMap<(String, String), Arc<str>>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    let key = (text.to_owned(), label.to_owned());
    if let Some(hit) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return hit;
    }
    let out: Arc<str> = svg(text, label).into();
    if let Ok(mut m) = memo.lock() {
        if m.len() >= 256 {
            m.clear();
        }
        m.insert(key, out.clone());
    }
    out
}
