//! The one form component that renders every contract action from its definition.
use maud::{html, Markup};

use super::components::modal;
use crate::{
    domain::services::Tariff,
    domain::{
        actions::{ActionDef, FieldDef, Kind},
        money,
        validate::{parse_date, Errors, Values},
    },
    routes,
};

pub struct FormCtx<'a> {
    pub tariffs: &'a [Tariff],
    pub today: jiff::civil::Date,
    pub max_mb: u32,
    pub currency: &'a str,
}

/// What the form shows besides the definition: typed values, inline errors and an optional
/// message for the whole form (e.g. a duplicate request with a link to it).
#[derive(Default)]
pub struct FormState<'a> {
    pub values: Option<&'a Values>,
    pub errors: Option<&'a Errors>,
    pub notice: Option<Markup>,
}

pub fn action_modal(def: &ActionDef, ctx: &FormCtx, state: &FormState) -> Markup {
    modal("action-modal", def.title, action_form(def, ctx, state))
}

pub fn action_form(def: &ActionDef, ctx: &FormCtx, state: &FormState) -> Markup {
    let url = routes::action(def.code);
    let multipart = def.has_file();
    html! {
        form #action-form .form method="post" action=(url) hx-post=(url) hx-target="this" hx-swap="outerHTML"
            hx-encoding=[multipart.then_some("multipart/form-data")]
            enctype=[multipart.then_some("multipart/form-data")] novalidate {
            p .form-lead { "Заполните параметры ниже и оставьте заявку. Мы свяжемся с Вами." }
            @if let Some(n) = &state.notice { div .form-error role="alert" { (n) } }
            @if state.errors.is_some_and(|e| !e.is_empty()) {
                p .sr-only role="alert" { "Проверьте поля, отмеченные красным" }
            }
            @for f in def.fields { (field(f, ctx, state)) }
            p .required-note { "* Обязательные поля" }
            div .modal-actions {
                button .btn .btn-primary type="submit" { "Оставить заявку" }
            }
        }
    }
}

fn field(f: &FieldDef, ctx: &FormCtx, state: &FormState) -> Markup {
    let id = format!("af-{}", f.name);
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = state.errors.and_then(|e| e.get(f.name)).map(String::as_str);
    let raw = state
        .values
        .and_then(|v| v.get(f.name))
        .map(String::as_str)
        .unwrap_or("");
    let hint = match f.kind {
        Kind::File if f.hint.is_empty() => format!("PDF, JPG или PNG, до {} МБ", ctx.max_mb),
        Kind::File => format!("{}, до {} МБ", f.hint, ctx.max_mb),
        _ => f.hint.to_owned(),
    };
    let described = match (error.is_some(), hint.is_empty()) {
        (true, true) => Some(err_id.clone()),
        (true, false) => Some(format!("{hint_id} {err_id}")),
        (false, false) => Some(hint_id.clone()),
        (false, true) => None,
    };
    let invalid = error.map(|_| "true");
    html! {
        div .field .has-error[error.is_some()] {
            label for=(id) { (f.label) @if f.required { span .req { "*" } } }
            @match f.kind {
                Kind::Textarea => {
                    textarea id=(id) name=(f.name) rows="3" required[f.required] aria-invalid=[invalid]
                        aria-describedby=[described.as_deref()] { (raw) }
                }
                Kind::Select(opts) => {
                    select id=(id) name=(f.name) required[f.required] aria-invalid=[invalid]
                        aria-describedby=[described.as_deref()] {
                        option value="" { "Выберите…" }
                        @for (code, label) in opts {
                            option value=(code) selected[raw == *code] { (label) }
                        }
                    }
                }
                Kind::Tariff => {
                    select id=(id) name=(f.name) required[f.required] aria-invalid=[invalid]
                        aria-describedby=[described.as_deref()] {
                        option value="" { "Выберите тариф…" }
                        @for (kind, group) in [("internet", "Интернет"), ("tv", "Телевидение"), ("phone", "Телефония")] {
                            @let list: Vec<&Tariff> = ctx.tariffs.iter().filter(|t| t.kind == kind).collect();
                            @if !list.is_empty() {
                                optgroup label=(group) {
                                    @for t in list {
                                        @let v = t.id.to_string();
                                        option value=(v) selected[raw == v] {
                                            (t.name) " — " (money::format(t.price_kop, ctx.currency)) "\u{2060}/мес"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Kind::File => {
                    input id=(id) name=(f.name) type="file" required[f.required]
                        accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                        aria-invalid=[invalid] aria-describedby=[described.as_deref()];
                }
                Kind::Date => {
                    @let v = parse_date(raw).map(|d| d.to_string()).unwrap_or_else(|| raw.to_owned());
                    input id=(id) name=(f.name) type="date" value=(v) min=(ctx.today.to_string())
                        required[f.required] aria-invalid=[invalid] aria-describedby=[described.as_deref()];
                }
                _ => {
                    @let (ty, auto, mode) = match f.kind {
                        Kind::Phone => ("tel", "tel", "tel"),
                        Kind::Email => ("email", "email", "email"),
                        Kind::Inn => ("text", "off", "numeric"),
                        _ => ("text", "off", "text"),
                    };
                    input id=(id) name=(f.name) type=(ty) value=(raw) autocomplete=(auto) inputmode=(mode)
                        required[f.required] aria-invalid=[invalid] aria-describedby=[described.as_deref()];
                }
            }
            @if !hint.is_empty() { p .field-hint id=(hint_id) { (keep_phone_whole(&hint)) } }
            @if f.kind == Kind::File && error.is_none() && state.errors.is_some_and(|e| !e.is_empty()) {
                p .field-hint .attention { "Браузер не сохраняет выбранный файл — приложите его ещё раз" }
            }
            @if let Some(e) = error { p .field-error id=(err_id) { (keep_phone_whole(e)) } }
        }
    }
}

/// «Например, +7 912 345-67-89»: the example phone never breaks across lines.
pub fn keep_phone_whole(text: &str) -> Markup {
    match text.find("+7") {
        Some(i) => html! { (text[..i]) span .nowrap { (text[i..]) } },
        None => html! { (text) },
    }
}
