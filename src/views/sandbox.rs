//! The sandbox gateway's checkout page (demo and tests only).
use maud::{html, Markup};

use super::components::csrf_input;
use super::login::auth_shell;
use crate::{domain::money, domain::payment::Checkout, routes, views::Ctx};

pub fn checkout(st: &Ctx, csrf: &str, p: &Checkout) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let base = format!("{}/{}", routes::SANDBOX_CHECKOUT, p.id);
    let body = html! {
        div .sandbox {
            p .badge .warn { "Тестовая платежная страница: деньги не списываются" }
            dl .express-found {
                dt { "Назначение" } dd { (p.description) }
                dt { "Сумма" } dd { strong .sandbox-amount { (money::format(p.amount_kop, sym)) } }
                @if p.save_method { dt { "Карта" } dd { "будет сохранена для автоплатежа" } }
            }
            @if p.status == "pending" {
                div .sandbox-actions {
                    form method="post" action=(format!("{base}/pay")) {
                        (csrf_input(csrf))
                        button .btn .btn-primary .btn-block type="submit" { "Оплатить" }
                    }
                    form method="post" action=(format!("{base}/cancel")) {
                        (csrf_input(csrf))
                        button .btn .btn-secondary .btn-block type="submit" { "Отказаться" }
                    }
                }
            } @else {
                p { "Этот платеж уже " @if p.status == "succeeded" { "оплачен." } @else { "отменен." } }
                a .btn .btn-secondary href=(p.return_url) { "Вернуться" }
            }
        }
    };
    auth_shell(st, csrf, "Оплата картой", body)
}
