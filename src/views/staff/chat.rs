//! Staff chat: the queue of open conversations and one conversation with the contract beside it.
use crate::routes::ids;
use maud::{html, Markup};

use crate::{
    domain::chat::{Conversation, Msg, QueueRow},
    domain::{money, time},
    routes,
    views::Ctx,
};

pub fn page_body(queue_html: Markup, max_bytes: usize) -> Markup {
    html! {
        div id=(ids::STAFF_CHAT) .staff-chat data-staff-ws=(routes::STAFF_WS) data-queue=(routes::STAFF_QUEUE)
            data-login=(routes::STAFF_LOGIN) data-alive=(routes::STAFF_ALIVE)
            data-max-bytes=(max_bytes) {
            (queue_html)
            section id=(ids::CONV_HOST) .staff-conv-host {
                p .muted .conv-placeholder { "Выберите диалог слева." }
            }
        }
        script src=(crate::views::assets::asset_url("chat.js")) defer {}
    }
}

fn waited(now: i64, since: i64) -> String {
    let m = (now - since).max(0) / 60;
    if m < 60 {
        format!("ждёт {m} мин.")
    } else {
        format!("ждёт {} ч {} мин.", m / 60, m % 60)
    }
}

pub fn queue(st: &Ctx, rows: &[QueueRow], now: i64) -> Markup {
    html! {
        aside id=(ids::QUEUE) .staff-queue aria-label="Очередь диалогов" {
            h2 { "Открытые диалоги " span .muted { "(" (rows.len()) ")" } }
            @if rows.is_empty() { p .muted { "Открытых диалогов нет." } }
            ul {
                @for r in rows {
                    li {
                        a .queue-item .waiting[r.waiting_since.is_some()] href=(routes::staff_conv(r.id))
                            hx-get=(routes::staff_conv(r.id)) hx-target=(ids::CONV_HOST_SEL) hx-push-url="false" {
                            span .q-head {
                                strong { "№\u{a0}" (r.contract_number) }
                                @match r.waiting_since {
                                    Some(w) => span .badge .warn { (waited(now, w)) },
                                    None => span .badge .ok { "отвечен" },
                                }
                            }
                            span .q-org { (r.org_name) }
                            span .q-last { (r.last_body.chars().take(80).collect::<String>()) }
                            span .q-time .muted { (time::datetime(r.last_message_at, st.tz)) }
                        }
                    }
                }
            }
        }
    }
}

fn message(m: &Msg, tz: &jiff::tz::TimeZone) -> Markup {
    let mine = m.sender == "staff";
    let who = match m.sender.as_str() {
        "staff" => format!("{} · ", m.staff_name.as_deref().unwrap_or("Поддержка")),
        "system" => "Автоответ · ".to_owned(),
        _ => "Абонент · ".to_owned(),
    };
    html! {
        li class=(format!("msg {} from-{}", if mine { "mine" } else { "theirs" }, m.sender)) data-id=(m.id)
            data-cid=[m.client_msg_id.as_deref()] {
            div .msg-body { (m.body) }
            div .msg-meta { (who) (time::zoned(m.created_at, tz).strftime("%d.%m.%y, %H:%M").to_string()) }
        }
    }
}

pub fn conversation(st: &Ctx, cv: &Conversation, msgs: &[Msg]) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    html! {
        div .staff-conv data-conv=(cv.id) data-url=(routes::staff_conv(cv.id)) {
            section .conv-main {
                header .conv-head {
                    h2 { "Диалог №" (cv.id) }
                    span .chat-status .muted aria-live="polite" {}
                    @if cv.status == "open" {
                        button .btn .btn-secondary type="button" hx-post=(routes::staff_conv_close(cv.id))
                            hx-target=(ids::CONV_HOST_SEL) { "Закрыть диалог" }
                    } @else {
                        span .badge .err { "Закрыт" }
                    }
                }
                ol .chat-log aria-live="polite" tabindex="0" aria-label="Сообщения" {
                    @for m in msgs { (message(m, st.tz)) }
                }
                @if cv.status == "open" {
                    form .staff-reply {
                        label .sr-only for="reply" { "Ответ" }
                        textarea #reply name="body" rows="2" maxlength="2000" placeholder="Ответ абоненту" {}
                        button .btn .btn-primary type="submit" { "Отправить" }
                    }
                }
            }
            aside .conv-contract aria-label="Договор" {
                @match &cv.contract {
                    Some(k) => {
                        h3 { a href=(routes::staff_contract(&k.number)) { "Договор " (k.number) } }
                        dl {
                            dt { "Организация" } dd { (k.org_name) }
                            dt { "Адрес" } dd { (k.address) }
                            dt { "Баланс" } dd { (money::format(k.balance_kop, sym)) }
                            dt { "Рекомендуемая сумма" } dd { (money::format(k.recommended_kop, sym)) }
                            dt { "Состояние" } dd { (super::contracts::contract_status(&k.status)) }
                            dt { "Открытые заявки" } dd {
                                a href=(format!("{}?q={}", routes::STAFF_REQUESTS, k.number)) { (cv.open_requests) }
                            }
                        }
                    }
                    None => p .muted { "Договор не указан." }
                }
            }
        }
    }
}
