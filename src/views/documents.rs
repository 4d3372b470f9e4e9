//! «Документы»: the company's requisites, «Счёт на оплату» and «Акт сверки» forms, the list
//! grouped by month with type/year filters, download and «Отправить на почту».
use crate::routes::ids;
use maud::{html, Markup};

use super::components::{csrf_input, modal};
use crate::{
    domain::documents::{Company, Doc, Screen},
    domain::{
        documents::{self as d, DocKind, Shown},
        money,
    },
    routes,
    views::Ctx,
};

/// The filter as the screen got it (echoed into the controls and the «Показать ещё» link).
#[derive(Debug, Clone, Default)]
pub struct FilterState {
    pub kind: String,
    pub year: String,
}

impl FilterState {
    fn query(&self) -> String {
        format!("kind={}&year={}", enc(&self.kind), enc(&self.year))
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A form's state: typed values and errors by field.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: Vec<(&'static str, String)>,
    pub errors: Vec<(&'static str, String)>,
    /// A document just issued by this form.
    pub issued: Option<Doc>,
}

impl FormState {
    fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An input with its label and its error tied by `aria-describedby`.
fn input(
    form: &str,
    name: &str,
    label: &str,
    kind: &str,
    f: &FormState,
    hint: Option<&str>,
) -> Markup {
    let id = format!("{form}-{name}");
    let err = f.error(name);
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = match (err.is_some(), hint.is_some()) {
        (true, true) => Some(format!("{err_id} {hint_id}")),
        (true, false) => Some(err_id.clone()),
        (false, true) => Some(hint_id.clone()),
        (false, false) => None,
    };
    html! {
        div .field .has-error[err.is_some()] {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) value=(f.value(name)) autocomplete="off"
                inputmode=[(name == "amount").then_some("decimal")]
                aria-invalid=[err.map(|_| "true")] aria-describedby=[described];
            @if let Some(h) = hint { p .hint id=(hint_id) { (h) } }
            @if let Some(e) = err { p .field-error id=(err_id) { (e) } }
        }
    }
}

fn issued_note(d: &Doc) -> Markup {
    html! {
        p .doc-issued role="status" {
            (d.kind.label()) " № " (d.number) " готов. "
            a href=(routes::document_pdf(d.id)) download { "Скачать PDF" }
        }
    }
}

pub fn invoice_form(csrf: &str, f: &FormState) -> Markup {
    html! {
        form #doc-invoice-form .form .doc-tool method="post" action=(routes::DOCUMENTS_INVOICE)
            hx-post=(routes::DOCUMENTS_INVOICE) hx-target="this" hx-swap="outerHTML"
            hx-disabled-elt="find button[type=submit]" novalidate {
            (csrf_input(csrf))
            h3 { "Счёт на оплату" }
            p .muted { "Для оплаты по безналичному расчёту: с реквизитами и QR-кодом для приложения банка." }
            (input("invoice", "amount", "Сумма, ₽", "text", f, None))
            @if let Some(d) = &f.issued { (issued_note(d)) }
            button .btn .btn-primary type="submit" { "Выставить счёт" }
        }
    }
}

/// Periods offered for «Акт сверки»: this and the previous years, their quarters.
fn presets(today: jiff::civil::Date) -> Vec<(String, String)> {
    let y = today.year();
    let q = (today.month() - 1) / 3 + 1;
    let roman = ["I", "II", "III", "IV"];
    let mut v = vec![
        (format!("year:{y}"), format!("{y} год (по сегодня)")),
        (
            format!("q:{y}-{q}"),
            format!("{} квартал {y}", roman[(q - 1) as usize]),
        ),
    ];
    for back in 1..=4 {
        v.push((format!("year:{}", y - back), format!("{} год", y - back)));
    }
    for qq in (1..=4).rev() {
        v.push((
            format!("q:{}-{qq}", y - 1),
            format!("{} квартал {}", roman[(qq - 1) as usize], y - 1),
        ));
    }
    v.push(("custom".into(), "Другой период (даты ниже)".into()));
    v
}

pub fn reconciliation_form(csrf: &str, f: &FormState, today: jiff::civil::Date) -> Markup {
    let chosen = match f.value("period") {
        "" => format!("year:{}", today.year() - 1),
        v => v.to_owned(),
    };
    let err = f.error("period");
    html! {
        form #doc-recon-form .form .doc-tool method="post" action=(routes::DOCUMENTS_RECONCILIATION)
            hx-post=(routes::DOCUMENTS_RECONCILIATION) hx-target="this" hx-swap="outerHTML"
            hx-disabled-elt="find button[type=submit]" novalidate {
            (csrf_input(csrf))
            h3 { "Акт сверки" }
            p .muted { "Взаимные расчёты за период: сальдо, начисления, оплаты, кто кому должен." }
            div .field .has-error[err.is_some()] {
                label for="recon-period" { "Период" }
                select #recon-period name="period" aria-invalid=[err.map(|_| "true")]
                    aria-describedby=[err.map(|_| "recon-period-error")] {
                    @for (v, l) in presets(today) {
                        option value=(v) selected[v == chosen] { (l) }
                    }
                }
                @if let Some(e) = err { p .field-error #recon-period-error { (e) } }
            }
            div .doc-dates {
                (input("recon", "from", "С", "date", f, None))
                (input("recon", "to", "По", "date", f, None))
            }
            p .hint .doc-dates-hint { "Даты — для «Другой период»." }
            @if let Some(d) = &f.issued { (issued_note(d)) }
            button .btn .btn-primary type="submit" { "Сформировать" }
        }
    }
}

fn requisites(k: &Company) -> Markup {
    let dash = |v: &Option<String>| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "—".into())
    };
    html! {
        section .doc-company aria-labelledby="doc-company-title" {
            div .doc-company-head {
                h3 #doc-company-title { (if k.name.is_empty() { "Реквизиты" } else { k.name.as_str() }) }
                a .link-btn href=(routes::action("requisites_change"))
                    hx-get=(routes::action("requisites_change")) hx-target=(ids::MODAL_SEL) { "Изменить реквизиты" }
            }
            dl .doc-req {
                div { dt { "ИНН" } dd { (dash(&k.inn)) } }
                div { dt { "КПП" } dd { (dash(&k.kpp)) } }
                div { dt { (if k.ogrn.as_deref().map(str::len) == Some(15) { "ОГРНИП" } else { "ОГРН" }) } dd { (dash(&k.ogrn)) } }
                div .wide { dt { "Юридический адрес" } dd { (dash(&k.legal_address)) } }
            }
        }
    }
}

fn filters(st: &FilterState, years: &[i16]) -> Markup {
    html! {
        form .doc-filters method="get" action=(routes::DOCUMENTS) hx-get=(routes::DOCUMENTS_LIST)
            hx-target="#documents-list" hx-swap="outerHTML" hx-trigger="change" role="search" {
            div .field {
                label for="doc-kind" { "Тип" }
                select #doc-kind name="kind" {
                    option value="" selected[st.kind.is_empty()] { "Все документы" }
                    @for k in DocKind::ALL {
                        option value=(k.code()) selected[st.kind == k.code()] { (k.label()) }
                    }
                }
            }
            div .field {
                label for="doc-year" { "Год" }
                select #doc-year name="year" {
                    option value="" selected[st.year.is_empty()] { "Все годы" }
                    @for y in years {
                        option value=(y) selected[st.year == y.to_string()] { (y) }
                    }
                }
            }
            noscript { button .btn .btn-secondary type="submit" { "Показать" } }
        }
    }
}

fn subtitle(d: &Doc) -> String {
    let on = d
        .issued_on
        .parse::<jiff::civil::Date>()
        .map(d::ru_date)
        .unwrap_or_else(|_| d.issued_on.clone());
    if d.title.is_empty() {
        format!("от {on}")
    } else {
        format!("от {on} · {}", d.title)
    }
}

pub fn shown(d: &Doc) -> Shown {
    Shown::of(
        d.kind,
        d.voided_at.is_some(),
        d.downloaded_at.is_some(),
        d.paid_at.is_some(),
    )
}

/// `mail`: the role may send documents by e-mail (issue 15: no button that answers 403).
fn row(st: &Ctx, d: &Doc, mail: bool) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let s = shown(d);
    html! {
        li .doc-row #{"doc-" (d.id)} {
            span .doc-icon .(d.kind.code()) aria-hidden="true" { "PDF" }
            div .doc-main {
                p .doc-title { (d.kind.label()) " № " (d.number) }
                p .doc-sub { (subtitle(d)) }
            }
            span .doc-amount { (money::format(d.amount_kop, sym)) }
            span .badge .(s.tone()) { (s.label()) }
            div .doc-actions {
                a .btn .btn-secondary .btn-sm href=(routes::document_pdf(d.id)) download
                    aria-label={"Скачать " (d.kind.label()) " № " (d.number)} { "Скачать" }
                @if mail {
                    a .btn .btn-secondary .btn-sm href=(routes::document_email(d.id))
                        hx-get=(routes::document_email(d.id)) hx-target={"#doc-mail-" (d.id)}
                        aria-label={"Отправить на почту " (d.kind.label()) " № " (d.number)} { "На почту" }
                }
            }
            div .doc-mail #{"doc-mail-" (d.id)} {}
        }
    }
}

/// The month headings and rows of one page of the list, and the loader of the next page.
pub fn rows(
    st: &Ctx,
    docs: &[Doc],
    more: Option<&(String, i64)>,
    f: &FilterState,
    prev_month: Option<&str>,
    mail: bool,
) -> Markup {
    let mut last = prev_month.map(str::to_owned);
    let items: Vec<(Option<String>, &Doc)> = docs
        .iter()
        .map(|d| {
            let m = d.issued_on.get(..7).unwrap_or("").to_owned();
            let head = (last.as_deref() != Some(m.as_str())).then(|| {
                let (y, mo) = d::parse_month(&m).unwrap_or((2000, 1));
                capital(&d::month_name(y, mo))
            });
            last = Some(m);
            (head, d)
        })
        .collect();
    html! {
        @for (head, d) in &items {
            @if let Some(h) = head {
                li .doc-month { h3 { (h) } }
            }
            (row(st, d, mail))
        }
        @if let Some((on, id)) = more {
            li .history-more {
                button .btn .btn-secondary type="button"
                    hx-get=(format!("{}?{}&before_on={}&before_id={id}&month={}", routes::DOCUMENTS_LIST, f.query(), enc(on), enc(on.get(..7).unwrap_or(""))))
                    hx-target="closest li" hx-swap="outerHTML" { "Показать ещё" }
            }
        }
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn list(st: &Ctx, s: &Screen, f: &FilterState, mail: bool) -> Markup {
    list_with(st, s, f, false, mail)
}

/// The list for an out-of-band swap (after a form issued a document).
pub fn list_oob(st: &Ctx, s: &Screen, f: &FilterState) -> Markup {
    list_with(st, s, f, true, true)
}

fn list_with(st: &Ctx, s: &Screen, f: &FilterState, oob: bool, mail: bool) -> Markup {
    html! {
        div #documents-list .doc-list-wrap hx-swap-oob=[oob.then_some("true")] {
            @if s.docs.is_empty() {
                p .muted .doc-empty { "Документов пока нет. Закрывающие документы появляются в первые дни месяца за предыдущий месяц." }
            } @else {
                ul .doc-list { (rows(st, &s.docs, s.more.as_ref(), f, None, mail)) }
            }
        }
    }
}

pub struct Forms<'a> {
    pub csrf: &'a str,
    pub invoice: &'a FormState,
    pub recon: &'a FormState,
    pub today: jiff::civil::Date,
    pub generates: bool,
    /// The role may e-mail documents (and issue them: `generates` is off otherwise).
    pub mail: bool,
}

pub fn body(st: &Ctx, s: &Screen, f: &FilterState, forms: &Forms) -> Markup {
    html! {
        div .documents {
            (requisites(&s.company))
            @if forms.generates {
                div .doc-tools {
                    (invoice_form(forms.csrf, forms.invoice))
                    (reconciliation_form(forms.csrf, forms.recon, forms.today))
                }
            }
            section .doc-archive aria-labelledby="doc-archive-title" {
                h3 #doc-archive-title .sr-only { "Выпущенные документы" }
                (filters(f, &s.years))
                (list(st, s, f, forms.mail))
            }
        }
    }
}

pub fn documents_modal(st: &Ctx, s: &Screen, f: &FilterState, forms: &Forms) -> Markup {
    modal("documents-modal", "Документы", body(st, s, f, forms))
}

/// «Отправить на почту» inside a document's row.
pub fn mail_form(csrf: &str, d: &Doc, email: &str, error: Option<&str>) -> Markup {
    let id = format!("doc-mail-{}-email", d.id);
    let err_id = format!("{id}-error");
    html! {
        form .doc-mail-form method="post" action=(routes::document_email(d.id)) hx-post=(routes::document_email(d.id))
            hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" novalidate {
            (csrf_input(csrf))
            div .field .has-error[error.is_some()] {
                label for=(id) { "Электронная почта для " (d.kind.label().to_lowercase()) " № " (d.number) }
                input id=(id) name="email" type="email" value=(email) autocomplete="email" required
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
                @if let Some(e) = error { p .field-error id=(err_id) { (e) } }
            }
            button .btn .btn-primary .btn-sm type="submit" { "Отправить" }
        }
    }
}

pub fn mail_sent(to_masked: &str) -> Markup {
    html! { p .doc-issued role="status" { "Отправлено на " (to_masked) ". Письмо с PDF придёт в течение нескольких минут." } }
}
