//! «Вход»: the login page with its tabs, the express-payment link and the app banner.
use maud::{html, Markup};

use super::components::{csrf_input, field, Field};
use super::layout::{brand, page, Page};
use crate::{routes, views::Ctx};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Contract,
    Phone,
    Join,
}

#[derive(Default)]
pub struct LoginForm<'a> {
    pub contract: &'a str,
    pub error: Option<&'a str>,
}

/// «По телефону» shows only where an SMS can arrive (a gateway, or the demo's on-screen code).
fn tabs(active: Tab, phone: bool) -> Markup {
    let items = [
        (Tab::Contract, "По договору", routes::LOGIN),
        (Tab::Phone, "По телефону", routes::LOGIN_PHONE),
        (Tab::Join, "Стать абонентом", routes::JOIN),
    ];
    html! {
        nav .tabs aria-label="Способ входа" {
            @for (t, label, href) in items.into_iter().filter(|(t, ..)| phone || *t != Tab::Phone) {
                a .tab .active[t == active] href=(href) aria-current=[(t == active).then_some("page")] { (label) }
            }
        }
    }
}

/// The «По договору» form; re-rendered alone (422) when login fails.
pub fn contract_form(csrf: &str, f: &LoginForm) -> Markup {
    html! {
        form #login-form .form method="post" action=(routes::LOGIN)
            hx-post=(routes::LOGIN) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button" {
            (csrf_input(csrf))
            (field(&Field { name: "contract", label: "Номер договора", kind: "text", value: f.contract,
                autocomplete: "username", error: None, required: true }))
            (field(&Field { name: "password", label: "Пароль", kind: "password", value: "",
                autocomplete: "current-password", error: None, required: true }))
            @if let Some(e) = f.error { p .form-error role="alert" { (e) } }
            button .btn .btn-primary .btn-block type="submit" { "Войти" }
            p .small { a href=(routes::LOGIN_PASSKEY) { "Войти с ключом доступа" } }
        }
    }
}

fn app_banner(st: &Ctx) -> Markup {
    let a = &st.cfg.apps;
    html! {
        @if a.google_play.is_none() && a.app_store.is_none() {
            (super::notify::install_banner())
        }
        @if a.google_play.is_some() || a.app_store.is_some() {
            aside .app-banner {
                p { "Установите приложение и управляйте услугами прямо с телефона" }
                div .store-badges {
                    @if let Some(u) = &a.google_play {
                        a .store-badge href=(u) rel="noopener" target="_blank" {
                            span .small { "GET IT ON" } span .big { "Google Play" }
                        }
                    }
                    @if let Some(u) = &a.app_store {
                        a .store-badge href=(u) rel="noopener" target="_blank" {
                            span .small { "Download on the" } span .big { "App Store" }
                        }
                    }
                }
            }
        }
    }
}

pub fn auth_page(st: &Ctx, csrf: &str, title: &str, tab: Tab, body: Markup) -> Markup {
    let content = html! {
        main #main .auth-shell tabindex="-1" {
            div .auth-brand { (brand(st, true)) }
            section .auth-card {
                h1 { (title) }
                (tabs(tab, st.sms_login()))
                (body)
                p .express {
                    "Нет времени на авторизацию?" br;
                    "Воспользуйтесь " a href=(routes::EXPRESS) { "экспресс-оплатой" }
                }
            }
            (app_banner(st))
            @if st.demo && tab == Tab::Contract {
                aside .demo-hint {
                    strong { "Демо-режим. " }
                    "Договор " code { "72845736UL" } ", пароль " code { "kabinet-demo" }
                }
            }
        }
    };
    page(
        &Page {
            st,
            title,
            csrf,
            body_class: "auth",
        },
        content,
    )
}

pub fn login_page(st: &Ctx, csrf: &str, f: &LoginForm) -> Markup {
    auth_page(st, csrf, "Вход", Tab::Contract, contract_form(csrf, f))
}

/// The login page's frame without tabs (express payment, checkout).
pub fn auth_shell(st: &Ctx, csrf: &str, title: &str, body: Markup) -> Markup {
    let content = html! {
        main #main .auth-shell tabindex="-1" {
            div .auth-brand { (brand(st, true)) }
            section .auth-card {
                h1 { (title) }
                (body)
            }
        }
    };
    page(
        &Page {
            st,
            title,
            csrf,
            body_class: "auth",
        },
        content,
    )
}

/// Tabs whose screens are not built yet say so plainly instead of showing a dead form.
pub fn not_yet(st: &Ctx, csrf: &str, tab: Tab, text: &str) -> Markup {
    let body = html! {
        div .notice {
            p { (text) }
            a .btn .btn-secondary href=(routes::LOGIN) { "Войти по договору" }
        }
    };
    auth_page(st, csrf, "Вход", tab, body)
}
