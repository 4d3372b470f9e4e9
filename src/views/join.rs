//! «Стать абонентом»: the tab with the self-connect entry and the request to a specialist.
use maud::{html, Markup};

use super::components::{csrf_input, field, Field};
use super::login::{auth_page, Tab};
use crate::{routes, views::Ctx};

/// Values and inline errors of the «оставьте заявку специалисту» form.
#[derive(Default)]
pub struct SpecialistForm<'a> {
    pub address: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub consent: bool,
    pub err_address: Option<&'static str>,
    pub err_name: Option<&'static str>,
    pub err_phone: Option<&'static str>,
    pub err_consent: Option<&'static str>,
    /// A message for the whole form (e.g. too many requests).
    pub error: Option<String>,
}

impl SpecialistForm<'_> {
    pub fn has_errors(&self) -> bool {
        self.err_address.is_some()
            || self.err_name.is_some()
            || self.err_phone.is_some()
            || self.err_consent.is_some()
    }
}

/// The consent checkbox with the offer and privacy links from the config.
pub fn consent(st: &Ctx, id: &str, checked: bool, error: Option<&str>) -> Markup {
    let j = &st.cfg.join;
    let link = |url: &Option<String>, text: &str| match url {
        Some(u) => html! { a href=(u) target="_blank" rel="noopener" { (text) } },
        None => html! { (text) },
    };
    let err_id = format!("{id}-error");
    html! {
        div .field .check .has-error[error.is_some()] {
            label .check-label for=(id) {
                input id=(id) type="checkbox" name="consent" value="1" checked[checked]
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                span {
                    "Я согласен с условиями " (link(&j.offer_url, "оферты"))
                    " и " (link(&j.privacy_url, "обработкой персональных данных"))
                }
            }
            @if let Some(e) = error { p .field-error id=(err_id) { (e) } }
        }
    }
}

/// A field bots fill in and people never see.
pub fn honeypot() -> Markup {
    html! {
        div .hp aria-hidden="true" {
            label for="f-website" { "Сайт компании (оставьте пустым)" }
            input #f-website type="text" name="website" value="" tabindex="-1" autocomplete="off";
        }
    }
}

pub fn specialist_form(st: &Ctx, csrf: &str, f: &SpecialistForm) -> Markup {
    html! {
        form #specialist-form .form method="post" action=(routes::JOIN) novalidate
            hx-post=(routes::JOIN) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" {
            (csrf_input(csrf))
            (field(&Field { name: "address", label: "Адрес", kind: "text", value: f.address,
                autocomplete: "address-line1", error: f.err_address, required: true }))
            (field(&Field { name: "name", label: "Имя", kind: "text", value: f.name,
                autocomplete: "name", error: f.err_name, required: true }))
            (field(&Field { name: "phone", label: "Номер телефона", kind: "tel", value: f.phone,
                autocomplete: "tel", error: f.err_phone, required: true }))
            (consent(st, "f-consent", f.consent, f.err_consent))
            (honeypot())
            @if let Some(e) = &f.error { p .form-error role="alert" { (e) } }
            button .btn .btn-primary .btn-block type="submit" { "Оставить заявку" }
        }
    }
}

/// Shown instead of a form once an application is stored (or silently dropped).
pub fn submitted(merged: bool) -> Markup {
    html! {
        div #specialist-form .done-panel role="status" {
            div .done-icon aria-hidden="true" { "✓" }
            h2 { @if merged { "Заявка обновлена" } @else { "Заявка принята" } }
            p { "Специалист свяжется с Вами в рабочее время, обычно в течение дня." }
            @if merged {
                p .muted { "Мы уже получили заявку с этого номера сегодня и дополнили её новыми данными." }
            }
            a .btn .btn-secondary href=(routes::LOGIN) { "Вернуться ко входу" }
        }
    }
}

/// The «Стать абонентом» tab body.
pub fn join_body(st: &Ctx, csrf: &str, referred: bool, f: &SpecialistForm) -> Markup {
    html! {
        @if referred {
            p .referred-note { "Вы пришли по приглашению клиента — мы учтем это при подключении." }
        }
        div .self-connect {
            span .self-connect-text {
                strong { "Подключиться самостоятельно" }
                span .muted { "Выберите услуги и дату подключения онлайн" }
            }
            a .btn .btn-primary href=(routes::JOIN_SELF) { "Перейти" }
        }
        p .divider { span { "или оставьте заявку специалисту" } }
        (specialist_form(st, csrf, f))
    }
}

pub fn join_page(st: &Ctx, csrf: &str, referred: bool, f: &SpecialistForm) -> Markup {
    auth_page(
        st,
        csrf,
        "Вход",
        Tab::Join,
        join_body(st, csrf, referred, f),
    )
}

/// A full page around a result panel (for submissions without htmx).
pub fn auth_card_page(st: &Ctx, csrf: &str, body: Markup) -> Markup {
    auth_page(st, csrf, "Стать абонентом", Tab::Join, body)
}
