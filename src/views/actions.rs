//! «Действия с договором»: active requests, available actions, and a request's details.
use crate::routes::ids;
use maud::{html, Markup, PreEscaped};

use super::{
    components::modal,
    services::{iso_date, CHEVRON_SVG},
};
use crate::{
    domain::{
        actions::{self, Kind},
        time,
    },
    domain::{
        request::{RequestDetail, RequestRow},
        services::Dashboard,
    },
    routes,
    views::Ctx,
};

/// `can_act`: the role may file requests (else only «Активные заявки» is shown).
pub fn actions_card(st: &Ctx, d: &Dashboard, can_act: bool) -> Markup {
    html! {
        section .card .contract-actions #contract-actions {
            details .collapsible open {
                summary {
                    h2 { "Действия с договором" }
                    span .chev-down aria-hidden="true" { (PreEscaped(CHEVRON_SVG)) }
                }
                div .collapsible-body {
                    h3 .sub-title { "Активные заявки" }
                    (requests_list(st, &d.requests, None, false))
                    @if can_act {
                    h3 .sub-title { "Доступные действия" }
                    ul .row-list {
                        @for a in actions::offered(&d.state) {
                            li {
                                a .row-item .action href=(routes::action(a.code)) hx-get=(routes::action(a.code))
                                    hx-target=(ids::MODAL_SEL) aria-haspopup="dialog" {
                                    span .row-main { span .row-title { (a.title) } }
                                    span .chev { (PreEscaped(CHEVRON_SVG)) }
                                }
                            }
                        }
                    }
                    }
                }
            }
        }
    }
}

/// The «Активные заявки» list. Owns `#active-requests`; with `oob` it replaces itself
/// out of band (after a new request), marking `fresh` for a short highlight.
pub fn requests_list(st: &Ctx, rows: &[RequestRow], fresh: Option<i64>, oob: bool) -> Markup {
    html! {
        div id=(ids::ACTIVE_REQUESTS) hx-swap-oob=[oob.then_some("true")] {
            @if rows.is_empty() {
                p .muted { "Заявок пока нет." }
            } @else {
                ul .row-list {
                    @for r in rows {
                        @let (label, cls) = (r.status.label(), r.status.tone().class());
                        li .fresh[fresh == Some(r.id)] {
                            a .row-item .request href=(routes::request(r.id)) hx-get=(routes::request(r.id))
                                hx-target=(ids::MODAL_SEL) aria-haspopup="dialog" {
                                span .row-main {
                                    span .row-title { (r.title) }
                                    span .row-sub .nowrap { "Заявка создана: " (time::date(r.created_at, st.tz)) }
                                }
                                span .badge .(cls) { (label) }
                                span .chev { (PreEscaped(CHEVRON_SVG)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `+79123456789` → `+7 912 345-67-89`.
pub fn format_phone(p: &str) -> String {
    let d: Vec<char> = p.chars().filter(char::is_ascii_digit).collect();
    if d.len() != 11 {
        return p.to_owned();
    }
    let s = |a: usize, b: usize| d[a..b].iter().collect::<String>();
    format!("+7 {} {}-{}-{}", s(1, 4), s(4, 7), s(7, 9), s(9, 11))
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} МБ", bytes as f64 / 1024.0 / 1024.0).replace('.', ",")
    } else {
        format!("{} КБ", (bytes + 1023) / 1024)
    }
}

/// A request's fields as the guide labels and formats them (dates, phones, choices, the
/// tariff's name, files), shared by the subscriber's and the staff's request details.
/// `download`: files link to the subscriber's download route (staff see their names).
pub fn fields_list(r: &RequestDetail, download: bool) -> Markup {
    let def = actions::find(&r.row.kind);
    html! {
    dl .kv {
        @if let Some(def) = def {
            @for f in def.fields {
                @if f.kind == Kind::File {
                    @if !r.uploads.is_empty() {
                        (kv(f.label, html! {
                            @for u in &r.uploads {
                                @if download {
                                    a .kv-line href=(routes::upload(u.id)) download {
                                        (u.original_name)
                                    }
                                } @else {
                                    span .kv-line { (u.original_name) }
                                }
                                span .kv-note { (size_label(u.size_bytes)) }
                            }
                        }))
                    }
                } @else if let Some(v) = r.fields.get(f.name) {
                    (kv(f.label, field_value(f.kind, v, r)))
                }
            }
        } @else {
            @for (k, v) in &r.fields { (kv(k, html! { (v) })) }
        }
    }
    }
}

pub fn request_modal(st: &Ctx, r: &RequestDetail) -> Markup {
    let (label, cls) = (r.row.status.label(), r.row.status.tone().class());
    let body = html! {
        p .modal-status {
            span .badge .(cls) { (label) }
            span .muted { "Заявка № " (r.row.id) " · создана " (time::date(r.row.created_at, st.tz)) }
        }
        (fields_list(r, true))
        section .history {
            h3 { "История заявки" }
            ol .timeline {
                @for e in &r.events {
                    @let (elabel, ecls) = (e.status.label(), e.status.tone().class());
                    li .(ecls) {
                        div .timeline-head {
                            strong { (elabel) }
                            span .muted { (time::datetime(e.at, st.tz)) }
                        }
                        @if !e.comment.is_empty() {
                            p .timeline-comment {
                                (e.comment)
                                @if let Some(n) = &e.staff_name { span .kv-note { "— " (n) } }
                            }
                        }
                    }
                }
            }
        }
    };
    modal("request-modal", &r.row.title, body)
}

fn kv(label: &str, value: Markup) -> Markup {
    html! { div .kv-row { dt { (label) } dd { (value) } } }
}

fn field_value(kind: Kind, v: &str, r: &RequestDetail) -> Markup {
    match kind {
        Kind::Date => html! { (iso_date(v)) },
        Kind::Phone => html! { (format_phone(v)) },
        Kind::Select(opts) => {
            let shown = opts.iter().find(|(c, _)| *c == v).map_or(v, |(_, l)| *l);
            html! { (shown) }
        }
        Kind::Tariff => html! { (r.tariff_name.as_deref().unwrap_or(v)) },
        Kind::Textarea => html! { span .pre { (v) } },
        _ => html! { (v) },
    }
}
