//! Staff: contract requests and «Стать абонентом» applications — lists with filters and a
//! modal with details and the status change form.
use crate::routes::ids;
use maud::{html, Markup};

use super::layout::status_badge;
use crate::views::actions::format_phone;
use crate::{
    domain::{
        backoffice::{Application, Filter, RequestItem},
        request::RequestDetail,
    },
    domain::{
        states::{State, WorkStatus},
        time,
    },
    routes,
    views::components::modal,
    views::Ctx,
};

pub fn filters(action: &str, f: &Filter, placeholder: &str) -> Markup {
    let opts = [("", "Открытые"), ("all", "Все")]
        .into_iter()
        .chain(WorkStatus::ALL.iter().map(|s| (s.as_str(), s.label())));
    html! {
        form .staff-filters method="get" action=(action) hx-get=(action) hx-target=(ids::LIST_SEL)
            hx-select=(ids::LIST_SEL) hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit, keyup changed delay:400ms from:find input" {
            label { "Статус "
                select name="status" {
                    @for (code, label) in opts {
                        option value=(code) selected[f.status == code] { (label) }
                    }
                }
            }
            label { "Поиск "
                input type="search" name="q" value=(f.q) placeholder=(placeholder);
            }
            button .btn .btn-secondary type="submit" { "Найти" }
        }
    }
}

/// htmx 2 swaps table rows out of band only inside `<template>`: a bare `<tr>` after other
/// content is dropped by the HTML parser, leaving the list row stale.
pub fn oob_row(row: Markup) -> Markup {
    html! { template { (row) } }
}

pub fn request_row(st: &Ctx, r: &RequestItem, oob: bool) -> Markup {
    html! {
        tr #(format!("req-{}", r.id)) hx-swap-oob=[oob.then_some("true")] {
            td { (r.id) }
            td { (time::datetime(r.created_at, st.tz)) }
            td { a href=(routes::staff_contract(&r.contract_number)) { strong { (r.contract_number) } } br; span .muted { (r.org_name) } }
            td { (r.title) }
            td { (status_badge(&r.status)) }
            td { a .btn .btn-secondary href=(routes::staff_request(r.id)) hx-get=(routes::staff_request(r.id)) hx-target=(ids::MODAL_SEL) { "Открыть" } }
        }
    }
}

pub fn requests_list(st: &Ctx, rows: &[RequestItem]) -> Markup {
    html! {
        div id=(ids::LIST) .staff-list {
            @if rows.is_empty() { p .muted { "Заявок не найдено." } }
            @else {
                div .table-scroll tabindex="0" role="region" aria-label="Заявки по договорам" { table .staff-table {
                    thead { tr { th { "№" } th { "Создана" } th { "Договор" } th { "Заявка" } th { "Статус" } th { span .sr-only { "Действия" } } } }
                    tbody { @for r in rows { (request_row(st, r, false)) } }
                } }
            }
        }
    }
}

pub fn status_form(
    action: &str,
    current: WorkStatus,
    error: Option<&str>,
    comment: &str,
) -> Markup {
    let label = if action.starts_with(routes::STAFF_APPLICATIONS) {
        "Комментарий"
    } else {
        "Комментарий для абонента"
    };
    let next = current.next();
    // Preselect the next step of the workflow (staying put is still possible, for a comment).
    let pick = next
        .iter()
        .copied()
        .find(|c| *c != current)
        .unwrap_or(current);
    html! {
        form #status-form .form method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML" {
            @if next.is_empty() {
                p .muted { "Заявка завершена, статус больше не меняется." }
            } @else {
                div .field {
                    label for="f-status" { "Новый статус" }
                    select #f-status name="status" {
                        @for s in &next { option value=(s.as_str()) selected[*s == pick] { (s.label()) } }
                    }
                }
                div .field .has-error[error.is_some()] {
                    label for="f-comment" { (label) }
                    textarea #f-comment name="comment" rows="3" maxlength="1000"
                        aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "f-comment-error")] { (comment) }
                    @if let Some(e) = error { p .field-error #f-comment-error role="alert" { (e) } }
                }
                button .btn .btn-primary type="submit" { "Сохранить" }
            }
        }
    }
}

pub fn request_modal(st: &Ctx, number: &str, r: &RequestDetail) -> Markup {
    let body = html! {
        p .modal-status {
            (status_badge(&r.row.status))
            span .muted { "Заявка № " (r.row.id) " · договор " (number) " · создана " (time::datetime(r.row.created_at, st.tz)) }
        }
        (crate::views::actions::fields_list(r, false))
        section .history {
            h3 { "История заявки" }
            ol .timeline {
                @for e in &r.events {
                    li {
                        div .timeline-head { strong { (e.status.label()) } span .muted { (time::datetime(e.at, st.tz)) } }
                        @if !e.comment.is_empty() {
                            p .timeline-comment { (e.comment) @if let Some(n) = &e.staff_name { span .kv-note { " — " (n) } } }
                        }
                    }
                }
            }
        }
        (status_form(&routes::staff_request(r.row.id), r.row.status, None, ""))
    };
    modal("staff-request", &r.row.title, body)
}

pub fn application_row(st: &Ctx, a: &Application, oob: bool) -> Markup {
    html! {
        tr #(format!("app-{}", a.id)) hx-swap-oob=[oob.then_some("true")] {
            td { (a.id) }
            td { (time::datetime(a.created_at, st.tz)) }
            td { (a.name) br; span .muted .nowrap { (format_phone(&a.phone)) } }
            td { (a.address) }
            td { (if a.kind == "self" { "Самостоятельно" } else { "Специалисту" }) }
            td { (status_badge(&a.status)) }
            td { a .btn .btn-secondary href=(routes::staff_application(a.id)) hx-get=(routes::staff_application(a.id)) hx-target=(ids::MODAL_SEL) { "Открыть" } }
        }
    }
}

pub fn applications_list(st: &Ctx, rows: &[Application]) -> Markup {
    html! {
        div id=(ids::LIST) .staff-list {
            @if rows.is_empty() { p .muted { "Заявок на подключение не найдено." } }
            @else {
                div .table-scroll tabindex="0" role="region" aria-label="Заявки на подключение" { table .staff-table {
                    thead { tr { th { "№" } th { "Поступила" } th { "Имя и телефон" } th { "Адрес" } th { "Способ" } th { "Статус" } th { span .sr-only { "Действия" } } } }
                    tbody { @for a in rows { (application_row(st, a, false)) } }
                } }
            }
        }
    }
}

/// A wizard detail as (label, text); the address parts are already in «Адрес».
fn detail(st: &Ctx, key: &str, v: &serde_json::Value) -> Option<(String, String)> {
    let text = |v: &serde_json::Value| {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    };
    let label = match key {
        "city" | "street" | "house" => return None,
        "organization" => "Организация",
        "connection_date" => {
            return Some((
                "Дата подключения".into(),
                crate::views::services::iso_date(&text(v)),
            ))
        }
        "tariffs" => {
            let sym = &st.cfg.branding.currency_symbol;
            let lines: Vec<String> = v
                .as_array()?
                .iter()
                .map(|t| match t["price_kop"].as_i64() {
                    Some(p) => format!(
                        "{} — {}\u{2060}/мес",
                        text(&t["name"]),
                        crate::domain::money::format(p, sym)
                    ),
                    None => text(&t["name"]),
                })
                .collect();
            return Some(("Тарифы".into(), lines.join("\n")));
        }
        other => other,
    };
    Some((label.to_owned(), text(v)))
}

pub fn application_modal(st: &Ctx, a: &Application) -> Markup {
    let details: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&a.details_json).unwrap_or_default();
    let body = html! {
        p .modal-status { (status_badge(&a.status)) span .muted { "Поступила " (time::datetime(a.created_at, st.tz)) } }
        dl .kv {
            div .kv-row { dt { "Имя" } dd { (a.name) } }
            div .kv-row { dt { "Номер телефона" } dd .nowrap { (format_phone(&a.phone)) } }
            @if let Some(e) = &a.email { div .kv-row { dt { "Электронная почта" } dd { (e) } } }
            div .kv-row { dt { "Адрес" } dd { (a.address) } }
            @for (k, v) in &details {
                @if let Some((label, value)) = detail(st, k, v) {
                    div .kv-row { dt { (label) } dd .pre { (value) } }
                }
            }
            @if let Some(r) = &a.referrer { div .kv-row { dt { "Пригласил договор" } dd { (r) } } }
            div .kv-row { dt { "Согласие" } dd { (time::datetime(a.consent_at, st.tz)) } }
            @if !a.staff_comment.is_empty() { div .kv-row { dt { "Комментарий" } dd { (a.staff_comment) } } }
        }
        (status_form(&routes::staff_application(a.id), a.status, None, ""))
    };
    modal(
        "staff-application",
        &format!("Заявка на подключение № {}", a.id),
        body,
    )
}
