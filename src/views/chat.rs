//! The subscriber's chat widget (bottom-right on every logged-in page). Driven by
//! assets/chat.js over the WebSocket at `routes::CHAT_WS`. Hidden until the script shows it:
//! without JavaScript it could not work.
use crate::routes::ids;
use maud::{html, Markup, PreEscaped};

use crate::{routes, views::Ctx};

const CHAT_SVG: &str = r#"<svg viewBox="0 0 24 24" width="26" height="26" focusable="false" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>"#;

/// `closed`: when support answers, if it does not work now (the header says so, not «В сети»).
pub fn widget(st: &Ctx, closed: Option<&str>) -> Markup {
    html! {
        div .chat id=(ids::CHAT) data-chat-ws=(routes::CHAT_WS) data-alive=(routes::CHAT_ALIVE)
            data-login=(routes::LOGIN) data-max-bytes=(st.cfg.chat.max_message_bytes)
            data-requests=(routes::REQUESTS_ACTIVE)
            data-closed=[closed.map(|w| format!("Поддержка ответит {w}"))] hidden {
            button .chat-toggle type="button" aria-expanded="false" aria-controls="chat-panel"
                aria-label="Чат с поддержкой" {
                (PreEscaped(CHAT_SVG))
                span .chat-badge hidden {}
            }
            section .chat-panel #chat-panel hidden aria-label="Чат с поддержкой" {
                header .chat-head {
                    div {
                        strong { "Чат с поддержкой" }
                        span .chat-status aria-live="polite" { "Подключение…" }
                    }
                    button .chat-close type="button" aria-label="Свернуть чат" { "×" }
                }
                ol .chat-log aria-live="polite" tabindex="0" aria-label="Сообщения" {
                    li .chat-empty { "Напишите нам — специалист " (st.cfg.branding.name) " ответит здесь." }
                }
                form .chat-form {
                    label .sr-only for="chat-input" { "Сообщение" }
                    textarea #chat-input name="body" rows="2" maxlength="2000"
                        placeholder="Сообщение" {}
                    button .btn .btn-primary type="submit" { "Отправить" }
                }
            }
        }
        script src=(crate::views::assets::asset_url("chat.js")) defer {}
    }
}
