//! «Уведомления» (gear menu): per event, which channels; contacts; push on this device. Also
//! the unsubscribe page, the offline page of the installable app, and the broadcast banner.
use maud::{html, Markup};

use super::components::{csrf_input, field, modal, Field};
use crate::{
    domain::notify::{field_name, Channel, Kind, Prefs},
    routes::{self, ids},
    views::Ctx,
};

/// What the form shows besides the switches.
pub struct Contacts<'a> {
    pub email: &'a str,
    pub phone: &'a str,
    /// Shown as the placeholder (used when the field is empty).
    pub default_email: Option<&'a str>,
    pub devices: i64,
    pub vapid_public: &'a str,
    /// The contact waits for its code (a code field is shown under it).
    pub email_pending: bool,
    pub phone_pending: bool,
}

/// Errors of the form: a message at the top, or under a contact field.
#[derive(Default)]
pub struct FormErrors<'a> {
    pub form: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email_code: Option<&'a str>,
    pub phone_code: Option<&'a str>,
}

/// The code field under a contact that waits for confirmation.
fn code_field(name: &str, label: &str, error: Option<&str>) -> Markup {
    html! {
        div .field .contact-code .has-error[error.is_some()] {
            (field(&Field { name, label, kind: "text", value: "", autocomplete: "one-time-code",
                error, required: false }))
            p .hint { "Уведомления пойдут сюда после подтверждения. Введите код и нажмите «Сохранить»." }
        }
    }
}

pub fn form(csrf: &str, p: &Prefs, c: &Contacts, e: &FormErrors) -> Markup {
    html! {
        form id=(ids::NOTIFY_FORM) .form .notify-form method="post" action=(routes::NOTIFICATIONS)
            hx-post=(routes::NOTIFICATIONS) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" {
            (csrf_input(csrf))
            p .muted { "Выберите, о чем и как сообщать. SMS не приходят ночью: они ждут утра." }
            @if let Some(m) = e.form { p .form-error role="alert" { (m) } }
            @for k in Kind::ALL {
                fieldset .notify-row {
                    legend { (k.label()) }
                    div .notify-channels {
                        @for ch in Channel::ALL {
                            @let name = field_name(k, ch);
                            label .check {
                                input type="checkbox" name=(name) value="on" checked[p.get(k, ch)];
                                span { (ch.label()) }
                            }
                        }
                    }
                }
            }
            div .field .has-error[e.email.is_some()] {
                label for="f-notify-email" { "E-mail для уведомлений" }
                input #f-notify-email name="email" type="email" value=(c.email) autocomplete="email"
                    placeholder=[c.default_email] aria-invalid=[e.email.map(|_| "true")]
                    aria-describedby=[e.email.map(|_| "f-notify-email-error")];
                @if let Some(m) = e.email { p .field-error #f-notify-email-error { (m) } }
                @if c.email.is_empty() {
                    @if let Some(d) = c.default_email { p .hint { "Пусто — письма уходят на " (d) } }
                }
            }
            @if c.email_pending {
                (code_field("email_code", "Код из письма для подтверждения адреса", e.email_code))
            }
            (field(&Field { name: "phone", label: "Телефон для SMS", kind: "tel", value: c.phone,
                autocomplete: "tel", error: e.phone, required: false }))
            @if c.phone_pending {
                (code_field("phone_code", "Код из SMS для подтверждения номера", e.phone_code))
            }
            div .notify-push {
                p .hint id=(ids::PUSH_STATE) {
                    @if c.devices == 0 { "Push-уведомления не включены ни на одном устройстве." }
                    @else { "Push-уведомления включены на устройствах: " (c.devices) "." }
                }
                button .btn .btn-secondary id=(ids::PUSH_ENABLE) type="button" hidden
                    data-vapid-key=(c.vapid_public) data-url=(routes::NOTIFICATIONS_PUSH) {
                    "Включить на этом устройстве"
                }
            }
            button .btn .btn-primary type="submit" { "Сохранить" }
        }
    }
}

pub fn settings_modal(body: Markup) -> Markup {
    modal("notify-modal", "Уведомления", body)
}

/// After the one-click link in an e-mail.
pub fn unsubscribed(st: &Ctx, csrf: &str, token: &str, kind: Kind, on: bool) -> Markup {
    let body = html! {
        @if on {
            p role="status" { "Письма «" (kind.label()) "» снова будут приходить." }
        } @else {
            p role="status" { "Вы отписались от писем «" (kind.label()) "». Другие уведомления не изменились." }
            form method="post" action=(routes::notify_unsubscribe(token)) {
                (csrf_input(csrf))
                button .btn .btn-secondary type="submit" { "Вернуть эти письма" }
            }
        }
        p { a href=(routes::NOTIFICATIONS) { "Все настройки уведомлений" } }
    };
    super::contracts::standalone(st, csrf, "Уведомления", body)
}

pub fn unknown_link(st: &Ctx, csrf: &str) -> Markup {
    let body = html! {
        p role="alert" { "Ссылка устарела или повреждена. Настройте уведомления в личном кабинете." }
        p { a href=(routes::NOTIFICATIONS) { "Настройки уведомлений" } }
    };
    super::contracts::standalone(st, csrf, "Уведомления", body)
}

/// The page the service worker shows when the network is gone (cached at install).
pub fn offline(st: &Ctx) -> Markup {
    use super::layout::{brand, page, Page};
    let content = html! {
        main .auth-shell {
            div .auth-brand { (brand(st, true)) }
            section .auth-card .offline {
                h1 { "Нет соединения" }
                p { "Проверьте интернет и попробуйте еще раз. Личный кабинет откроется, как только связь вернется." }
                @if let Some(p) = &st.cfg.branding.support_phone {
                    p .muted { "Телефон поддержки: " a href=(format!("tel:{}", p.replace([' ', '-'], ""))) { (p) } }
                }
                a .btn .btn-primary href=(routes::HOME) { "Повторить" }
            }
        }
    };
    page(
        &Page {
            st,
            title: "Нет соединения",
            csrf: "",
            body_class: "auth",
        },
        content,
    )
}

/// The banner of a staff broadcast on the main page (until it ends).
pub fn banners(items: &[(String, String)]) -> Markup {
    html! {
        @for (title, body) in items {
            aside .broadcast-banner role="status" {
                strong { (title) }
                p { (body) }
            }
        }
    }
}

/// The login page's offer to install the app when the operator has no store apps.
pub fn install_banner() -> Markup {
    html! {
        aside .app-banner .install-banner {
            p { "Установите приложение и управляйте услугами прямо с телефона" }
            button .btn .btn-primary id=(ids::INSTALL_APP) type="button" hidden { "Установить" }
            details .install-ios {
                summary { "Как установить на iPhone или iPad" }
                p { "Откройте эту страницу в Safari, нажмите «Поделиться» и выберите «На экран „Домой“»." }
            }
        }
    }
}
