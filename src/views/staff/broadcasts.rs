//! Staff: «Объявления» — a broadcast (planned works, an outage) to chosen contracts or all,
//! and the list of recent ones with their delivery.
use maud::{html, Markup};

use crate::{
    domain::{
        notify::{BroadcastErrors, BroadcastRow},
        time,
    },
    routes,
    views::{components::csrf_input, Ctx},
};

/// The values typed into the form (kept on a refusal).
#[derive(Default)]
pub struct Typed<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub to_all: bool,
    pub contracts: &'a str,
    pub until: &'a str,
}

fn err(id: &str, e: Option<&str>) -> Markup {
    html! { @if let Some(m) = e { p .field-error id=(id) { (m) } } }
}

pub fn form(csrf: &str, t: &Typed, e: &BroadcastErrors) -> Markup {
    let described = |on: bool, id: &'static str| on.then_some(id);
    html! {
        form #broadcast-form .form .card method="post" action=(routes::STAFF_BROADCASTS) {
            (csrf_input(csrf))
            h2 { "Новое объявление" }
            p .hint { "Уходит по каналам, выбранным абонентами, и висит баннером на главной странице до конца указанного дня." }
            div .field .has-error[e.title.is_some()] {
                label for="b-title" { "Заголовок" }
                input #b-title name="title" type="text" value=(t.title) maxlength="120" required
                    aria-invalid=[e.title.map(|_| "true")] aria-describedby=[described(e.title.is_some(), "b-title-error")];
                (err("b-title-error", e.title))
            }
            div .field .has-error[e.body.is_some()] {
                label for="b-body" { "Текст" }
                textarea #b-body name="body" rows="4" maxlength="1000" required
                    aria-invalid=[e.body.map(|_| "true")] aria-describedby=[described(e.body.is_some(), "b-body-error")] { (t.body) }
                (err("b-body-error", e.body))
            }
            div .field {
                label .check {
                    input type="checkbox" name="to_all" value="on" checked[t.to_all];
                    span { "Всем абонентам" }
                }
            }
            div .field .has-error[e.contracts.is_some()] {
                label for="b-contracts" { "Номера договоров" }
                textarea #b-contracts name="contracts" rows="3"
                    aria-invalid=[e.contracts.as_ref().map(|_| "true")] aria-describedby="b-contracts-hint" { (t.contracts) }
                p .hint #b-contracts-hint { "Через пробел, запятую или с новой строки; не нужно, если выбрано «Всем абонентам»." }
                (err("b-contracts-error", e.contracts.as_deref()))
            }
            div .field .has-error[e.until.is_some()] {
                label for="b-until" { "Показывать до" }
                input #b-until name="until" type="date" value=(t.until) required
                    aria-invalid=[e.until.map(|_| "true")] aria-describedby=[described(e.until.is_some(), "b-until-error")];
                (err("b-until-error", e.until))
            }
            button .btn .btn-primary type="submit" { "Отправить объявление" }
        }
    }
}

pub fn list(st: &Ctx, rows: &[BroadcastRow]) -> Markup {
    html! {
        section .card {
            h2 { "Отправленные" }
            @if rows.is_empty() {
                p .muted { "Объявлений еще не было." }
            } @else {
                table .staff-table {
                    thead { tr { th { "Объявление" } th { "Договоров" } th { "Доставлено" } th { "До" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td {
                                    (r.title) br;
                                    span .muted { (r.staff.as_deref().unwrap_or("—")) ", " (time::datetime(r.created_at, st.tz)) }
                                }
                                td { (r.contracts) @if r.to_all { " (всем)" } }
                                td { (r.sent) @if r.pending > 0 { br; span .muted { "в очереди: " (r.pending) } } }
                                td { (time::date(r.ends_at - 1, st.tz)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
