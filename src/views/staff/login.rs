//! «Вход для сотрудников».
use maud::{html, Markup};

use crate::{
    routes,
    views::Ctx,
    views::{
        components::{csrf_input, field, Field},
        layout::{brand, page, Page},
    },
};

pub fn form(csrf: &str, login: &str, error: Option<&str>) -> Markup {
    html! {
        form #staff-login .form method="post" action=(routes::STAFF_LOGIN)
            hx-post=(routes::STAFF_LOGIN) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button" {
            (csrf_input(csrf))
            (field(&Field { name: "login", label: "Логин", kind: "text", value: login,
                autocomplete: "username", error: None, required: true }))
            (field(&Field { name: "password", label: "Пароль", kind: "password", value: "",
                autocomplete: "current-password", error: None, required: true }))
            @if let Some(e) = error { p .form-error role="alert" { (e) } }
            button .btn .btn-primary .btn-block type="submit" { "Войти" }
        }
    }
}

pub fn page_(st: &Ctx, csrf: &str, login: &str, error: Option<&str>) -> Markup {
    let content = html! {
        main #main .auth-shell tabindex="-1" {
            div .auth-brand { (brand(st, false)) }
            section .auth-card {
                h1 { "Вход для сотрудников" }
                (form(csrf, login, error))
            }
        }
    };
    page(
        &Page {
            st,
            title: "Вход для сотрудников",
            csrf,
            body_class: "auth",
        },
        content,
    )
}
