//! Staff: contract lookup (search list) and one contract's page.
use crate::routes::ids;
use maud::{html, Markup};

use super::layout::status_badge;
use crate::{
    domain::staff_contracts::{Card, Found},
    domain::states::ContractStatus,
    domain::{money, time},
    routes,
    views::Ctx,
};

/// A contract's state as a badge (also beside a chat conversation).
pub fn contract_status(s: &ContractStatus) -> Markup {
    html! { span .badge .(s.tone().class()) { (s.label()) } }
}

pub fn search_form(q: &str) -> Markup {
    html! {
        form .staff-filters method="get" action=(routes::STAFF_CONTRACTS) hx-get=(routes::STAFF_CONTRACTS)
            hx-target=(ids::LIST_SEL) hx-select=(ids::LIST_SEL) hx-swap="outerHTML" hx-push-url="true"
            hx-trigger="submit, keyup changed delay:400ms from:find input" {
            div .filter-field {
                label for="contract-q" { "Поиск договора" }
                input #contract-q type="search" name="q" value=(q) autofocus
                    placeholder="Номер, организация, ИНН, адрес или телефон";
            }
            button .btn .btn-secondary type="submit" { "Найти" }
        }
    }
}

pub fn results(st: &Ctx, q: &str, rows: &[Found]) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    html! {
        div id=(ids::LIST) .staff-list {
            @if rows.is_empty() {
                p .muted { "Договоров не найдено." }
            } @else {
                div .table-scroll tabindex="0" role="region" aria-label="Найденные договоры" { table .staff-table {
                    thead { tr { th { "Договор" } th { "Организация" } th { "Адрес" } th { "Баланс" } th { "Состояние" } th { span .sr-only { "Действия" } } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { strong { (r.number) } }
                                td { (r.org_name) }
                                td { (r.address) }
                                td .num { (money::format(r.balance_kop, sym)) }
                                td { (contract_status(&r.status)) }
                                td { a .btn .btn-secondary href=(routes::staff_contract(&r.number)) { "Открыть" } }
                            }
                        }
                    }
                } }
                @if rows.len() >= crate::domain::staff_contracts::SEARCH_LIMIT {
                    p .muted { "Показаны первые " (rows.len()) " договоров" @if !q.is_empty() { " по запросу «" (q) "»" } ". Уточните поиск." }
                }
            }
        }
    }
}

pub fn card(st: &Ctx, csrf: &str, k: &Card) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let s = &k.summary;
    html! {
        p { a href=(routes::STAFF_CONTRACTS) { "← Все договоры" } }
        div .staff-contract {
            section .card {
                h2 { "Сведения о договоре " (contract_status(&s.status)) }
                dl .kv {
                    div .kv-row { dt { "Организация" } dd { (s.org_name) } }
                    @if let Some(inn) = &k.inn { div .kv-row { dt { "ИНН" } dd { (inn) } } }
                    div .kv-row { dt { "Адрес" } dd { (s.address) } }
                    div .kv-row { dt { "Баланс" } dd { strong { (money::format(s.balance_kop, sym)) } } }
                    div .kv-row { dt { "Рекомендуемая сумма к оплате" } dd { (money::format(s.recommended_kop, sym)) } }
                    div .kv-row { dt { "Автоплатеж" } dd {
                        @match &k.autopay {
                            Some(a) if a.enabled => {
                                "подключен, " (money::format(a.amount_kop, sym))
                                @if let Some(m) = &a.card_mask { ", карта " (m) }
                            }
                            _ => "не подключен",
                        }
                    } }
                }
            }
            section .card {
                h2 { "Доступ к договору" }
                div .table-scroll tabindex="0" role="region" aria-label="Доступ к договору" { table .staff-table {
                    thead { tr { th { "Вход" } th { "Роль" } th { "Заметка" } th { "Добавлен" } th { "Активных сеансов" } th { "Доступ" } } }
                    tbody {
                        @for h in &k.holders {
                            tr {
                                td { @match &h.phone_masked { Some(p) => { "Телефон " (p) }, None => "По договору" } }
                                td { (h.role.label()) }
                                td { (h.note) }
                                td { (time::date(h.added_at, st.tz)) }
                                td .num { (h.sessions) }
                                td {
                                    @if let Some(p) = &h.phone_masked {
                                        @let fid = format!("reason-{}", h.account_id);
                                        form .staff-remove method="post" action=(crate::routes::staff_user_remove(&k.summary.number, h.account_id)) {
                                            (crate::views::components::csrf_input(csrf))
                                            label for=(fid) { "Основание" }
                                            input id=(fid) name="reason" type="text" required maxlength="200"
                                                placeholder="звонок владельца";
                                            button .btn .btn-secondary type="submit"
                                                aria-label=(format!("Удалить доступ {p}")) { "Удалить доступ" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            section .card {
                h2 { "Подключенные услуги" }
                @if k.services.is_empty() { p .muted { "Услуг нет." } } @else {
                    div .table-scroll tabindex="0" role="region" aria-label="Подключенные услуги" { table .staff-table {
                        thead { tr { th { "Услуга" } th { "Тариф" } th { "Стоимость" } th { "Статус" } } }
                        tbody {
                            @for sv in &k.services {
                                @let (label, cls) = (sv.status.label(), sv.status.tone().class());
                                tr {
                                    td { (sv.name) }
                                    td { (sv.tariff_name) }
                                    td .num { (money::format(sv.price_kop, sym)) }
                                    td { span .badge .(cls) { (label) } }
                                }
                            }
                        }
                    } }
                }
            }
            section .card {
                h2 { "Заявки" }
                @if k.requests.is_empty() { p .muted { "Заявок нет." } } @else {
                    div .table-scroll tabindex="0" role="region" aria-label="Заявки" { table .staff-table {
                        thead { tr { th { "№" } th { "Создана" } th { "Заявка" } th { "Статус" } th { span .sr-only { "Действия" } } } }
                        tbody {
                            @for r in &k.requests {
                                tr {
                                    td { (r.id) }
                                    td { (time::datetime(r.created_at, st.tz)) }
                                    td { (r.title) }
                                    td { (status_badge(&r.status)) }
                                    td { a .btn .btn-secondary href=(routes::staff_request(r.id)) hx-get=(routes::staff_request(r.id)) hx-target=(ids::MODAL_SEL) { "Открыть" } }
                                }
                            }
                        }
                    } }
                }
            }
            section .card {
                h2 { "История баланса" }
                @if k.ledger.is_empty() { p .muted { "Операций нет." } } @else {
                    div .table-scroll tabindex="0" role="region" aria-label="История баланса" { table .staff-table {
                        thead { tr { th { "Дата" } th { "Операция" } th { "Сумма" } } }
                        tbody {
                            @for e in &k.ledger {
                                tr {
                                    td { (time::date(e.occurred_at, st.tz)) }
                                    td { (e.description) }
                                    td .num .plus[e.amount_kop > 0] { (money::format_signed(e.amount_kop, sym)) }
                                }
                            }
                        }
                    } }
                }
            }
            div hx-get=(routes::staff_contract_documents(&s.number)) hx-trigger="load" hx-swap="outerHTML" {
                section .card {
                    h2 { "Документы" }
                    a href=(routes::staff_contract_documents(&s.number)) { "Документы договора" }
                }
            }
            section .card {
                h2 { "Платежи" }
                @if k.payments.is_empty() { p .muted { "Платежей через кабинет не было." } } @else {
                    div .table-scroll tabindex="0" role="region" aria-label="Платежи" { table .staff-table {
                        thead { tr { th { "№" } th { "Создан" } th { "Назначение" } th { "Сумма" } th { "Статус" } } }
                        tbody {
                            @for p in &k.payments {
                                tr {
                                    td { (p.id) }
                                    td { (time::datetime(p.created_at, st.tz)) }
                                    td { (p.purpose.label()) " · " (crate::domain::payment::provider_label(&p.provider)) }
                                    td .num { (money::format(p.amount_kop, sym)) }
                                    td {
                                        span .badge .(p.status.tone().class()) { (p.status.label()) }
                                        @if crate::domain::payment::is_test(&p.provider) {
                                            " " span .badge .warn title="Тестовый шлюз: деньги не поступали" { "Тестовый, не деньги" }
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
}
