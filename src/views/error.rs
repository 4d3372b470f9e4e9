//! Full-page errors, with the request id for support.
use maud::{html, Markup};

use super::layout::{self, brand, Page};
use crate::{routes, views::Ctx};

pub fn page(st: &Ctx, status: u16, message: &str, rid: &str) -> Markup {
    let content = html! {
        main #main .auth-shell tabindex="-1" {
            div .auth-brand { (brand(st, true)) }
            section .auth-card .error-card {
                p .error-code { (status) }
                h1 { (message) }
                p .muted { "Код запроса: " code { (rid) } }
                a .btn .btn-primary href=(routes::HOME) { "На главную" }
            }
        }
    };
    layout::page(
        &Page {
            st,
            title: "Ошибка",
            csrf: "",
            body_class: "auth",
        },
        content,
    )
}
