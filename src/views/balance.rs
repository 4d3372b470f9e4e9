//! «Баланс и оплата»: the balance block, the «Оплата услуг» modal and the «Автоплатеж» modal.
use crate::routes::ids;
use maud::{html, Markup};

use super::components::{field, modal, Field};
use crate::{
    domain::role::{Cap, Role},
    domain::{autopay::Autopay, contract::ContractSummary},
    domain::{money, payment::FormErrors, payment::CONSENT_TEXT},
    routes,
    views::Ctx,
};

/// The balance block. `oob` renders it for an out-of-band swap after a change. Shows only what
/// the account's `role` may do (nothing at all without [`Cap::ViewMoney`]).
pub fn card(st: &Ctx, k: &ContractSummary, role: Role, ap: Option<&Autopay>, oob: bool) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let on = ap.filter(|a| a.enabled);
    if !role.can(Cap::ViewMoney) {
        return html! {};
    }
    let (pay, autopay) = (role.can(Cap::Pay), role.can(Cap::Autopay));
    html! {
        section .card .balance #balance hx-swap-oob=[oob.then_some("true")] {
            div .balance-head {
                h2 { "Баланс" }
                div .balance-links {
                    a .link-light href=(routes::HISTORY) hx-get=(routes::HISTORY) hx-target=(ids::MODAL_SEL) { "История баланса" }
                    @if role.can(Cap::Documents) {
                        a .link-light href=(routes::DOCUMENTS) hx-get=(routes::DOCUMENTS) hx-target=(ids::MODAL_SEL) { "Документы" }
                    }
                }
            }
            p .balance-amount .negative[k.balance_kop < 0] { (money::format(k.balance_kop, sym)) }
            p .recommended {
                "Рекомендуемая сумма к оплате: "
                strong { (money::format(k.recommended_kop, sym)) }
            }
            @if pay || autopay {
                div .balance-actions {
                    @if pay {
                        a .btn .btn-light href=(routes::PAYMENT) hx-get=(routes::PAYMENT) hx-target=(ids::MODAL_SEL) { "Пополнить" }
                    }
                    @if autopay {
                        a .btn .btn-outline-light href=(routes::AUTOPAY) hx-get=(routes::AUTOPAY) hx-target=(ids::MODAL_SEL) { "Автоплатеж" }
                    }
                }
            }
            @if let Some(a) = on {
                div .autopay-on {
                    span { "Автоплатеж подключен" @if let Some(m) = &a.card_mask { ": " strong { (m) } } }
                    @if autopay {
                        // Without JavaScript: the «Автоплатеж» page, with its «Отключить» form.
                        a .link-light href=(routes::AUTOPAY) hx-post=(routes::AUTOPAY_OFF) hx-swap="none"
                            hx-confirm="Отключить автоплатеж?" { "Отключить" }
                    }
                }
            }
            @if let Some(n) = ap.and_then(|a| a.notice.as_ref()) {
                p .autopay-notice role="status" { (n) }
            }
        }
    }
}

/// The payment form's values and messages.
pub struct PayForm<'a> {
    /// Where the form posts (the subscriber's or the express route).
    pub action: &'a str,
    pub amount: &'a str,
    pub email: &'a str,
    pub consent: bool,
    /// Idempotency key of this form (hidden): a double submit finds the same payment.
    pub key: &'a str,
    /// Express payment: the signed contract token.
    pub token: Option<&'a str>,
    pub errors: &'a FormErrors,
    /// A message about the whole form (provider down, …).
    pub error: Option<&'a str>,
}

pub fn cancel_button() -> Markup {
    html! { button .btn .btn-secondary type="button" data-close-modal { "Отменить" } }
}

pub fn consent_box(checked: bool, error: Option<&str>) -> Markup {
    html! {
        div .check-field .has-error[error.is_some()] {
            label .check {
                input type="checkbox" name="consent" value="1" checked[checked]
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "consent-error")];
                span { (CONSENT_TEXT) }
            }
            @if let Some(e) = error { p .field-error #consent-error { (e) } }
        }
    }
}

pub fn pay_form(f: &PayForm) -> Markup {
    html! {
        form #pay-form .form method="post" action=(f.action) hx-post=(f.action) hx-target="this"
            hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" novalidate {
            input type="hidden" name="key" value=(f.key);
            @if let Some(t) = f.token { input type="hidden" name="t" value=(t); }
            (field(&Field { name: "amount", label: "Сумма", kind: "text", value: f.amount,
                autocomplete: "off", error: f.errors.amount.as_deref(), required: true }))
            (field(&Field { name: "email", label: "Получить чек по электронной почте", kind: "email",
                value: f.email, autocomplete: "email", error: f.errors.email.as_deref(), required: true }))
            (consent_box(f.consent, f.errors.consent.as_deref()))
            @if let Some(e) = f.error { p .form-error role="alert" { (e) } }
            div .modal-actions {
                (cancel_button())
                button .btn .btn-primary type="submit" { "Продолжить" }
            }
        }
    }
}

pub fn pay_modal(f: &PayForm) -> Markup {
    modal("pay-modal", "Оплата услуг", pay_form(f))
}

pub struct AutopayForm<'a> {
    pub amount: &'a str,
    pub email: &'a str,
    pub key: &'a str,
    pub errors: &'a FormErrors,
    pub error: Option<&'a str>,
}

pub fn autopay_form(st: &Ctx, f: &AutopayForm) -> Markup {
    let terms = st.cfg.payments.autopay_terms_url.as_deref();
    html! {
        form #autopay-form .form method="post" action=(routes::AUTOPAY) hx-post=(routes::AUTOPAY)
            hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" novalidate {
            p .lead { "Автоплатеж - бесплатный сервис, благодаря которому всегда можно быть уверенным, что услуги будут работать" }
            p { "В момент окончания услуги, при нехватке средств на счете для ее продления, оплата пройдет автоматически" }
            input type="hidden" name="key" value=(f.key);
            (field(&Field { name: "amount", label: "Сумма", kind: "text", value: f.amount,
                autocomplete: "off", error: f.errors.amount.as_deref(), required: true }))
            p .hint { "*Сумма, которая спишется при подключении автоплатежа" br; "В дальнейшем, будет списываться необходимая сумма" }
            (field(&Field { name: "email", label: "Получить чек по электронной почте", kind: "email",
                value: f.email, autocomplete: "email", error: f.errors.email.as_deref(), required: true }))
            p .hint {
                "Нажимая \"Подключить\" вы соглашаетесь с "
                @if let Some(u) = terms { a href=(u) target="_blank" rel="noopener" { "условиями" } }
                @else { "условиями" }
            }
            @if let Some(e) = f.error { p .form-error role="alert" { (e) } }
            div .modal-actions {
                (cancel_button())
                button .btn .btn-primary type="submit" { "Подключить" }
            }
        }
    }
}

pub fn autopay_modal(st: &Ctx, ap: Option<&Autopay>, f: &AutopayForm) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let body = match ap.filter(|a| a.enabled) {
        Some(a) => html! {
            div .autopay-status {
                p .badge .ok { "Автоплатеж подключен" }
                p { "Карта: " strong { (a.card_mask.as_deref().unwrap_or("сохранена")) } }
                p .muted { "При окончании услуги и нехватке средств на счете необходимая сумма спишется автоматически. Сумма при подключении: " (money::format(a.amount_kop, sym)) "." }
                @if let Some(e) = &a.email { p .muted { "Чеки приходят на " (e) } }
            }
            div .modal-actions {
                (cancel_button())
                form method="post" action=(routes::AUTOPAY_OFF) hx-post=(routes::AUTOPAY_OFF) hx-swap="none" {
                    button .btn .btn-danger type="submit" { "Отключить" }
                }
            }
        },
        None => autopay_form(st, f),
    };
    modal("autopay-modal", "Автоплатеж", body)
}
