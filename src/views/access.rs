//! «Устройства и доступ»: tabs «Устройства» (sessions) and «Договоры» (who else holds my
//! contracts), and the contract password form.
use crate::routes::ids;
use maud::{html, Markup};

use super::components::{field, modal, Field};
use crate::{
    domain::account::{Device, Holder, Linked, Remaining},
    domain::ids::{AccountId, ContractId},
    domain::outbox::mask_phone,
    domain::role::Role,
    domain::time,
    routes,
    views::Ctx,
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Devices,
    Contracts,
    Users,
    Security,
    Journal,
}

/// The modal's tabs; «Пользователи» only for the current contract's owner (`users`).
pub fn tabs(active: Tab, users: bool) -> Markup {
    let items = [
        (Tab::Devices, "Устройства", routes::ACCESS),
        (Tab::Contracts, "Договоры", routes::ACCESS_CONTRACTS),
        (Tab::Users, "Пользователи", routes::ACCESS_USERS),
        (Tab::Security, "Вход", routes::ACCESS_SECURITY),
        (Tab::Journal, "Журнал действий", routes::ACCESS_JOURNAL),
    ];
    html! {
        // Links (a page each without JavaScript) that htmx swaps in place: no tab roles.
        nav .tabs .modal-tabs aria-label="Разделы" {
            @for (t, label, href) in items.into_iter().filter(|(t, ..)| users || !matches!(t, Tab::Users | Tab::Journal)) {
                a .tab .active[t == active] href=(href) aria-current=[(t == active).then_some("page")]
                    hx-get=(href) hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML" { (label) }
            }
        }
    }
}

pub fn modal_with(body: Markup) -> Markup {
    modal("access-modal", "Устройства и доступ", body)
}

/// OS and browser from a user agent, e.g. ("Windows 10", "Chrome 110.0.0.0").
pub fn describe(ua: &str) -> (String, String) {
    let unknown = || ("Неизвестное устройство".to_owned(), String::new());
    let Some(r) = woothee::parser::Parser::new().parse(ua) else {
        return unknown();
    };
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    let os = if known(r.os) {
        if known(&r.os_version) && !r.os.starts_with("Windows") {
            format!("{} {}", r.os, r.os_version)
        } else {
            r.os.to_owned()
        }
    } else {
        "Неизвестная система".to_owned()
    };
    let browser = if known(r.name) {
        if known(r.version) {
            format!("{} {}", r.name, r.version)
        } else {
            r.name.to_owned()
        }
    } else {
        String::new()
    };
    if !known(r.os) && browser.is_empty() {
        return unknown();
    }
    (os, browser)
}

pub fn devices_panel(
    st: &Ctx,
    csrf: &str,
    devices: &[Device],
    current: i64,
    users_tab: bool,
    left: &Remaining,
) -> Markup {
    html! {
        div id=(ids::ACCESS_BODY) .access-body {
            (tabs(Tab::Devices, users_tab))
            (remaining(st, csrf, left))
            p .muted .lead { "Устройства, авторизованные под Вашей учетной записью. Если среди них есть неизвестные, рекомендуем сбросить авторизацию и сменить пароли от договоров" }
            ul .device-cards {
                @for d in devices {
                    @let (os, browser) = describe(&d.user_agent);
                    li .device-card .current[d.session_id == current] {
                        div .dev-main {
                            strong .dev-os { (os) }
                            @if !browser.is_empty() { span .dev-browser { (browser) } }
                            span .dev-meta { "Активность: " (time::datetime(d.last_seen_at, st.tz)) }
                            @if !d.ip.is_empty() { span .dev-meta { "IP: " (d.ip) } }
                        }
                        @if d.session_id == current { span .badge .ok { "Текущее устройство" } }
                    }
                }
            }
            div .reset-box {
                form method="post" action=(routes::ACCESS_RESET) hx-post=(routes::ACCESS_RESET)
                    hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML"
                    hx-confirm="Выйти на всех других устройствах и удалить ключи доступа? Там потребуется войти заново." {
                    (super::components::csrf_input(csrf))
                    button .btn .btn-secondary .danger-btn type="submit" { "Сбросить все устройства" }
                }
                p .muted .hint { "На всех устройствах, кроме текущего, потребуется повторная авторизация. Ключи доступа и подписки на уведомления будут удалены" }
            }
        }
    }
}

/// «Что ещё даёт доступ»: passkeys and invited users, each with its own action (a reset ends
/// sessions, passkeys and push subscriptions; invited users stay until the owner removes them).
fn remaining(st: &Ctx, csrf: &str, left: &Remaining) -> Markup {
    html! {
        @if !left.passkeys.is_empty() || !left.invited.is_empty() {
            section .access-contract .remaining aria-labelledby="remaining-title" {
                h3 #remaining-title { "Что ещё даёт доступ" }
                ul .holder-list {
                    @for k in &left.passkeys {
                        li {
                            span .holder { "Ключ доступа «" (k.name) "»" }
                            span .muted .small { "добавлен " (time::date(k.created_at, st.tz)) }
                            form method="post" action=(routes::passkey_remove(k.id)) {
                                (super::components::csrf_input(csrf))
                                button .link-btn .danger type="submit" aria-label=(format!("Удалить ключ доступа {}", k.name)) { "Удалить" }
                            }
                        }
                    }
                    @for u in &left.invited {
                        @let who = u.phone.as_deref().map(mask_phone).unwrap_or_else(|| "Пользователь".into());
                        li .invited {
                            span .holder { (who) }
                            span .badge { (u.role.label()) }
                            span .muted .small { "договор " (u.contract_number) ", приглашён " (time::date(u.added_at, st.tz)) }
                            form method="post" action=(routes::access_revoke(ContractId(u.contract_id), AccountId(u.account_id))) {
                                (super::components::csrf_input(csrf))
                                input type="hidden" name="panel" value="users";
                                button .link-btn .danger type="submit" aria-label=(format!("Удалить доступ пользователя {who}")) { "Удалить доступ" }
                            }
                        }
                    }
                }
                p .muted .hint { "Если Вы не узнаёте ключ или пользователя, удалите их: сброс устройств их не затрагивает" }
            }
        }
    }
}

/// How another holder is shown: a masked phone, or a masked contract number.
pub fn holder_label(h: &Holder) -> String {
    if let Some(p) = &h.phone {
        return mask_phone(p);
    }
    match &h.contract_number {
        Some(n) if n.chars().count() > 6 => {
            let chars: Vec<char> = n.chars().collect();
            let head: String = chars[..4].iter().collect();
            let tail: String = chars[chars.len() - 2..].iter().collect();
            format!("Договор {head}{}{tail}", "*".repeat(chars.len() - 6))
        }
        _ => "Другой аккаунт".to_owned(),
    }
}

/// Holders and their roles are shown (and can be removed) on the contracts this account owns.
pub fn contracts_panel(rows: &[(Linked, Vec<Holder>)], users_tab: bool) -> Markup {
    html! {
        div id=(ids::ACCESS_BODY) .access-body {
            (tabs(Tab::Contracts, users_tab))
            p .muted .lead { "Здесь отображается, у каких аккаунтов добавлены Ваши договоры. Если среди пользователей есть неизвестные лица, рекомендуем удалить доступ и изменить пароль от договора" }
            @for (k, holders) in rows {
                section .access-contract #(format!("access-{}", k.id)) {
                    div .ac-head {
                        strong { (k.number) }
                        span .muted { (k.address) }
                        @if k.role != Role::Owner { span .badge { (k.role.label()) } }
                    }
                    @if k.role != Role::Owner {
                        p .muted .small { "Пользователями договора управляет его владелец" }
                    } @else if holders.is_empty() {
                        p .muted .small { "Другие аккаунты этот договор не добавляли" }
                    } @else {
                        ul .holder-list {
                            @for h in holders {
                                @let label = holder_label(h);
                                li {
                                    span .holder { (label) }
                                    span .badge { (h.role.label()) }
                                    button .link-btn .danger type="button" hx-post=(routes::access_revoke(ContractId(k.id), AccountId(h.account_id)))
                                        hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML"
                                        hx-confirm=(format!("Удалить доступ {label} к договору {}?", k.number))
                                        aria-label=(format!("Удалить доступ {label} к договору {}", k.number)) { "Удалить доступ" }
                                }
                            }
                        }
                    }
                    @if k.role == Role::Owner {
                        div .pw-slot #(format!("pw-{}", k.id)) { (password_button(k.id)) }
                    }
                }
            }
        }
    }
}

pub fn password_button(id: i64) -> Markup {
    html! {
        button .link-btn type="button" hx-get=(routes::contract_password(id)) hx-target=(format!("#pw-{id}"))
            hx-swap="innerHTML" { "Изменить пароль договора" }
    }
}

#[derive(Default)]
pub struct PasswordErrors<'a> {
    pub current: Option<&'a str>,
    pub new: Option<&'a str>,
    pub repeat: Option<&'a str>,
}

pub fn password_form(id: i64, number: &str, e: &PasswordErrors) -> Markup {
    html! {
        form .form .pw-form hx-post=(routes::contract_password(id)) hx-target="this" hx-swap="outerHTML"
            hx-disabled-elt="find button[type=submit]" {
            p .small .muted { "Новый пароль договора " (number) ". Все другие аккаунты, кроме приглашённых пользователей, потеряют доступ к договору." }
            (field(&Field { name: "current", label: "Текущий пароль", kind: "password", value: "",
                autocomplete: "current-password", error: e.current, required: true }))
            (field(&Field { name: "new", label: "Новый пароль", kind: "password", value: "",
                autocomplete: "new-password", error: e.new, required: true }))
            (field(&Field { name: "repeat", label: "Повторите новый пароль", kind: "password", value: "",
                autocomplete: "new-password", error: e.repeat, required: true }))
            div .note-actions {
                button .btn .btn-primary type="submit" { "Сохранить пароль" }
                button .btn .btn-secondary type="button" hx-get=(routes::ACCESS_CONTRACTS)
                    hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML" { "Отмена" }
            }
        }
    }
}
