//! Staff: a contract's documents — the list (voided ones too), invoice / «Акт сверки» on the
//! caller's behalf, void with a reason.
use maud::{html, Markup};

use crate::{
    domain::documents::Doc,
    domain::{documents as d, money},
    routes,
    views::Ctx,
    views::{components::csrf_input, documents::shown},
};

pub struct StaffDocs<'a> {
    pub number: &'a str,
    pub docs: &'a [Doc],
    pub csrf: &'a str,
    /// A message after an action (ok) or a refusal (error).
    pub notice: Option<(&'a str, String)>,
    pub today: jiff::civil::Date,
}

pub fn card(st: &Ctx, v: &StaffDocs) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let base = routes::staff_contract_documents(v.number);
    let y = v.today.year();
    html! {
        section .card #staff-documents {
            h2 { "Документы" }
            @if let Some((tone, text)) = &v.notice {
                p .badge .(tone) role="status" { (text) }
            }
            div .staff-doc-forms {
                form .inline-form method="post" action={(base) "/invoice"} hx-post={(base) "/invoice"}
                    hx-target="#staff-documents" hx-swap="outerHTML" {
                    (csrf_input(v.csrf))
                    label for="staff-inv-amount" { "Счёт на сумму, ₽" }
                    input #staff-inv-amount name="amount" type="text" inputmode="decimal" required;
                    button .btn .btn-secondary type="submit" { "Выставить счёт" }
                }
                form .inline-form method="post" action={(base) "/reconciliation"} hx-post={(base) "/reconciliation"}
                    hx-target="#staff-documents" hx-swap="outerHTML" {
                    (csrf_input(v.csrf))
                    label for="staff-recon-period" { "Акт сверки за" }
                    select #staff-recon-period name="period" {
                        option value={"year:" (y - 1)} { (y - 1) " год" }
                        option value={"year:" (y)} { (y) " год (по сегодня)" }
                        @for back in 2..=4 { option value={"year:" (y - back)} { (y - back) " год" } }
                    }
                    button .btn .btn-secondary type="submit" { "Сформировать" }
                }
            }
            @if v.docs.is_empty() { p .muted { "Документов нет." } } @else {
                div .table-scroll tabindex="0" role="region" aria-label="Документы" { table .staff-table {
                    thead { tr { th { "Документ" } th { "Дата" } th { "Сумма" } th { "Статус" } th { "Источник" } th { span .sr-only { "Действия" } } } }
                    tbody {
                        @for doc in v.docs {
                            @let s = shown(doc);
                            tr {
                                td { a href=(routes::staff_document_pdf(doc.id)) download { (doc.kind.label()) " № " (doc.number) } }
                                td { (doc.issued_on.parse::<jiff::civil::Date>().map(d::ru_date).unwrap_or_default()) }
                                td .num { (money::format(doc.amount_kop, sym)) }
                                td {
                                    span .badge .(s.tone()) { (s.label()) }
                                    @if let Some(r) = &doc.void_reason { br; span .muted { (r) } }
                                }
                                td { (if doc.origin == "billing" { "биллинг" } else { "кабинет" }) }
                                td {
                                    @if doc.voided_at.is_none() {
                                        form .inline-form method="post" action=(routes::staff_document_void(doc.id))
                                            hx-post=(routes::staff_document_void(doc.id)) hx-target="#staff-documents" hx-swap="outerHTML" {
                                            (csrf_input(v.csrf))
                                            label .sr-only for={"void-" (doc.id)} { "Причина аннулирования " (doc.number) }
                                            input id={"void-" (doc.id)} name="reason" type="text" placeholder="Причина" required;
                                            button .btn .btn-secondary .danger type="submit" { "Аннулировать" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    }
}
