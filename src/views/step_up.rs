//! «Подтвердите, что это вы»: the step-up screen before binding a new authenticator
//! (issue 24). A plain form that works without JavaScript.
use maud::{html, Markup};

use super::components::{csrf_input, field, Field};
use crate::routes;

/// How the form asks for the secret.
pub enum Ask<'a> {
    Password { number: &'a str, totp: bool },
    Totp,
    Sms { masked: &'a str, sent: bool },
}

pub fn form(csrf: &str, next: &str, ask: &Ask, error: Option<&str>) -> Markup {
    let (label, kind, autocomplete, hint) = match ask {
        Ask::Password { number, totp } => (
            format!("Пароль договора {number}"),
            "password",
            "current-password",
            if *totp {
                "Или введите код из приложения-аутентификатора".to_owned()
            } else {
                String::new()
            },
        ),
        Ask::Totp => (
            "Код из приложения-аутентификатора".to_owned(),
            "text",
            "one-time-code",
            String::new(),
        ),
        Ask::Sms { masked, sent } => (
            "Код из SMS".to_owned(),
            "text",
            "one-time-code",
            if *sent {
                format!("Мы отправили код на номер {masked}")
            } else {
                format!("Получите код на номер {masked}")
            },
        ),
    };
    html! {
        section .step-up aria-labelledby="step-up-title" {
            h2 #step-up-title { "Подтвердите, что это вы" }
            p .muted { "Чтобы добавить способ входа, пригласить владельца или изменить второй фактор, подтвердите вход ещё раз. Так никто, кто получил доступ к открытому кабинету, не сможет закрепиться в нём." }
            @if let Ask::Sms { .. } = ask {
                form method="post" action=(routes::ACCESS_CONFIRM_CODE) {
                    (csrf_input(csrf))
                    input type="hidden" name="next" value=(next);
                    button .btn .btn-secondary type="submit" { "Отправить код" }
                }
            }
            form method="post" action=(routes::ACCESS_CONFIRM) {
                (csrf_input(csrf))
                input type="hidden" name="next" value=(next);
                (field(&Field {
                    name: "secret",
                    label: &label,
                    kind,
                    value: "",
                    autocomplete,
                    error,
                    required: true,
                }))
                @if !hint.is_empty() { p .muted .hint { (hint) } }
                div .actions {
                    button .btn .btn-primary type="submit" { "Подтвердить" }
                    a .btn .btn-secondary href=(routes::ACCESS_SECURITY) { "Отмена" }
                }
            }
        }
    }
}
