//! «Список договоров»: search, switch, notes, remove; «Добавление договора».
use crate::routes::ids;
use maud::{html, Markup};

use super::components::{csrf_input, field, modal, Field};
use crate::{domain::account::Linked, routes, views::Ctx};

pub const NOTE_MAX: usize = 100;

/// The whole list modal.
pub fn list_modal(rows: &[Linked]) -> Markup {
    modal("contracts-modal", "Список договоров", list_body(rows))
}

pub fn list_body(rows: &[Linked]) -> Markup {
    html! {
        div .contract-search {
            label .sr-only for="contract-q" { "Поиск по номеру и адресу" }
            input #contract-q type="search" name="q" placeholder="Поиск по номеру и адресу" autocomplete="off"
                hx-get=(routes::CONTRACTS_SEARCH) hx-trigger="input changed delay:250ms, search"
                hx-target=(ids::CONTRACT_LIST_SEL) hx-swap="outerHTML";
        }
        (contract_list(rows, ""))
        a .btn .btn-secondary .btn-block href=(routes::CONTRACT_ADD) hx-get=(routes::CONTRACT_ADD) hx-target=(ids::MODAL_SEL) {
            "+ добавить новый договор"
        }
    }
}

pub fn contract_list(rows: &[Linked], q: &str) -> Markup {
    html! {
        ul id=(ids::CONTRACT_LIST) .contract-list aria-live="polite" {
            @for l in rows { (row(l)) }
            @if rows.is_empty() {
                li .muted .contract-empty {
                    @if q.trim().is_empty() { "У вас пока нет договоров. Добавьте первый." }
                    @else { "Ничего не найдено" }
                }
            }
        }
    }
}

fn row_id(id: i64) -> String {
    format!("contract-{id}")
}

fn pick(l: &Linked) -> Markup {
    let inner = html! {
        span .ci-number { (l.number) }
        @if !l.own { span .ci-kind { "Добавленный договор" } }
        span .ci-address { (l.address) }
    };
    html! {
        @if l.current {
            div .ci-pick {
                (inner)
            }
        } @else {
            form .ci-pick-form method="post" action=(routes::contract_switch(l.id)) hx-post=(routes::contract_switch(l.id)) {
                button .ci-pick type="submit" title="Переключиться на этот договор" {
                    (inner)
                }
            }
        }
    }
}

/// One contract of the list. Renders itself; notes and removal swap it by its id.
pub fn row(l: &Linked) -> Markup {
    html! {
        li .contract-item .current[l.current] #(row_id(l.id)) {
            div .ci-top {
                (pick(l))
                @if l.current { span .badge .ok { "Выбран" } }
            }
            div .ci-note {
                @if l.note.is_empty() { span .muted { "Без заметки" } } @else { span .note-text { (l.note) } }
                a .link-btn href=(routes::contract_note(l.id)) hx-get=(routes::contract_note(l.id)) hx-target=(format!("#{}", row_id(l.id)))
                    hx-swap="outerHTML" aria-label=(format!("Изменить заметку к договору {}", l.number)) { "Изменить заметку" }
                @if !l.own {
                    form .inline-form method="post" action=(routes::contract_remove(l.id)) hx-post=(routes::contract_remove(l.id))
                        hx-target=(format!("#{}", row_id(l.id))) hx-swap="outerHTML"
                        hx-confirm=(format!("Удалить договор {} из списка?", l.number)) {
                        button .link-btn .danger type="submit"
                            aria-label=(format!("Удалить договор {}", l.number)) { "Удалить" }
                    }
                }
            }
        }
    }
}

/// The row with its note being edited.
pub fn note_form(l: &Linked, value: &str, error: Option<&str>) -> Markup {
    let target = format!("#{}", row_id(l.id));
    let input_id = format!("note-{}", l.id);
    html! {
        li .contract-item .current[l.current] #(row_id(l.id)) {
            div .ci-top { (pick(l)) @if l.current { span .badge .ok { "Выбран" } } }
            form .note-form method="post" action=(routes::contract_note(l.id)) hx-post=(routes::contract_note(l.id)) hx-target=(target) hx-swap="outerHTML" {
                div .field .has-error[error.is_some()] {
                    label for=(input_id) { "Заметка к договору " (l.number) }
                    input id=(input_id) name="note" type="text" value=(value) maxlength=(NOTE_MAX)
                        autocomplete="off" aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| format!("{input_id}-error"))];
                    @if let Some(e) = error { p .field-error id=(format!("{input_id}-error")) { (e) } }
                }
                div .note-actions {
                    button .btn .btn-primary type="submit" { "Сохранить" }
                    a .btn .btn-secondary href=(routes::CONTRACTS) hx-get=(routes::contract_row(l.id))
                        hx-target=(target) hx-swap="outerHTML" { "Отмена" }
                }
            }
        }
    }
}

pub struct AddForm<'a> {
    pub segment: &'a str,
    pub contract: &'a str,
    pub error: Option<&'a str>,
}

pub fn add_modal(csrf: &str, f: &AddForm) -> Markup {
    modal(
        "contract-add-modal",
        "Добавление договора",
        add_form(csrf, f),
    )
}

pub fn add_form(csrf: &str, f: &AddForm) -> Markup {
    let home = f.segment == "home";
    html! {
        form #contract-add-form .form method="post" action=(routes::CONTRACT_ADD)
            hx-post=(routes::CONTRACT_ADD) hx-target="this" hx-swap="outerHTML" hx-disabled-elt="find button[type=submit]" {
            (csrf_input(csrf))
            fieldset .segmented {
                legend .sr-only { "Тип договора" }
                label .seg-option { input type="radio" name="segment" value="home" checked[home]; span { "Дом" } }
                label .seg-option { input type="radio" name="segment" value="business" checked[!home]; span { "Бизнес" } }
            }
            (field(&Field { name: "contract", label: "Номер договора", kind: "text", value: f.contract,
                autocomplete: "off", error: None, required: true }))
            (field(&Field { name: "password", label: "Пароль", kind: "password", value: "",
                autocomplete: "current-password", error: None, required: true }))
            @if let Some(e) = f.error { p .form-error role="alert" { (e) } }
            div .modal-actions {
                a .btn .btn-secondary href=(routes::CONTRACTS) hx-get=(routes::CONTRACTS) hx-target=(ids::MODAL_SEL) { "К списку" }
                button .btn .btn-primary type="submit" { "Добавить" }
            }
        }
    }
}

/// A screen of its own (the URL opened without htmx, or an account with no contract yet):
/// a slim header, the screen in a card.
pub fn standalone(st: &Ctx, csrf: &str, title: &str, body: Markup) -> Markup {
    use super::layout::{brand, page, Page};
    let content = html! {
        header .topbar {
            div .topbar-inner {
                (brand(st, false))
                div .topbar-right {
                    a .btn .btn-secondary href=(routes::HOME) { "На главную" }
                    form method="post" action=(routes::LOGOUT) {
                        (csrf_input(csrf))
                        button .btn .btn-secondary type="submit" { "Выйти" }
                    }
                }
            }
        }
        main #main .container .narrow tabindex="-1" {
            section .card .standalone {
                h1 { (title) }
                (body)
            }
        }
    };
    page(
        &Page {
            st,
            title,
            csrf,
            body_class: "app",
        },
        content,
    )
}
