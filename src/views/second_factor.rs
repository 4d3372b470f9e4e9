//! Two-factor login: the code page after a login, enrolment (QR code, the secret for typing,
//! recovery codes shown once) and «Устройства и доступ» → «Вход».
use crate::routes::ids;
use maud::{html, Markup, PreEscaped};

use super::access::{tabs, Tab};
use super::components::csrf_input;
use super::login::auth_shell;
use crate::{routes, views::Ctx};

fn code_field(error: Option<&str>, label: &str) -> Markup {
    html! {
        div .field .has-error[error.is_some()] {
            label for="f-code" { (label) }
            input #f-code name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                maxlength="20" required aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| "f-code-error")];
            @if let Some(e) = error { p .field-error #f-code-error role="alert" { (e) } }
        }
    }
}

/// Enrolment: the QR code, the secret to type by hand, and the first code to confirm.
pub struct Enrol<'a> {
    pub qr_svg: &'a str,
    pub secret: &'a str,
    /// Where the confirmation posts (the login page or the settings tab).
    pub action: &'a str,
    pub error: Option<&'a str>,
}

pub fn enrol_form(csrf: &str, e: &Enrol) -> Markup {
    html! {
        form .form .totp-enrol method="post" action=(e.action) {
            (csrf_input(csrf))
            p { "Отсканируйте QR-код в приложении-аутентификаторе (Яндекс Ключ, Google Authenticator и др.) и введите код из него." }
            div .totp-qr { (PreEscaped(e.qr_svg)) }
            p .small { "Или введите ключ вручную: " code #totp-secret .nowrap { (e.secret) } }
            (code_field(e.error, "Код из приложения"))
            button .btn .btn-primary .btn-block type="submit" { "Подключить" }
        }
    }
}

/// The page after a login that needs the second factor.
pub fn login_page(
    st: &Ctx,
    csrf: &str,
    enrol: Option<&Enrol>,
    error: Option<&str>,
    leavable: &[(i64, String)],
) -> Markup {
    let body = html! {
        @if let Some(e) = enrol {
            p .lead { "Владелец договора требует второй фактор для входа. Подключите его, чтобы продолжить." }
            (enrol_form(csrf, e))
        } @else {
            form .form method="post" action=(routes::LOGIN_SECOND_FACTOR) {
                (csrf_input(csrf))
                p { "Введите код из приложения-аутентификатора или один из кодов восстановления." }
                (code_field(error, "Код подтверждения"))
                button .btn .btn-primary .btn-block type="submit" { "Подтвердить" }
            }
        }
        @if !leavable.is_empty() {
            section .leave-contracts aria-labelledby="leave-title" {
                h2 .sub-title #leave-title { "Не хотите подключать второй фактор?" }
                p .muted { "Его требует владелец договора. Вы можете покинуть договор: доступ к нему закроется, остальные договоры останутся." }
                @for (id, number) in leavable {
                    form method="post" action=(routes::second_factor_leave(*id)) {
                        (csrf_input(csrf))
                        button .btn .btn-secondary type="submit" { "Покинуть договор " (number) }
                    }
                }
            }
        }
        form method="post" action=(routes::LOGOUT) {
            (csrf_input(csrf))
            button .link-btn type="submit" { "Выйти" }
        }
    };
    auth_shell(st, csrf, "Второй фактор", body)
}

/// Recovery codes, shown once after enrolment.
pub fn recovery_codes(codes: &[String], next: &str) -> Markup {
    html! {
        section .recovery-codes role="status" {
            h3 .sub-title { "Второй фактор подключён" }
            p { "Сохраните коды восстановления: каждый можно использовать один раз, если телефона с приложением не будет под рукой. Больше они не покажутся." }
            ol .codes { @for c in codes { li { code { (c) } } } }
            a .btn .btn-primary href=(next) { "Продолжить" }
        }
    }
}

/// «Войти с ключом доступа»: the login (contract number or phone), then the browser's prompt.
pub fn passkey_login_form() -> Markup {
    html! {
        form .form data-passkey-login=(routes::LOGIN_PASSKEY) data-finish=(routes::LOGIN_PASSKEY_FINISH) {
            p { "Войдите без пароля и SMS: ключом доступа на этом устройстве (отпечаток, лицо, PIN или ключ безопасности)." }
            div .field {
                label for="f-login" { "Номер договора или телефона" }
                input #f-login name="login" type="text" autocomplete="username webauthn" required maxlength="40";
            }
            p .field-error role="alert" data-passkey-error hidden {}
            noscript { p .field-error { "Для входа с ключом доступа нужен браузер с JavaScript." } }
            button .btn .btn-primary .btn-block type="submit" { "Войти с ключом доступа" }
            p .small { a href=(routes::LOGIN) { "Войти по паролю" } " · " a href=(routes::LOGIN_PHONE) { "По SMS" } }
        }
    }
}

/// What the «Вход» tab shows.
pub struct Security<'a> {
    pub users_tab: bool,
    pub totp_on: bool,
    pub recovery_left: i64,
    /// The current contract's owner: the requirement switch (its number and state).
    pub require: Option<(&'a str, bool)>,
    pub error: Option<&'a str>,
    pub passkeys: &'a [crate::domain::account::PasskeyRow],
    pub tz: &'a jiff::tz::TimeZone,
}

pub fn security_panel(csrf: &str, s: &Security) -> Markup {
    html! {
        div id=(ids::ACCESS_BODY) .access-body {
            (tabs(Tab::Security, s.users_tab))
            section .access-contract {
                h3 .sub-title { "Второй фактор (код из приложения)" }
                @if s.totp_on {
                    p { span .badge .ok { "Подключён" } " Кодов восстановления осталось: " (s.recovery_left) }
                    form .form method="post" action=(routes::TOTP_OFF) {
                        (csrf_input(csrf))
                        (code_field(s.error, "Код из приложения, чтобы отключить"))
                        button .btn .btn-secondary type="submit" { "Отключить второй фактор" }
                    }
                } @else {
                    p .muted { "При входе понадобится ещё и код из приложения-аутентификатора." }
                    a .btn .btn-primary href=(routes::TOTP_SETUP) { "Подключить второй фактор" }
                }
            }
            section .access-contract {
                h3 .sub-title { "Ключи доступа" }
                p .muted { "Вход без пароля и SMS: отпечатком, лицом, PIN-кодом устройства или ключом безопасности." }
                @if s.passkeys.is_empty() {
                    p .muted .small { "Ключей доступа пока нет" }
                } @else {
                    ul .holder-list {
                        @for k in s.passkeys {
                            li {
                                span .holder { (k.name) }
                                span .muted .small {
                                    "добавлен " (crate::domain::time::date(k.created_at, s.tz))
                                    @if let Some(u) = k.last_used_at { ", вход " (crate::domain::time::datetime(u, s.tz)) }
                                }
                                form method="post" action=(routes::passkey_remove(k.id)) {
                                    (csrf_input(csrf))
                                    button .link-btn .danger type="submit" aria-label=(format!("Удалить ключ доступа {}", k.name)) { "Удалить" }
                                }
                            }
                        }
                    }
                }
                p .field-error role="alert" data-passkey-error hidden {}
                button .btn .btn-secondary type="button" data-passkey-register=(routes::PASSKEY_REGISTER)
                    data-finish=(routes::PASSKEY_REGISTER_FINISH) { "Добавить ключ доступа" }
                noscript { p .small { "Чтобы добавить ключ доступа, нужен браузер с JavaScript." } }
                    }
            @if let Some((number, on)) = s.require {
                section .access-contract {
                    form .form method="post" action=(routes::REQUIRE_SECOND_FACTOR) {
                        (csrf_input(csrf))
                        input type="hidden" name="on" value=(if on { "0" } else { "1" });
                        p { "Договор " (number) ": " @if on { strong { "второй фактор обязателен" } } @else { "второй фактор не обязателен" } }
                        button .btn .btn-secondary type="submit" aria-pressed=(if on { "true" } else { "false" }) {
                            @if on { "Не требовать второй фактор" } @else { "Требовать второй фактор для всех пользователей договора" }
                        }
                    }
                }
            }
        }
    }
}

/// The enrolment page when TOTP is already on: its secret is never shown again.
pub fn already_on() -> Markup {
    html! {
        section .access-contract {
            p role="status" { "Второй фактор уже подключён. Ключ приложения больше не показывается." }
            p .muted { "Чтобы подключить другое приложение, отключите второй фактор кодом из текущего приложения и подключите его заново." }
            a .btn .btn-secondary href=(routes::ACCESS_SECURITY) { "Вернуться к настройкам входа" }
        }
    }
}
