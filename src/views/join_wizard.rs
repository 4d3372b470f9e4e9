//! «Подключиться самостоятельно»: the wizard's steps. Each step is an htmx partial that replaces
//! `#wizard` and pushes its own URL, so the browser's back button walks the steps.
use crate::routes::ids;
use jiff::civil::Date;
use maud::{html, Markup};

use super::components::{csrf_input, field, Field};
use super::join::{consent, honeypot, specialist_form, SpecialistForm};
use super::login::{auth_page, Tab};
use crate::{
    domain::application::{Covered, Tariff},
    domain::{
        application::{day_label, format_phone, WizardInput},
        money,
    },
    routes,
    views::Ctx,
};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Address = 0,
    Tariffs = 1,
    Date = 2,
    Contacts = 3,
    Summary = 4,
}

const STEPS: [&str; 5] = ["Адрес", "Услуги", "Дата", "Контакты", "Проверка"];

pub fn page(st: &Ctx, csrf: &str, wizard: Markup) -> Markup {
    auth_page(st, csrf, "Подключение", Tab::Join, wizard)
}

fn frame(step: Step, title: &str, body: Markup) -> Markup {
    let cur = step as usize;
    html! {
        section id=(ids::WIZARD) .wizard aria-labelledby="wizard-title" {
            ol .wizard-steps aria-label="Шаги" {
                @for (i, name) in STEPS.iter().enumerate() {
                    li .done[i < cur] .current[i == cur] aria-current=[(i == cur).then_some("step")] {
                        span .num { (i + 1) } span .name { (name) }
                    }
                }
            }
            h2 #wizard-title { (title) }
            (body)
        }
    }
}

fn hidden(pairs: &[(&'static str, String)]) -> Markup {
    html! { @for (k, v) in pairs { input type="hidden" name=(k) value=(v); } }
}

/// htmx attributes of a step form going forward with GET.
fn back_link(to: &str, w: &WizardInput) -> Markup {
    let url = format!("{to}{}", w.plan_query());
    html! {
        a .btn .btn-ghost href=(url) hx-get=(url) hx-target=(ids::WIZARD_SEL) hx-swap="outerHTML" hx-push-url="true" { "Назад" }
    }
}

pub fn address(
    streets: &[String],
    w: &WizardInput,
    err_street: Option<&str>,
    err_house: Option<&str>,
) -> Markup {
    let body = html! {
        form .form method="get" action=(routes::JOIN_SELF_TARIFFS) novalidate
            hx-get=(routes::JOIN_SELF_TARIFFS) hx-target=(ids::WIZARD_SEL) hx-swap="outerHTML" hx-push-url="true" {
            p .muted { "Укажите адрес, где нужны услуги. Мы проверим, можно ли подключить его сейчас." }
            div .field .has-error[err_street.is_some()] {
                label for="w-street" { "Улица" }
                input #w-street type="text" name="street" value=(w.street) list="w-streets" autocomplete="off" required
                    hx-get=(routes::JOIN_SELF_HOUSES) hx-trigger="change, input changed delay:400ms" hx-target=(ids::W_HOUSES_SEL)
                    hx-swap="outerHTML" hx-push-url="false" aria-invalid=[err_street.map(|_| "true")]
                    aria-describedby=[err_street.map(|_| "w-street-error")];
                datalist #w-streets { @for s in streets { option value=(s) {} } }
                @if let Some(e) = err_street { p .field-error #w-street-error { (e) } }
            }
            div .field .has-error[err_house.is_some()] {
                label for="w-house" { "Дом" }
                input #w-house type="text" name="house" value=(w.house) list="w-houses" autocomplete="off" required
                    inputmode="text" aria-invalid=[err_house.map(|_| "true")] aria-describedby=[err_house.map(|_| "w-house-error")];
                datalist id=(ids::W_HOUSES) {}
                @if let Some(e) = err_house { p .field-error #w-house-error { (e) } }
            }
            (hidden(&w.plan_pairs().into_iter().filter(|(k, _)| *k != "street" && *k != "house").collect::<Vec<_>>()))
            div .wizard-actions {
                a .btn .btn-ghost href=(routes::JOIN) { "Отмена" }
                button .btn .btn-primary type="submit" { "Продолжить" }
            }
        }
    };
    frame(Step::Address, "Адрес подключения", body)
}

/// Suggestions for the house field once a street is typed.
pub fn houses(list: &[String]) -> Markup {
    html! { datalist id=(ids::W_HOUSES) { @for h in list { option value=(h) {} } } }
}

const KINDS: [(&str, &str, bool); 4] = [
    ("internet", "Интернет", true),
    ("tv", "Телевидение", true),
    ("phone", "Телефония", true),
    ("other", "Дополнительно", false),
];

pub fn tariffs(
    st: &Ctx,
    cov: &Covered,
    w: &WizardInput,
    list: &[Tariff],
    err: Option<&str>,
) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let body = html! {
        form .form method="get" action=(routes::JOIN_SELF_DATE) novalidate
            hx-get=(routes::JOIN_SELF_DATE) hx-target=(ids::WIZARD_SEL) hx-swap="outerHTML" hx-push-url="true" {
            p .covered { span .badge .ok { "Адрес в зоне подключения" } " " (cov.full()) }
            @for (kind, heading, single) in KINDS {
                @let items: Vec<&Tariff> = list.iter().filter(|t| t.kind == kind).collect();
                @if !items.is_empty() {
                    fieldset .choices {
                        legend { (heading) }
                        @for t in &items {
                            label .choice {
                                input type=(if single { "radio" } else { "checkbox" }) name=(format!("tariff_{kind}"))
                                    value=(t.id) checked[w.tariffs.contains(&t.id)];
                                span .choice-text {
                                    span .choice-name { (t.name) }
                                    span .choice-desc .muted { (t.description) }
                                }
                                span .choice-price { (money::format(t.price_kop, sym)) "\u{2060}/мес" }
                            }
                        }
                        @if single {
                            label .choice {
                                input type="radio" name=(format!("tariff_{kind}")) value=""
                                    checked[!items.iter().any(|t| w.tariffs.contains(&t.id))];
                                span .choice-text { span .choice-name { "Не нужно" } }
                            }
                        }
                    }
                }
            }
            @if let Some(e) = err { p .form-error role="alert" { (e) } }
            input type="hidden" name="street" value=(w.street);
            input type="hidden" name="house" value=(w.house);
            @if !w.date.is_empty() { input type="hidden" name="date" value=(w.date); }
            div .wizard-actions {
                (back_link(routes::JOIN_SELF, w))
                button .btn .btn-primary type="submit" { "Продолжить" }
            }
        }
    };
    frame(Step::Tariffs, "Услуги и тарифы", body)
}

pub fn date(w: &WizardInput, days: &[Date], err: Option<&str>) -> Markup {
    let chosen = if days.iter().any(|d| d.to_string() == w.date) {
        w.date.clone()
    } else {
        String::new()
    };
    let body = html! {
        form .form method="get" action=(routes::JOIN_SELF_CONTACTS) novalidate
            hx-get=(routes::JOIN_SELF_CONTACTS) hx-target=(ids::WIZARD_SEL) hx-swap="outerHTML" hx-push-url="true" {
            p .muted { "Мастер приедет в выбранный рабочий день с 9:00 до 18:00 и заранее позвонит." }
            fieldset .date-grid {
                legend .visually-hidden { "Дата подключения" }
                @for d in days {
                    @let v = d.to_string();
                    label .date-chip {
                        input type="radio" name="date" value=(v) checked[v == chosen];
                        span { (day_label(*d)) }
                    }
                }
            }
            @if let Some(e) = err { p .form-error role="alert" { (e) } }
            (hidden(&w.plan_pairs().into_iter().filter(|(k, _)| *k != "date").collect::<Vec<_>>()))
            div .wizard-actions {
                (back_link(routes::JOIN_SELF_TARIFFS, w))
                button .btn .btn-primary type="submit" { "Продолжить" }
            }
        }
    };
    frame(Step::Date, "Дата подключения", body)
}

#[derive(Default)]
pub struct ContactErrors {
    pub name: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub email: Option<&'static str>,
    pub consent: Option<&'static str>,
}

pub fn contacts(st: &Ctx, csrf: &str, w: &WizardInput, e: &ContactErrors) -> Markup {
    let body = html! {
        form .form method="post" action=(routes::JOIN_SELF_SUMMARY) novalidate
            hx-post=(routes::JOIN_SELF_SUMMARY) hx-target=(ids::WIZARD_SEL) hx-swap="outerHTML" {
            (csrf_input(csrf))
            (field(&Field { name: "org", label: "Организация", kind: "text", value: &w.org,
                autocomplete: "organization", error: None, required: false }))
            (field(&Field { name: "name", label: "Контактное лицо", kind: "text", value: &w.name,
                autocomplete: "name", error: e.name, required: true }))
            (field(&Field { name: "phone", label: "Номер телефона", kind: "tel", value: &w.phone,
                autocomplete: "tel", error: e.phone, required: true }))
            (field(&Field { name: "email", label: "Электронная почта", kind: "email", value: &w.email,
                autocomplete: "email", error: e.email, required: true }))
            (consent(st, "w-consent", w.consent, e.consent))
            (honeypot())
            (hidden(&w.plan_pairs()))
            div .wizard-actions {
                (back_link(routes::JOIN_SELF_DATE, w))
                button .btn .btn-primary type="submit" { "Продолжить" }
            }
        }
    };
    frame(Step::Contacts, "Контактные данные", body)
}

pub struct Summary<'a> {
    pub covered: &'a Covered,
    pub tariffs: &'a [Tariff],
    pub date: Date,
}

pub fn summary(st: &Ctx, csrf: &str, w: &WizardInput, s: &Summary, error: Option<&str>) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let total: i64 = s.tariffs.iter().map(|t| t.price_kop).sum();
    let body = html! {
        form .form method="post" action=(routes::JOIN_SELF) hx-post=(routes::JOIN_SELF) hx-target=(ids::WIZARD_SEL)
            hx-swap="outerHTML" hx-disabled-elt="find button" {
            (csrf_input(csrf))
            dl .summary {
                dt { "Адрес" } dd { (s.covered.full()) }
                dt { "Услуги" }
                dd {
                    ul .summary-list role="list" {
                        @for t in s.tariffs {
                            li { span { (t.name) } span .muted { (money::format(t.price_kop, sym)) "\u{2060}/мес" } }
                        }
                    }
                }
                dt { "Итого в месяц" } dd { strong { (money::format(total, sym)) } }
                dt { "Дата подключения" } dd { (day_label(s.date)) " " (s.date.year()) }
                @if !w.org.is_empty() { dt { "Организация" } dd { (w.org) } }
                dt { "Контактное лицо" } dd { (w.name) }
                dt { "Номер телефона" } dd { (format_phone(&w.phone)) }
                dt { "Электронная почта" } dd { (w.email) }
            }
            p .muted .small { "Нажимая «Отправить заявку», Вы подтверждаете согласие с условиями оферты и обработкой персональных данных." }
            @if let Some(e) = error { p .form-error role="alert" { (e) } }
            (hidden(&w.plan_pairs()))
            (hidden(&w.contact_pairs()))
            div .wizard-actions {
                button .btn .btn-ghost type="submit" formaction=(routes::JOIN_SELF_CONTACTS)
                    hx-post=(routes::JOIN_SELF_CONTACTS) { "Назад" }
                button .btn .btn-primary type="submit" { "Отправить заявку" }
            }
        }
    };
    frame(Step::Summary, "Проверьте заявку", body)
}

/// The address is not served yet: offer the request to a specialist instead.
pub fn outside(st: &Ctx, csrf: &str, address: &str) -> Markup {
    html! {
        section id=(ids::WIZARD) .wizard {
            div .outside {
                h2 { "Адрес пока вне зоны подключения" }
                p { "По адресу «" (address) "» мы пока не можем подключить Вас онлайн. Оставьте заявку — специалист проверит техническую возможность и свяжется с Вами." }
            }
            (specialist_form(st, csrf, &SpecialistForm { address, ..Default::default() }))
            a .btn .btn-ghost href=(routes::JOIN_SELF) hx-get=(routes::JOIN_SELF) hx-target=(ids::WIZARD_SEL) hx-swap="outerHTML" hx-push-url="true" { "Указать другой адрес" }
        }
    }
}

pub fn done(merged: bool, date: Option<Date>) -> Markup {
    html! {
        section id=(ids::WIZARD) .wizard {
            div .done-panel role="status" {
                div .done-icon aria-hidden="true" { "✓" }
                h2 { @if merged { "Заявка обновлена" } @else { "Заявка отправлена" } }
                p {
                    "Мы позвоним, чтобы подтвердить подключение"
                    @if let Some(d) = date { " " (day_label(d)) }
                    "."
                }
                a .btn .btn-secondary href=(routes::LOGIN) { "Вернуться ко входу" }
            }
        }
    }
}
