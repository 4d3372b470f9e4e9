//! The word on the main page after the checkout sends the payer back: paid, refused or still
//! processing (the last asks again until the payment settles).
use maud::{html, Markup};

use crate::{domain::money, routes, routes::ids, views::Ctx};

pub fn notice(st: &Ctx, status: &str, amount_kop: i64, token: &str) -> Markup {
    let amount = money::format(amount_kop, &st.cfg.branding.currency_symbol);
    let poll = routes::payment_status(token);
    html! {
        @match status {
            "succeeded" => {
                div id=(ids::PAYMENT_NOTICE) .pay-notice .ok role="status" {
                    p { "Платёж на " (amount) " зачислен" }
                }
            },
            "canceled" => {
                div id=(ids::PAYMENT_NOTICE) .pay-notice .err role="status" {
                    p { "Платёж отменён" }
                    p .pay-notice-more { "Деньги не списаны. Можно попробовать еще раз." }
                }
            },
            _ => {
                div id=(ids::PAYMENT_NOTICE) .pay-notice .warn role="status"
                    hx-get=(poll) hx-trigger="every 3s" hx-swap="outerHTML" {
                    p { "Платёж обрабатывается…" }
                    p .pay-notice-more {
                        "Как только банк подтвердит платёж на " (amount) ", он будет зачислен. "
                        a href=(routes::home_after_payment(token)) { "Обновить" }
                    }
                }
            },
        }
    }
}
