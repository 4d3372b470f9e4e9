//! «Список договоров»: list and search, switch, notes, remove, «Добавление договора».
//! Every handler takes `CurrentAccount` and checks the account↔contract link itself in SQL;
//! a contract id from the URL is never trusted.
use crate::routes::ids;
use maud::html;
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::credentials::{self, Attempt, Checked, Proof, Purpose},
    auth::session::client_ip,
    db::account_links::{self, Linked, Removed},
    db::fresh::Scope,
    error::AppError,
    routes,
    state::SharedState,
    views::{
        components::toast_oob,
        contracts::{self as view, AddForm, NOTE_MAX},
    },
    web::auth::{CurrentAccount, LinkedContract},
    web::page_cache,
    web::{htmx, login::GENERIC_ERROR},
};

async fn load(st: &SharedState, account_id: i64) -> Result<Vec<Linked>, AppError> {
    st.db
        .run(move |c| Ok(account_links::list(c, account_id)?))
        .await
}

fn html(m: maud::Markup) -> Response {
    m.into_response()
}

/// GET /contracts — the list as a modal (htmx) or as a page of its own.
#[handler]
pub async fn list(
    Data(st): Data<&SharedState>,
    Data(web): Data<&super::SharedWeb>,
    acc: CurrentAccount,
) -> poem::Result<Response> {
    let account = acc.account_id;
    let key = page_cache::Key {
        screen: page_cache::Screen::Contracts,
        account,
        contract: 0,
        item: 0,
        role: None,
    };
    // The list shows the account's links and notes and each linked contract's state.
    let html = web
        .pages
        .get_or_render_scoped(key, async {
            let rows = load(st, account).await?;
            let mut scopes = vec![Scope::Account(account), Scope::Notes(account)];
            scopes.extend(rows.iter().map(|l| Scope::Contract(l.id)));
            Ok((view::list_modal(&rows).into_string(), scopes))
        })
        .await?;
    // Without htmx the same modal comes inside a page (`web::full_page`).
    Ok(page_cache::respond(html))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// GET /contracts/search?q= — «Поиск по номеру и адресу», as you type.
#[handler]
pub async fn search(
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    Query(q): Query<SearchQuery>,
) -> poem::Result<Response> {
    let q: String = q.q.chars().take(100).collect();
    let rows = account_links::search(load(st, acc.account_id).await?, &q);
    Ok(html(view::contract_list(&rows, &q)))
}

/// GET /contracts/:id — one row (cancels note editing).
#[handler]
pub async fn row(lc: LinkedContract) -> poem::Result<Response> {
    Ok(html(view::row(&lc.link)))
}

/// GET /contracts/:id/note — the row with its note in an input.
#[handler]
pub async fn note_form(lc: LinkedContract) -> poem::Result<Response> {
    Ok(html(view::note_form(&lc.link, &lc.link.note, None)))
}

#[derive(Deserialize)]
pub struct NoteInput {
    #[serde(default)]
    note: String,
}

/// POST /contracts/:id/note — saves the note (plain text, shown escaped).
#[handler]
pub async fn note_save(
    req: &Request,
    Data(st): Data<&SharedState>,
    lc: LinkedContract,
    Form(input): Form<NoteInput>,
) -> poem::Result<Response> {
    let (acc, id, l) = (lc.account, lc.link.id, lc.link);
    let note = input.note.trim().to_owned();
    let error = if note.chars().count() > NOTE_MAX {
        Some(format!("Не длиннее {NOTE_MAX} символов"))
    } else if note.chars().any(char::is_control) {
        Some("Заметка не может содержать служебные символы".to_owned())
    } else {
        None
    };
    if let Some(e) = error {
        return Ok(view::note_form(&l, &input.note, Some(&e))
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    let aid = acc.account_id;
    let n = note.clone();
    let saved = st
        .db
        .write(move |c| Ok(account_links::set_note(c, aid, id, &n)?))
        .await?;
    if !saved {
        return Err(AppError::NotFound.into());
    }
    if !htmx::is_htmx(req) {
        return Ok(htmx::redirect(req, routes::CONTRACTS));
    }
    let l = Linked { note, ..l };
    Ok(html(html! {
        (view::row(&l))
        (toast_oob("ok", "Заметка сохранена"))
    }))
}

/// POST /contracts/:id/switch — makes it current; the whole page then shows it.
#[handler]
pub async fn switch(
    req: &Request,
    Data(st): Data<&SharedState>,
    lc: LinkedContract,
) -> poem::Result<Response> {
    let (aid, id) = (lc.account.account_id, lc.id());
    let ok = st
        .db
        .run(move |c| Ok(account_links::switch(c, aid, id)?))
        .await?;
    if !ok {
        return Err(AppError::NotFound.into());
    }
    tracing::info!(account_id = aid, contract_id = id, "contract switched");
    Ok(htmx::redirect(req, routes::HOME))
}

/// POST /contracts/:id/remove — unlinks an added contract (never the account's own).
#[handler]
pub async fn remove(
    req: &Request,
    Data(st): Data<&SharedState>,
    lc: LinkedContract,
) -> poem::Result<Response> {
    let (aid, id) = (lc.account.account_id, lc.id());
    let r = st
        .db
        .run(move |c| Ok(account_links::remove(c, aid, id)?))
        .await?;
    match r {
        Removed::NotLinked => Err(AppError::NotFound.into()),
        Removed::Own => Err(AppError::BadRequest(
            "Договор, с которым вы вошли, удалить из списка нельзя".into(),
        )
        .into()),
        Removed::Done { was_current } => {
            tracing::info!(
                account_id = aid,
                contract_id = id,
                "contract removed from account"
            );
            if was_current {
                return Ok(htmx::redirect(req, routes::HOME));
            }
            if !htmx::is_htmx(req) {
                return Ok(htmx::redirect(req, routes::CONTRACTS));
            }
            Ok(html(toast_oob("ok", "Договор удалён из списка")))
        }
    }
}

/// GET /contracts/add — «Добавление договора».
#[handler]
pub async fn add_form(csrf: &CsrfToken, _acc: CurrentAccount) -> Markup {
    view::add_modal(
        &csrf.0,
        &AddForm {
            segment: "business",
            contract: "",
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct AddInput {
    #[serde(default)]
    segment: String,
    #[serde(default)]
    contract: String,
    #[serde(default)]
    password: String,
}

/// POST /contracts/add — checks the contract's password with the login throttling, links it.
#[handler]
pub async fn add_submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    acc: CurrentAccount,
    Form(input): Form<AddInput>,
) -> poem::Result<Response> {
    let typed: String = input.contract.trim().chars().take(40).collect();
    let segment = if input.segment == "home" {
        "home"
    } else {
        "business"
    };
    let fail = |status: StatusCode, msg: &str| {
        let f = AddForm {
            segment,
            contract: &typed,
            error: Some(msg),
        };
        view::add_form(&csrf.0, &f)
            .with_status(status)
            .into_response()
    };
    if typed.is_empty() || input.password.is_empty() {
        return Ok(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Введите номер договора и пароль",
        ));
    }
    let ip = client_ip(req, &st.cfg);
    let number = crate::domain::contract::normalize_number(&typed);
    let key = number.clone().unwrap_or_else(|| typed.to_uppercase());
    let aid = acc.account_id;
    let attempt = Attempt {
        ip,
        key: Some(&key),
        purpose: Purpose::Confirm,
        device: None,
    };
    // An already linked contract is answered without checking its password (as before).
    let checked = credentials::check(st, attempt, &input.password, move |c| {
        let Some(n) = number else { return Ok(None) };
        let Some((id, seg, hash)) = account_links::lookup(c, &n)? else {
            return Ok(None);
        };
        let linked = crate::db::accounts::is_linked(c, aid, id)?;
        let proof = if linked {
            Proof::Checked
        } else {
            Proof::Hash(hash)
        };
        Ok(Some(((id, seg, linked), proof)))
    })
    .await?;
    let (cid, seg) = match checked {
        Checked::Ok((_, _, true)) => {
            return Ok(fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Этот договор уже есть в вашем списке",
            ))
        }
        Checked::Ok((id, seg, false)) => (id, seg),
        Checked::Throttled(msg) => return Ok(fail(StatusCode::TOO_MANY_REQUESTS, &msg)),
        Checked::Wrong => {
            tracing::info!(%ip, account_id = aid, "add contract: wrong number or password");
            return Ok(fail(StatusCode::UNPROCESSABLE_ENTITY, GENERIC_ERROR));
        }
    };
    if seg != segment {
        let msg = if seg == "home" {
            "Это договор для дома: выберите «Дом» и повторите"
        } else {
            "Это договор для бизнеса: выберите «Бизнес» и повторите"
        };
        return Ok(fail(StatusCode::UNPROCESSABLE_ENTITY, msg));
    }
    let now = st.clock.now();
    let (added, first, rows) = st
        .db
        .run(move |c| {
            let first = crate::db::accounts::current_contract(c, aid)?.is_none();
            let added = account_links::add(c, aid, cid, now)?;
            Ok((added, first, account_links::list(c, aid)?))
        })
        .await?;
    if !added {
        return Ok(fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Этот договор уже есть в вашем списке",
        ));
    }
    tracing::info!(
        account_id = aid,
        contract_id = cid,
        "contract added to account"
    );
    if first {
        return Ok(htmx::redirect(req, routes::HOME));
    }
    let number = rows
        .iter()
        .find(|l| l.id == cid)
        .map(|l| l.number.clone())
        .unwrap_or_default();
    if !htmx::is_htmx(req) {
        return Ok(htmx::redirect(req, routes::CONTRACTS));
    }
    Ok(html! {
        (view::list_modal(&rows))
        (toast_oob("ok", &format!("Договор {number} добавлен")))
    }
    .with_header("hx-retarget", ids::MODAL_SEL)
    .with_header("hx-reswap", "innerHTML")
    .into_response())
}
