//! «Подключенные услуги»: the list on the main page and the details modal per service kind.
use crate::routes::ids;
use maud::{html, Markup, PreEscaped};

use super::components::modal;
use crate::{
    domain::money,
    domain::services::{Details, Service, ServiceDetail},
    routes,
    views::Ctx,
};

pub const CHEVRON_SVG: &str = r#"<svg viewBox="0 0 24 24" width="18" height="18" focusable="false" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M9 6l6 6-6 6"/></svg>"#;

const ICON_INTERNET: &str = r#"<svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M2 9a15 15 0 0 1 20 0M5.5 12.5a10 10 0 0 1 13 0M9 16a5 5 0 0 1 6 0"/><circle cx="12" cy="19.5" r="1.5" fill="currentColor"/></svg>"#;
const ICON_TV: &str = r#"<svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true"><rect x="2.5" y="5" width="19" height="12.5" rx="2.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 21h8" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>"#;
const ICON_PHONE: &str = r#"<svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" d="M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z"/></svg>"#;
const ICON_OTHER: &str = r#"<svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true"><rect x="4" y="4" width="16" height="16" rx="4" fill="none" stroke="currentColor" stroke-width="2"/></svg>"#;

fn icon(kind: &str) -> &'static str {
    match kind {
        "internet" => ICON_INTERNET,
        "tv" => ICON_TV,
        "phone" => ICON_PHONE,
        _ => ICON_OTHER,
    }
}

fn period_label(period: &str) -> &'static str {
    match period {
        "month" => "в месяц",
        "year" => "в год",
        _ => "разово",
    }
}

fn period_short(period: &str) -> &'static str {
    match period {
        "month" => "\u{2060}/мес",
        "year" => "/год",
        _ => "",
    }
}

/// `2026-12-31` → `31.12.26`.
pub fn iso_date(s: &str) -> String {
    match s.parse::<jiff::civil::Date>() {
        Ok(d) => d.strftime("%d.%m.%y").to_string(),
        Err(_) => s.to_owned(),
    }
}

pub fn services_card(st: &Ctx, services: &[Service]) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    html! {
        section .card .services #services aria-labelledby="services-title" {
            h2 #services-title { "Подключенные услуги" }
            @if services.is_empty() {
                p .muted { "К договору пока не подключено ни одной услуги." }
            } @else {
                ul .row-list {
                    @for s in services {
                        @let (label, cls) = (s.status.label(), s.status.tone().class());
                        li {
                            a .row-item .svc href=(routes::service(s.id)) hx-get=(routes::service(s.id)) hx-target=(ids::MODAL_SEL)
                                aria-haspopup="dialog" {
                                span .svc-icon .(s.kind) { (PreEscaped(icon(&s.kind))) }
                                span .row-main {
                                    span .row-title { (s.name) }
                                    span .row-sub {
                                        (s.tariff_name) " · "
                                        span .nowrap { (money::format(s.price_kop, sym)) (period_short(&s.period)) }
                                    }
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

fn kv(label: &str, value: Markup) -> Markup {
    html! { div .kv-row { dt { (label) } dd { (value) } } }
}

pub fn service_modal(st: &Ctx, d: &ServiceDetail) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let s = &d.service;
    let (label, cls) = (s.status.label(), s.status.tone().class());
    let body = html! {
        p .modal-status { span .badge .(cls) { (label) } }
        dl .kv {
            (kv("Тариф", html! {
                (s.tariff_name)
                @if !d.tariff_description.is_empty() { span .kv-note { (d.tariff_description) } }
            }))
            (kv("Стоимость", html! { (money::format(s.price_kop, sym)) " " (period_label(&s.period)) }))
            @if let Some(p) = &s.paid_until { (kv("Оплачено до", html! { (iso_date(p)) })) }
            @match &d.details {
                Details::Internet { speed_mbps, static_ip, equipment } => {
                    (kv("Скорость", html! { (speed_mbps) " Мбит/с" }))
                    (kv("Статический IP", html! {
                        @match static_ip { Some(ip) => code { (ip) }, None => span .muted { "Не подключен" } }
                    }))
                    (kv("Оборудование", html! {
                        @if equipment.is_empty() { span .muted { "Не указано" } } @else { (equipment) }
                    }))
                }
                Details::Tv { channel_package, channel_count } => {
                    (kv("Пакет каналов", html! {
                        (channel_package)
                        @if *channel_count > 0 { span .kv-note { (channel_count) " каналов" } }
                    }))
                }
                Details::Phone { numbers } => {
                    (kv(if numbers.len() == 1 { "Номер" } else { "Номера" }, html! {
                        @if numbers.is_empty() { span .muted { "Нет номеров" } }
                        @for n in numbers { span .kv-line { (n) } }
                    }))
                }
                Details::None => {}
            }
        }
        @if !d.devices.is_empty() {
            section .devices {
                h3 { "Устройства" }
                ul .device-list {
                    @for dev in &d.devices {
                        li {
                            span .row-title { (dev.model) }
                            @if !dev.serial.is_empty() { span .row-sub { "Серийный номер: " (dev.serial) } }
                        }
                    }
                }
            }
        }
    };
    modal("service-modal", &s.name, body)
}
