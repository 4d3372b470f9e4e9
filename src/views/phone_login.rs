//! «По телефону»: the phone number form and the code form.
use crate::routes::ids;
use maud::{html, Markup};

use super::components::{csrf_input, field, Field};
use super::login::{auth_page, Tab};
use crate::{domain::demo, routes, views::Ctx};

/// `79271234249` → `+7 927 123-42-49`
pub fn pretty_phone(p: &str) -> String {
    if p.len() == 11 && p.is_ascii() {
        format!(
            "+{} {} {}-{}-{}",
            &p[..1],
            &p[1..4],
            &p[4..7],
            &p[7..9],
            &p[9..]
        )
    } else {
        p.to_owned()
    }
}

pub fn phone_form(csrf: &str, phone: &str, error: Option<&str>) -> Markup {
    html! {
        form id=(ids::PHONE_FORM) .form method="post" action=(routes::LOGIN_PHONE)
            hx-post=(routes::LOGIN_PHONE) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button" {
            (csrf_input(csrf))
            p .muted .small { "Мы отправим SMS с кодом для входа. Вы увидите договоры, добавленные к этому номеру." }
            (field(&Field { name: "phone", label: "Номер телефона", kind: "tel", value: phone,
                autocomplete: "tel", error, required: true }))
            button .btn .btn-primary .btn-block type="submit" { "Получить код" }
        }
    }
}

pub struct CodeForm<'a> {
    pub phone: &'a str,
    pub error: Option<&'a str>,
    pub info: Option<&'a str>,
    /// Shown only in demo mode.
    pub demo_code: Option<&'a str>,
}

pub fn code_form(csrf: &str, f: &CodeForm) -> Markup {
    html! {
        form id=(ids::PHONE_FORM) .form method="post" action=(routes::LOGIN_PHONE_CODE)
            hx-post=(routes::LOGIN_PHONE_CODE) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button" {
            (csrf_input(csrf))
            input type="hidden" name="phone" value=(f.phone);
            p .small { "Код отправлен на номер " strong .nowrap { (pretty_phone(f.phone)) } ". Он действует 10 минут." }
            @if let Some(code) = f.demo_code {
                p .demo-code role="status" { "Демо-режим: код из SMS — " strong { (code) } }
                input type="hidden" name="demo_code" value=(code);
            }
            div .field .has-error[f.error.is_some()] {
                label for="f-code" { "Код из SMS" }
                input #f-code name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                    maxlength="6" pattern="[0-9]{6}" required aria-invalid=[f.error.map(|_| "true")]
                    aria-describedby=[f.error.map(|_| "f-code-error")];
                @if let Some(e) = f.error { p .field-error #f-code-error role="alert" { (e) } }
            }
            @if let Some(i) = f.info { p .small .muted role="status" { (i) } }
            button .btn .btn-primary .btn-block type="submit" { "Войти" }
            div .code-links {
                button .link-btn type="button" name="resend" value="1" hx-post=(routes::LOGIN_PHONE)
                    hx-target=(ids::PHONE_FORM_SEL) hx-swap="outerHTML" { "Отправить код ещё раз" }
                a href=(routes::LOGIN_PHONE) { "Изменить номер" }
            }
        }
    }
}

pub fn page(st: &Ctx, csrf: &str, form: Markup) -> Markup {
    // The page's own demo hint (the contract one is for the «По договору» tab only).
    let body = html! {
        (form)
        @if st.demo {
            aside .demo-hint {
                strong { "Демо-режим. " }
                "Телефон " code .nowrap { (pretty_phone(demo::PHONES[0])) } " — код будет показан на экране."
            }
        }
    };
    auth_page(st, csrf, "Вход", Tab::Phone, body)
}
