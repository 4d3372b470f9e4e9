//! The HTML shell every page shares.
use crate::routes::ids;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::{routes, views::assets::asset_url, views::Ctx};

/// htmx settings: no eval, no injected styles, same-origin requests only, no history cache.
/// 422 (validation) and error responses are swapped too (errors go to the toast area).
const HTMX_CONFIG: &str = r#"{"allowEval":false,"includeIndicatorStyles":false,"selfRequestsOnly":true,"historyCacheSize":0,"allowScriptTags":false,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},{"code":"429","swap":true},{"code":"[45]..","swap":true,"error":true}]}"#;

pub struct Page<'a> {
    pub st: &'a Ctx<'a>,
    pub title: &'a str,
    pub csrf: &'a str,
    pub body_class: &'a str,
}

pub fn page(p: &Page, content: Markup) -> Markup {
    let brand = &p.st.cfg.branding.name;
    let csrf_headers = format!(r#"{{"X-CSRF-Token":"{}"}}"#, p.csrf);
    html! {
        (DOCTYPE)
        html lang="ru" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=(HTMX_CONFIG);
                meta name="color-scheme" content="light";
                title { (p.title) " — " (brand) }
                link rel="icon" href=(asset_url("favicon.svg")) type="image/svg+xml";
                link rel="manifest" href=(routes::MANIFEST);
                meta name="theme-color" content=(p.st.cfg.branding.primary_color);
                link rel="apple-touch-icon" href=(routes::APP_ICON);
                link rel="stylesheet" href=(asset_url("app.css"));
                link rel="stylesheet" href=(asset_url("screens.css"));
                link rel="stylesheet" href=(asset_url("documents.css"));
                link rel="stylesheet" href=(asset_url("notify.css"));
                link rel="stylesheet" href=(asset_url("users.css"));
                @if p.body_class == "staff" {
                    link rel="stylesheet" href=(asset_url("staff.css"));
                }
                link rel="stylesheet" href=(asset_url("a11y.css"));
                link rel="stylesheet" href=(routes::BRANDING_CSS);
                script src=(asset_url("vendor/htmx-2.0.11.min.js")) defer {}
                script src=(asset_url("app.js")) defer {}
                script src=(asset_url("pwa.js")) defer {}
                script src=(asset_url("a11y.js")) defer {}
                @if p.body_class != "staff" {
                    // Passkeys (issue 15): delegated handlers, so it also serves modal content.
                    script src=(asset_url("passkey.js")) defer {}
                }
            }
            body class=(p.body_class) hx-headers=(csrf_headers) {
                a .skip-link href="#main" { "Перейти к содержимому" }
                @if p.st.test_payments() {
                    p .test-mode-banner role="status" {
                        strong { "Тестовый режим оплаты" }
                        " — платежи проходят через тестовый шлюз: деньги не списываются и не зачисляются по-настоящему."
                    }
                }
                (content)
                div id=(ids::MODAL) {}
                div id=(ids::TOASTS) .toasts aria-live="polite" {}
            }
        }
    }
}

/// The operator's logo (configured file or the built-in mark) and name.
pub fn brand(st: &Ctx, with_slogan: bool) -> Markup {
    let b = &st.cfg.branding;
    html! {
        a .brand href=(routes::HOME) {
            @if b.logo.is_some() {
                img .brand-logo src=(routes::BRANDING_LOGO) alt="";
            } @else {
                span .brand-mark aria-hidden="true" { (PreEscaped(crate::views::components::LOGO_SVG)) }
            }
            span .brand-text {
                span .brand-name { (b.name) }
                @if with_slogan && !b.slogan.is_empty() { span .brand-slogan { (b.slogan) } }
            }
        }
    }
}
