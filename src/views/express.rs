//! «Экспресс-оплата»: pay by contract number without logging in.
use crate::routes::ids;
use maud::{html, Markup};

use super::components::{csrf_input, field, Field};
use super::login::auth_shell;
use crate::{domain::money, routes, views::Ctx};

pub struct Found<'a> {
    pub address: &'a str,
    pub org: &'a str,
    pub recommended_kop: i64,
    pub token: &'a str,
}

/// The lookup result: found (masked data only) or a neutral message. Same wrapper either way.
pub fn result(st: &Ctx, found: Option<&Found>, message: Option<&str>) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    html! {
        div id=(ids::EXPRESS_RESULT) .express-result aria-live="polite" {
            @if let Some(f) = found {
                dl .express-found {
                    dt { "Адрес" } dd { (f.address) }
                    @if !f.org.is_empty() { dt { "Абонент" } dd { (f.org) } }
                    dt { "Рекомендуемая сумма к оплате" } dd { strong { (money::format(f.recommended_kop, sym)) } }
                }
                button .btn .btn-primary .btn-block type="button"
                    hx-get=(format!("{}?t={}", routes::EXPRESS_PAY, f.token)) hx-target=(ids::MODAL_SEL) { "Оплатить" }
            }
            @if let Some(m) = message { p .form-error role="alert" { (m) } }
        }
    }
}

/// The page; `result` is the lookup's answer when the form was posted without JavaScript.
pub fn page(st: &Ctx, csrf: &str, segment: &str, number: &str, result: Option<Markup>) -> Markup {
    let body = html! {
        p .muted { "Оплатите услуги по номеру договора, не проходя авторизацию." }
        form #express-form .form method="post" action=(routes::EXPRESS_FIND) hx-post=(routes::EXPRESS_FIND)
            hx-target=(ids::EXPRESS_RESULT_SEL) hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" {
            (csrf_input(csrf))
            fieldset .segment {
                legend .visually-hidden { "Тип договора" }
                label .seg { input type="radio" name="segment" value="home" checked[segment == "home"]; span { "Дом" } }
                label .seg { input type="radio" name="segment" value="business" checked[segment != "home"]; span { "Бизнес" } }
            }
            (field(&Field { name: "contract", label: "Номер договора", kind: "text", value: number,
                autocomplete: "off", error: None, required: true }))
            button .btn .btn-primary .btn-block type="submit" { "Найти" }
        }
        @if let Some(r) = result { (r) } @else { (self::result(st, None, None)) }
        p .express { a href=(routes::LOGIN) { "Перейти к авторизации" } }
    };
    auth_shell(st, csrf, "Экспресс-оплата", body)
}

/// After the checkout page: what happened to an express payment.
pub fn done(st: &Ctx, csrf: &str, status: &str, amount_kop: i64) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let amount = money::format(amount_kop, sym);
    let body = html! {
        div .notice {
            @match status {
                "succeeded" => { p .badge .ok { "Оплата прошла успешно" } p { "Платеж на сумму " (amount) " зачислен на договор." } },
                "canceled" => { p .badge .err { "Платеж отменен" } p { "Деньги не списаны. Можно попробовать еще раз." } },
                _ => { p .badge .warn { "Платеж обрабатывается" } p { "Как только банк подтвердит платеж на сумму " (amount) ", он будет зачислен на договор." } },
            }
            a .btn .btn-secondary href=(routes::EXPRESS) { "К экспресс-оплате" }
            a href=(routes::LOGIN) { "Перейти к авторизации" }
        }
    };
    auth_shell(st, csrf, "Экспресс-оплата", body)
}
