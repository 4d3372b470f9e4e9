//! «Главная страница»: header, contract, balance.
use crate::routes::ids;
use maud::{html, Markup, PreEscaped};

use super::components::{csrf_input, GEAR_SVG, LOGOUT_SVG, PIN_SVG};
use super::layout::{brand, page, Page};
use crate::{
    domain::role::{Cap, Role},
    domain::states::ContractStatus,
    domain::{autopay::Autopay, contract::ContractSummary},
    routes,
    views::Ctx,
};

pub fn header(st: &Ctx, csrf: &str, k: &ContractSummary, role: Role) -> Markup {
    html! {
        header .topbar {
            div .topbar-inner {
                (brand(st, false))
                div .topbar-right {
                    span .contract-chip title="Текущий договор" { "№\u{a0}" (k.number) }
                    details .menu .gear {
                        summary aria-label="Настройки" { (PreEscaped(GEAR_SVG)) }
                        div .menu-panel {
                            div .menu-org { (k.org_name) }
                            a .menu-item .menu-next href=(routes::ACCESS) hx-get=(routes::ACCESS) hx-target=(ids::MODAL_SEL) {
                                "Устройства и доступ"
                            }
                            a .menu-item .menu-next href=(routes::NOTIFICATIONS) hx-get=(routes::NOTIFICATIONS) hx-target=(ids::MODAL_SEL) {
                                "Уведомления"
                            }
                            @if role.can(Cap::Documents) {
                                a .menu-item .menu-next href=(routes::DOCUMENTS) hx-get=(routes::DOCUMENTS) hx-target=(ids::MODAL_SEL) {
                                    "Документы"
                                }
                            }
                            form method="post" action=(routes::LOGOUT) {
                                (csrf_input(csrf))
                                button .menu-item .danger type="submit" {
                                    (PreEscaped(LOGOUT_SVG)) span { "Выйти из личного кабинета" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn contract_head(k: &ContractSummary) -> Markup {
    html! {
        section .contract-head {
            p .eyebrow { (k.org_name) }
            h1 { "Договор " span .contract-number { (k.number) } }
            p .address { (PreEscaped(PIN_SVG)) span { (k.address) } }
            a .contracts-link href=(routes::CONTRACTS) hx-get=(routes::CONTRACTS) hx-target=(ids::MODAL_SEL) { "список договоров" }
            @if k.status == ContractStatus::Suspended { p .badge .warn { "Договор приостановлен" } }
        }
    }
}

/// Main-page sections rendered ahead (and cached) by the handler.
pub struct Parts<'a> {
    /// «Подключенные услуги» and «Действия с договором».
    pub blocks: &'a str,
    /// The stories strip.
    pub stories: &'a str,
    /// The referral section (empty when the programme is off).
    pub referral: &'a str,
    /// Staff broadcasts for this contract: (title, text).
    pub banners: &'a [(String, String)],
    /// The result of the payment the checkout just returned from.
    pub notice: Option<Markup>,
    /// Support is closed now: when it answers («завтра с 9:00»), for the chat's header.
    pub support_closed: Option<String>,
}

pub fn main_page(
    st: &Ctx,
    csrf: &str,
    k: &ContractSummary,
    role: Role,
    autopay: Option<&Autopay>,
    parts: &Parts,
) -> Markup {
    let content = html! {
        (header(st, csrf, k, role))
        main #main .container tabindex="-1" {
            (contract_head(k))
            (super::notify::banners(parts.banners))
            @if let Some(n) = &parts.notice { (n) }
            (PreEscaped(parts.stories))
            div .dashboard {
                (super::balance::card(st, k, role, autopay, false))
                (PreEscaped(parts.referral))
                (PreEscaped(parts.blocks))
            }
        }
        (footer(st))
        @if role.can(Cap::Chat) { (super::chat::widget(st, parts.support_closed.as_deref())) }
    };
    page(
        &Page {
            st,
            title: "Личный кабинет",
            csrf,
            body_class: "app",
        },
        content,
    )
}

/// «Подключенные услуги» and «Действия с договором», rendered together so the main page can
/// cache them per contract (see `web::main_page::BlocksCache`).
pub fn dashboard_blocks(st: &Ctx, dash: &crate::domain::services::Dashboard, role: Role) -> Markup {
    html! {
        (super::services::services_card(st, &dash.services))
        (super::actions::actions_card(st, dash, role.can(Cap::Actions)))
    }
}

pub fn footer(st: &Ctx) -> Markup {
    let b = &st.cfg.branding;
    html! {
        footer .footer {
            span { "© " (b.name) }
            @if let Some(p) = &b.support_phone {
                span { "Поддержка: " a href=(format!("tel:{}", p.replace([' ', '-'], ""))) { (p) } }
            }
        }
    }
}
