//! Full-page errors, with the request id for support.
use maud::{html, Markup};

use super::layout::{self, brand, Page};
use crate::{routes, views::Ctx};

/// `staff`: a staff console path, so the page is the console's (its name, the way back to it).
pub fn page(st: &Ctx, status: u16, message: &str, rid: &str, staff: bool) -> Markup {
    let forbidden_staff = staff && status == 403;
    let content = html! {
        main #main .auth-shell tabindex="-1" {
            div .auth-brand {
                @if staff {
                    a .brand href=(routes::STAFF) {
                        span .brand-text { span .brand-name { (st.cfg.branding.name) } span .brand-slogan { "Консоль поддержки" } }
                    }
                } @else { (brand(st, true)) }
            }
            section .auth-card .error-card {
                p .error-code { (status) }
                @if forbidden_staff {
                    h1 { "Этот раздел доступен только администратору" }
                    p { "Если он нужен вам для работы, попросите администратора консоли." }
                } @else {
                    h1 { (message) }
                }
                p .muted { "Код запроса: " code { (rid) } }
                @if staff {
                    a .btn .btn-primary href=(routes::STAFF) { "В консоль" }
                } @else {
                    a .btn .btn-primary href=(routes::HOME) { "На главную" }
                }
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
