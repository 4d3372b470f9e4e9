//! Staff (admin only): staff accounts and the audit log.
use crate::routes::ids;
use maud::{html, Markup};

use crate::{
    domain::states::{StaffRole, State},
    domain::time,
    domain::{audit, staff::Staff},
    routes,
    views::components::{field, Field},
    views::Ctx,
};

pub fn list(st: &Ctx, me: i64, rows: &[Staff]) -> Markup {
    html! {
        div id=(ids::ACCOUNTS) .staff-list {
            div .table-scroll tabindex="0" role="region" aria-label="Сотрудники" { table .staff-table {
                thead { tr { th { "Логин" } th { "Имя" } th { "Роль" } th { "Создан" } th { "Доступ" } th { span .sr-only { "Действия" } } } }
                tbody {
                    @for s in rows {
                        tr {
                            td { (s.login) }
                            td { (s.name) }
                            td { (s.role.label()) }
                            td { (time::date(s.created_at, st.tz)) }
                            td { @if s.active { span .badge .ok { "Активен" } } @else { span .badge .err { "Заблокирован" } } }
                            td {
                                @if s.id != me {
                                    form method="post" action=(routes::staff_account_active(s.id))
                                        hx-post=(routes::staff_account_active(s.id))
                                        hx-target=(ids::ACCOUNTS_SEL) hx-swap="outerHTML" {
                                        input type="hidden" name="on" value=(if s.active { "0" } else { "1" });
                                        button .btn .btn-secondary type="submit" {
                                            (if s.active { "Заблокировать" } else { "Разблокировать" })
                                        }
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

pub struct NewStaff<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub role: StaffRole,
}

pub fn create_form(v: &NewStaff, errors: &[(&str, String)], done: Option<&str>) -> Markup {
    let err = |n: &str| {
        errors
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, m)| m.as_str())
    };
    html! {
        form #staff-create .form .card hx-post=(routes::STAFF_ACCOUNTS) hx-target="this" hx-swap="outerHTML" {
            h2 { "Добавить сотрудника" }
            @if let Some(d) = done { p .form-ok role="status" { (d) } }
            (field(&Field { name: "login", label: "Логин", kind: "text", value: v.login, autocomplete: "off", error: err("login"), required: true }))
            (field(&Field { name: "name", label: "Имя", kind: "text", value: v.name, autocomplete: "off", error: err("name"), required: true }))
            div .field {
                label for="f-role" { "Роль" }
                select #f-role name="role" {
                    @for r in StaffRole::ALL { option value=(r.as_str()) selected[*r == v.role] { (r.label()) } }
                }
            }
            (field(&Field { name: "password", label: "Пароль (не короче 10 символов)", kind: "password", value: "", autocomplete: "new-password", error: err("password"), required: true }))
            button .btn .btn-primary type="submit" { "Добавить" }
        }
    }
}

pub fn audit_table(st: &Ctx, rows: &[audit::Row]) -> Markup {
    html! {
        div .table-scroll tabindex="0" role="region" aria-label="Журнал действий" { table .staff-table {
            thead { tr { th { "Когда" } th { "Кто" } th { "Действие" } th { "Объект" } th { "Подробности" } th { "IP" } } }
            tbody {
                @for r in rows {
                    tr {
                        td .nowrap { (time::datetime(r.at, st.tz)) }
                        td { (r.who) }
                        td { (audit::action_label(&r.action)) }
                        td { (audit::target_label(&r.target)) }
                        td { (audit::details_label(&r.details, &st.cfg.branding.currency_symbol)) }
                        td { (r.ip) }
                    }
                }
            }
        } }
    }
}
