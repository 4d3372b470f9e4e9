//! «История баланса»: months newest first, older months on demand.
use maud::{html, Markup};

use super::components::modal;
use crate::{
    domain::ledger::Month,
    domain::{money, time},
    routes,
    views::Ctx,
};

pub fn month(st: &Ctx, m: &Month) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    html! {
        section .history-month {
            h3 { (time::month_heading(m.year, m.month)) }
            ul .history-rows {
                @for e in &m.entries {
                    li .history-row {
                        span .h-desc { (e.description) }
                        span .h-amount .plus[e.amount_kop > 0] .minus[e.amount_kop < 0] {
                            (money::format_signed(e.amount_kop, sym))
                        }
                        span .h-date { (time::date(e.occurred_at, st.tz)) }
                    }
                }
                li .history-row .opening {
                    span .h-desc { "На начало месяца" }
                    span .h-amount { (money::format(m.opening_kop, sym)) }
                    span .h-date {}
                }
            }
        }
    }
}

/// Loads the previous month when scrolled into view or clicked.
pub fn more(older: Option<i64>) -> Markup {
    html! {
        @if let Some(before) = older {
            div .history-more {
                // Without JavaScript: the older month as a page of its own.
                a .btn .btn-secondary href=(format!("{}?before={before}", routes::HISTORY_MORE))
                    hx-get=(format!("{}?before={before}", routes::HISTORY_MORE))
                    hx-target="closest .history-more" hx-swap="outerHTML"
                    hx-trigger="click, intersect once" { "Показать ещё" }
            }
        }
    }
}

/// One month and the loader for the one before it (the `more` response).
pub fn page(st: &Ctx, m: Option<&Month>) -> Markup {
    html! {
        @if let Some(m) = m {
            (month(st, m))
            (more(m.older))
        }
    }
}

pub fn history_modal(st: &Ctx, months: &[Month]) -> Markup {
    let body = html! {
        div .history {
            @if months.is_empty() {
                p .muted { "Операций по договору пока не было." }
            }
            @for m in months { (month(st, m)) }
            @if let Some(last) = months.last() { (more(last.older)) }
        }
    };
    modal("history-modal", "История баланса", body)
}
