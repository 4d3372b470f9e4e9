//! «Устройства и доступ» → «Пользователи»: the owner's list of the contract's users with their
//! roles, role changes, «Удалить доступ» and the invitation form.
use crate::routes::ids;
use maud::{html, Markup};

use super::access::{tabs, Tab};
use super::components::{csrf_input, field, Field};
use crate::{
    domain::ids::{AccountId, ContractId},
    domain::outbox::mask_phone,
    domain::role::{JournalRow, Role, User},
    routes,
};

/// «Журнал действий»: who did what on the contract, newest first.
pub fn journal_panel(st: &crate::views::Ctx, number: &str, rows: &[JournalRow]) -> Markup {
    html! {
        div id=(ids::ACCESS_BODY) .access-body {
            (tabs(Tab::Journal, true))
            p .muted .lead { "Действия пользователей договора " (number) " и сотрудников с ним." }
            @if rows.is_empty() {
                p .muted { "Пока ничего не записано" }
            } @else {
                table .journal {
                    thead { tr { th scope="col" { "Когда" } th scope="col" { "Кто" } th scope="col" { "Что" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td .nowrap { (crate::domain::time::datetime(r.at, st.tz)) }
                                td { (journal_who(r)) }
                                td { (r.what()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn journal_who(r: &JournalRow) -> String {
    match (r.actor_kind.as_str(), &r.phone, &r.staff) {
        ("account", Some(p), _) => mask_phone(p),
        ("account", None, _) if r.contract_login => "Вход по номеру договора".into(),
        ("staff", _, Some(s)) => format!("Сотрудник: {s}"),
        ("system", ..) => "Система".into(),
        _ => "—".into(),
    }
}

/// The invitation form's values and message.
#[derive(Default)]
pub struct InviteForm<'a> {
    pub phone: &'a str,
    pub role: &'a str,
    pub phone_error: Option<&'a str>,
    pub role_error: Option<&'a str>,
}

fn who(u: &User) -> String {
    match &u.phone {
        Some(p) => mask_phone(p),
        None => "Вход по номеру договора".into(),
    }
}

fn role_select(id: &str, current: &str, error: Option<&str>) -> Markup {
    let err_id = format!("{id}-error");
    html! {
        select id=(id) name="role" required aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| err_id.as_str())] {
            @if current.is_empty() { option value="" selected { "Выберите роль" } }
            @for r in Role::ALL {
                option value=(r.code()) selected[r.code() == current] { (r.label()) }
            }
        }
        @if let Some(e) = error { p .field-error id=(err_id) { (e) } }
    }
}

pub fn users_panel(
    csrf: &str,
    contract: ContractId,
    number: &str,
    users: &[User],
    pending: &[crate::domain::role::Pending],
    f: &InviteForm,
) -> Markup {
    html! {
        div id=(ids::ACCESS_BODY) .access-body {
            (tabs(Tab::Users, true))
            p .muted .lead { "Пользователи договора " (number) ". Пригласите коллегу по номеру телефона: он получит SMS, войдёт в личный кабинет по коду из SMS и примет приглашение — тогда доступ откроется с выбранной ролью." }
            ul .holder-list .user-list {
                @for u in users {
                    @let label = who(u);
                    li {
                        span .holder { (label) }
                        @if u.own {
                            span .badge .ok { (Role::Owner.label()) }
                        } @else {
                            @let sel = format!("role-{}", u.account_id);
                            form .role-form method="post" action=(routes::access_role(contract, AccountId(u.account_id)))
                                hx-post=(routes::access_role(contract, AccountId(u.account_id)))
                                hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML" {
                                (csrf_input(csrf))
                                label .sr-only for=(sel) { "Роль " (label) }
                                (role_select(&sel, u.role.code(), None))
                                button .btn .btn-secondary type="submit" { "Сохранить роль" }
                            }
                            form method="post" action=(routes::access_revoke(contract, AccountId(u.account_id)))
                                hx-post=(routes::access_revoke(contract, AccountId(u.account_id)))
                                hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML"
                                hx-confirm=(format!("Удалить доступ {label} к договору {number}?")) {
                                (csrf_input(csrf))
                                input type="hidden" name="panel" value="users";
                                button .link-btn .danger type="submit"
                                    aria-label=(format!("Удалить доступ {label} к договору {number}")) { "Удалить доступ" }
                            }
                        }
                    }
                }
            }
            (pending_list(csrf, pending))
            form .form .invite-form method="post" action=(routes::ACCESS_USERS) hx-post=(routes::ACCESS_USERS)
                hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" {
                (csrf_input(csrf))
                h3 .sub-title { "Пригласить пользователя" }
                (field(&Field { name: "phone", label: "Номер телефона", kind: "tel", value: f.phone,
                    autocomplete: "off", error: f.phone_error, required: true }))
                div .field .has-error[f.role_error.is_some()] {
                    label for="f-role" { "Роль" }
                    (role_select("f-role", f.role, f.role_error))
                }
                button .btn .btn-primary type="submit" { "Пригласить" }
                dl .role-hints {
                    @for r in Role::ALL { dt { (r.label()) } dd { (r.hint()) } }
                }
            }
        }
    }
}

/// «Приглашения» as the invitee sees them: each with «Принять» and «Отклонить».
pub fn invitations(
    csrf: &str,
    list: &[crate::domain::role::Invitation],
    note: Option<&str>,
) -> Markup {
    html! {
        section .access-contract .invitations aria-labelledby="invitations-title" {
            h2 #invitations-title { "Приглашения" }
            @if let Some(n) = note { p role="status" { (n) } }
            @if list.is_empty() {
                p .muted { "Новых приглашений нет." }
                a .btn .btn-secondary href=(routes::HOME) { "На главную" }
            } @else {
                p .muted { "Вас пригласили к договорам. Примите приглашение, если знаете, кто его отправил: владелец договора увидит, что Вы приняли его." }
                ul .holder-list {
                    @for i in list {
                        li {
                            span .holder { "Договор " (i.contract_number) }
                            span .badge { (i.role.label()) }
                            span .muted .small { (i.address) }
                            form method="post" action=(routes::invitation_accept(i.id)) {
                                (csrf_input(csrf))
                                button .btn .btn-primary type="submit" aria-label=(format!("Принять приглашение к договору {}", i.contract_number)) { "Принять" }
                            }
                            form method="post" action=(routes::invitation_decline(i.id)) {
                                (csrf_input(csrf))
                                button .btn .btn-secondary type="submit" aria-label=(format!("Отклонить приглашение к договору {}", i.contract_number)) { "Отклонить" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Invitations of the contract still waiting for consent, each with «Отменить».
fn pending_list(csrf: &str, pending: &[crate::domain::role::Pending]) -> Markup {
    html! {
        @if !pending.is_empty() {
            h3 .sub-title { "Ожидают подтверждения" }
            ul .holder-list .user-list {
                @for p in pending {
                    @let label = crate::domain::outbox::mask_phone(&p.phone);
                    li {
                        span .holder { (label) }
                        span .badge { (p.role.label()) }
                        span .muted .small { "приглашение отправлено" }
                        form method="post" action=(routes::invitation_cancel(p.id))
                            hx-post=(routes::invitation_cancel(p.id))
                            hx-target=(ids::ACCESS_BODY_SEL) hx-swap="outerHTML" {
                            (csrf_input(csrf))
                            button .link-btn .danger type="submit"
                                aria-label=(format!("Отменить приглашение {label}")) { "Отменить" }
                        }
                    }
                }
            }
        }
    }
}
