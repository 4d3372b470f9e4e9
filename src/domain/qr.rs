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
