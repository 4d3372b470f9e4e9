//! The staff console shell: top bar with sections, the signed-in staff member, logout.
use maud::{html, Markup};

use crate::{
    domain::staff::CurrentStaff,
    routes,
    views::Ctx,
    views::{
        components::csrf_input,
        layout::{page, Page},
    },
};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Chat,
    Contracts,
    Requests,
    Applications,
    Stories,
    Accounts,
    Audit,
    Broadcasts,
}

pub fn staff_page(
    st: &Ctx,
    csrf: &str,
    me: &CurrentStaff,
    active: Section,
    title: &str,
    content: Markup,
) -> Markup {
    let mut items = vec![
        (Section::Chat, "Чаты", routes::STAFF_CHAT),
        (Section::Contracts, "Договоры", routes::STAFF_CONTRACTS),
        (
            Section::Requests,
            "Заявки по договорам",
            routes::STAFF_REQUESTS,
        ),
        (
            Section::Applications,
            "Подключения",
            routes::STAFF_APPLICATIONS,
        ),
        (Section::Stories, "Истории", routes::STAFF_STORIES),
    ];
    if me.is_admin() {
        items.push((Section::Accounts, "Сотрудники", routes::STAFF_ACCOUNTS));
        items.push((Section::Audit, "Журнал", routes::STAFF_AUDIT));
        items.push((Section::Broadcasts, "Объявления", routes::STAFF_BROADCASTS));
    }
    let body = html! {
        header .topbar .staff-top {
            div .topbar-inner {
                a .brand href=(routes::STAFF_CHAT) {
                    span .brand-text { span .brand-name { (st.cfg.branding.name) } span .brand-slogan { "Консоль поддержки" } }
                }
                nav .staff-nav aria-label="Разделы" {
                    @for (s, label, href) in &items {
                        a href=(href) .active[*s == active] aria-current=[(*s == active).then_some("page")] { (label) }
                    }
                }
                div .staff-me {
                    span .staff-who {
                        span .staff-who-name { (me.name) }
                        span .staff-who-role { (if me.is_admin() { "Администратор" } else { "Оператор" }) }
                    }
                    form method="post" action=(routes::STAFF_LOGOUT) {
                        (csrf_input(csrf))
                        button .btn .btn-secondary type="submit" { "Выйти" }
                    }
                }
            }
        }
        main #main .staff-main tabindex="-1" {
            h1 .staff-title { (title) }
            (content)
        }
    };
    page(
        &Page {
            st,
            title,
            csrf,
            body_class: "staff",
        },
        body,
    )
}

/// A status pill for the request/application workflow.
pub fn status_badge(status: &crate::domain::states::WorkStatus) -> Markup {
    html! { span .badge .(status.tone().class()) { (status.label()) } }
}
