//! Small shared pieces: icons, form fields, toasts.
use crate::routes::ids;
use maud::{html, Markup};

pub const LOGO_SVG: &str = r##"<svg viewBox="0 0 32 32" width="32" height="32" focusable="false"><rect width="32" height="32" rx="9" fill="currentColor"/><path d="M9 22V10h3v5l5-5h4l-6 6 6.5 6H17l-5-4.7V22z" fill="#fff"/></svg>"##;

pub const GEAR_SVG: &str = r#"<svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true"><path fill="currentColor" d="M19.14 12.94a7.1 7.1 0 0 0 .05-.94 7.1 7.1 0 0 0-.05-.94l2.03-1.58a.5.5 0 0 0 .12-.64l-1.92-3.32a.5.5 0 0 0-.6-.22l-2.39.96a7.03 7.03 0 0 0-1.62-.94l-.36-2.54A.5.5 0 0 0 13.9 2h-3.84a.5.5 0 0 0-.49.42l-.36 2.54c-.59.24-1.13.56-1.62.94l-2.39-.96a.5.5 0 0 0-.6.22L2.68 8.48a.5.5 0 0 0 .12.64l2.03 1.58a7.3 7.3 0 0 0 0 1.88l-2.03 1.58a.5.5 0 0 0-.12.64l1.92 3.32c.13.22.39.3.6.22l2.39-.96c.49.38 1.03.7 1.62.94l.36 2.54c.05.24.25.42.49.42h3.84c.24 0 .45-.18.49-.42l.36-2.54c.59-.24 1.13-.56 1.62-.94l2.39.96c.22.08.47 0 .6-.22l1.92-3.32a.5.5 0 0 0-.12-.64zM12 15.5A3.5 3.5 0 1 1 12 8.5a3.5 3.5 0 0 1 0 7z"/></svg>"#;

pub const LOGOUT_SVG: &str = r#"<svg viewBox="0 0 24 24" width="20" height="20" focusable="false" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9"/></svg>"#;

pub const PIN_SVG: &str = r#"<svg viewBox="0 0 24 24" width="18" height="18" focusable="false" aria-hidden="true"><path fill="currentColor" d="M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z"/></svg>"#;

/// A labelled input with an optional inline error.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub autocomplete: &'a str,
    pub error: Option<&'a str>,
    pub required: bool,
}

pub fn field(f: &Field) -> Markup {
    let id = format!("f-{}", f.name);
    let err_id = format!("{id}-error");
    html! {
        div .field .has-error[f.error.is_some()] {
            label for=(id) { (f.label) }
            input id=(id) name=(f.name) type=(f.kind) value=(f.value) autocomplete=(f.autocomplete)
                required[f.required] aria-invalid=[f.error.map(|_| "true")]
                aria-describedby=[f.error.map(|_| err_id.as_str())];
            @if let Some(e) = f.error { p .field-error id=(err_id) { (e) } }
        }
    }
}

pub fn toast(kind: &str, text: &str) -> Markup {
    html! { div .toast .(kind) role="status" { (text) } }
}

pub fn csrf_input(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// A modal dialog fragment. Swap it into `#modal` (`hx-target=(ids::MODAL_SEL)`); app.js opens it
/// with `showModal()`; the × button closes it natively (`form method="dialog"`).
pub fn modal(id: &str, title: &str, body: Markup) -> Markup {
    let title_id = format!("{id}-title");
    html! {
        dialog .modal #(id) data-modal aria-labelledby=(title_id) {
            header .modal-head {
                h2 id=(title_id) { (title) }
                form method="dialog" {
                    button .modal-close type="submit" aria-label="Закрыть" { "×" }
                }
            }
            div .modal-body { (body) }
        }
    }
}

/// Out-of-band swap that closes whatever modal is open.
pub fn close_modal_oob() -> Markup {
    html! { div id=(ids::MODAL) hx-swap-oob="innerHTML" {} }
}

/// Out-of-band toast, e.g. after a successful form in a modal.
pub fn toast_oob(kind: &str, text: &str) -> Markup {
    html! { div id=(ids::TOASTS) hx-swap-oob="beforeend" { (toast(kind, text)) } }
}
