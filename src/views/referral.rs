//! Referral programme section of the balance block and its modals.
use crate::routes::ids;
use maud::{html, Markup};

use super::components::modal;
use crate::{
    domain::referral::{Accrual, Invitation},
    domain::{application::roubles_words, money, time},
    routes,
    views::Ctx,
};

pub struct ReferralCard<'a> {
    pub earned_kop: i64,
    pub link: &'a str,
}

fn pitch(st: &Ctx) -> String {
    match &st.cfg.referral.pitch {
        Some(p) => p.clone(),
        None => format!(
            "Приглашайте клиентов в {} и зарабатывайте на этом. Деньги перечисляем на Ваш расчетный счет по окончании месяца",
            st.cfg.branding.name
        ),
    }
}

pub fn card(st: &Ctx, r: &ReferralCard) -> Markup {
    html! {
        section #referral .card .referral {
            h2 { "Приглашайте клиентов" }
            div .referral-main {
            p .referral-earned {
                span .muted { "Вы заработали" }
                strong .referral-amount { (roubles_words(r.earned_kop)) }
            }
            p .referral-pitch { (pitch(st)) }
            details .howto {
                summary { "Как это работает?" }
                ol {
                    li { "Отправьте персональную ссылку или QR-код знакомому предпринимателю." }
                    li { "Он оставляет заявку на подключение по ссылке — мы видим, что его пригласили Вы." }
                    li { "После подключения бонус начисляется Вам, а деньги приходят на расчетный счет по окончании месяца." }
                }
            }
            }
            div .referral-side {
            div .referral-link {
                label for="referral-url" { "Персональная ссылка" }
                div .copy-row {
                    input #referral-url type="text" readonly value=(r.link);
                    // Shown by app.js: copying needs a script (without one the link is selectable text).
                    button .btn .btn-secondary .copy-btn type="button" data-copy="referral-url" hidden { "Скопировать" }
                }
                p .copy-status .muted role="status" aria-live="polite" {}
            }
            figure .referral-qr {
                img .qr src=(routes::REFERRAL_QR) width="222" height="222" alt="QR-код персональной ссылки";
                figcaption .muted { "QR-код персональной ссылки: покажите его с экрана или распечатайте — камера телефона откроет заявку на подключение." }
            }
            nav .referral-more aria-label="Реферальная программа" {
                a .link-btn href=(routes::REFERRAL_INVITATIONS) hx-get=(routes::REFERRAL_INVITATIONS) hx-target=(ids::MODAL_SEL) { "Мои приглашения" }
                a .link-btn href=(routes::REFERRAL_HISTORY) hx-get=(routes::REFERRAL_HISTORY) hx-target=(ids::MODAL_SEL) { "История" }
                a .link-btn href=(routes::REFERRAL_TERMS) hx-get=(routes::REFERRAL_TERMS) hx-target=(ids::MODAL_SEL) { "Подробнее об акции" }
            }
            }
        }
    }
}

fn status_badge(status: &str) -> Markup {
    let (class, text) = match status {
        "new" => ("warn", "Заявка принята"),
        "in_progress" => ("warn", "Подключается"),
        "done" => ("ok", "Подключен"),
        _ => ("err", "Не подключен"),
    };
    html! { span .badge .(class) { (text) } }
}

pub fn invitations(st: &Ctx, list: &[Invitation]) -> Markup {
    let body = html! {
        @if list.is_empty() {
            p .muted { "Пока никто не оставил заявку по Вашей ссылке. Поделитесь ею — это займет минуту." }
        } @else {
            ul .rows role="list" {
                @for i in list {
                    li .row {
                        div .row-main {
                            span .row-title { (i.name) }
                            span .row-sub .muted { "Заявка от " (time::date(i.created_at, st.tz)) }
                        }
                        (status_badge(&i.status))
                    }
                }
            }
        }
    };
    modal("referral-invitations", "Мои приглашения", body)
}

pub fn history(st: &Ctx, list: &[Accrual]) -> Markup {
    let sym = &st.cfg.branding.currency_symbol;
    let body = html! {
        @if list.is_empty() {
            p .muted { "Начислений пока нет." }
        } @else {
            ul .rows role="list" {
                @for a in list {
                    li .row {
                        div .row-main {
                            span .row-title { (a.description) }
                            span .row-sub .muted { (time::date(a.created_at, st.tz)) }
                        }
                        span .amount .plus[a.amount_kop > 0] { (money::format_signed(a.amount_kop, sym)) }
                    }
                }
            }
        }
    };
    modal("referral-history", "История", body)
}

pub fn terms(st: &Ctx) -> Markup {
    let r = &st.cfg.referral;
    let body = html! {
        div .terms {
            @for para in r.terms_text.split("\n\n").filter(|p| !p.trim().is_empty()) {
                p { (para.trim()) }
            }
            @if let Some(u) = &r.terms_url {
                p { a href=(u) target="_blank" rel="noopener" { "Полные условия акции" } }
            }
        }
    };
    modal("referral-terms", "Подробнее об акции", body)
}
