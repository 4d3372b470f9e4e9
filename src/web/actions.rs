//! «Действия с договором»: an action's form (GET) and filing it (POST).
use crate::routes::ids;
use maud::{html, Markup};
use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Multipart, Path},
    FromRequest, IntoResponse, Request, RequestBody, Response,
};
use tokio::io::AsyncReadExt;

use crate::{
    auth::session::client_ip,
    db::{
        requests::{self, Filed, NewFile, NewRequest},
        services::{self, Tariff},
    },
    domain::{
        actions::{self, ActionDef},
        time,
        validate::{self, Ctx, FileInfo, Values},
    },
    error::AppError,
    routes,
    state::{AppState, SharedState},
    views::{
        self,
        action_form::{FormCtx, FormState},
        components::{close_modal_oob, toast_oob},
    },
    web::auth::CurrentContract,
};

const NOT_OFFERED: &str = "Это действие сейчас недоступно для договора";
const TEXT_FIELD_LIMIT: u64 = 16 * 1024;
const MAX_FIELDS: usize = 40;

fn offered_def(code: &str) -> Result<&'static ActionDef, AppError> {
    actions::find(code)
        .filter(|a| a.avail != actions::Avail::Never)
        .ok_or(AppError::NotFound)
}

fn today(st: &AppState) -> jiff::civil::Date {
    time::zoned(st.clock.now(), &st.tz).date()
}

/// What a form needs from the database: tariffs on offer, whether the action is available
/// now, and an open request of the same kind (id, created_at), if any.
struct Loaded {
    tariffs: Vec<Tariff>,
    available: bool,
    open: Option<(i64, i64)>,
}

async fn load(
    st: &AppState,
    cur: &CurrentContract,
    def: &'static ActionDef,
) -> Result<Loaded, AppError> {
    let cid = cur.contract.id;
    let segment = cur.contract.segment;
    st.db
        .run(move |c| {
            let state = services::contract_state(c, cid)?;
            Ok(Loaded {
                tariffs: services::tariffs_for(c, cid, &segment)?,
                available: def.available(&state),
                open: requests::open_of_kind(c, cid, def.code)?,
            })
        })
        .await
}

/// «У вас уже есть открытая заявка …» with a link that opens it.
fn duplicate_notice(st: &AppState, def: &ActionDef, id: i64, at: i64) -> Markup {
    html! {
        "У вас уже есть открытая заявка «" (def.title) "» от " (time::date(at, &st.tz))
        ". Дождитесь её выполнения. "
        a href=(routes::request(id)) hx-get=(routes::request(id)) hx-target=(ids::MODAL_SEL) { "Открыть заявку" }
    }
}

/// GET /actions/:code — the action's form in a modal.
#[handler]
pub async fn form(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Path(code): Path<String>,
) -> poem::Result<Markup> {
    let def = offered_def(&code)?;
    let loaded = load(st, &cur, def).await?;
    if !loaded.available {
        return Err(AppError::BadRequest(NOT_OFFERED.into()).into());
    }
    let ctx = form_ctx(st, &loaded.tariffs);
    let state = FormState {
        notice: loaded
            .open
            .map(|(id, at)| duplicate_notice(st, def, id, at)),
        ..FormState::default()
    };
    Ok(views::action_form::action_modal(def, &ctx, &state))
}

fn form_ctx<'a>(st: &'a AppState, tariffs: &'a [Tariff]) -> FormCtx<'a> {
    FormCtx {
        tariffs,
        today: today(st),
        max_mb: st.cfg.uploads.max_mb,
        currency: &st.cfg.branding.currency_symbol,
    }
}

/// The posted form: text values and at most one file (read up to the size limit).
pub struct ActionInput {
    pub values: Values,
    pub file: Option<(FileInfo, Vec<u8>)>,
}

impl<'a> FromRequest<'a> for ActionInput {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let st = crate::web::auth::state(req)?;
        let bad = || AppError::BadRequest("Не удалось прочитать форму, попробуйте ещё раз".into());
        let ct = req.header(header::CONTENT_TYPE).unwrap_or("");
        let mut values = Values::new();
        if !ct.starts_with("multipart/form-data") {
            let bytes = body
                .take()?
                .into_bytes_limit(64 * 1024)
                .await
                .map_err(|_| bad())?;
            for (k, v) in form_urlencoded::parse(&bytes).take(MAX_FIELDS) {
                values.insert(k.into_owned(), v.into_owned());
            }
            return Ok(ActionInput { values, file: None });
        }
        let max = st.cfg.uploads.max_bytes();
        let mut mp = Multipart::from_request(req, body).await?;
        let mut file = None;
        let mut n = 0;
        while let Some(field) = mp.next_field().await.map_err(|_| bad())? {
            n += 1;
            if n > MAX_FIELDS {
                break;
            }
            let name = field.name().unwrap_or("").to_owned();
            if let Some(fname) = field.file_name().map(str::to_owned) {
                let mut bytes = Vec::new();
                field
                    .into_async_read()
                    .take(max + 1)
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|_| bad())?;
                if fname.is_empty() && bytes.is_empty() {
                    continue; // no file chosen
                }
                let too_large = bytes.len() as u64 > max;
                let info = FileInfo {
                    original_name: clean_file_name(&fname),
                    size: bytes.len() as u64,
                    too_large,
                    detected: validate::sniff(&bytes).map(|s| s.0),
                };
                file = Some((info, bytes));
                if too_large {
                    break; // do not read the rest of an oversized body
                }
            } else {
                let mut text = String::new();
                field
                    .into_async_read()
                    .take(TEXT_FIELD_LIMIT)
                    .read_to_string(&mut text)
                    .await
                    .map_err(|_| bad())?;
                values.insert(name, text);
            }
        }
        Ok(ActionInput { values, file })
    }
}

/// A client file name reduced to its last path component, without control characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if clean.trim().is_empty() {
        "scan".into()
    } else {
        clean
    }
}

fn form_reply(
    def: &ActionDef,
    ctx: &FormCtx,
    state: &FormState,
    status: StatusCode,
) -> poem::Result<Response> {
    Ok(views::action_form::action_form(def, ctx, state)
        .with_status(status)
        .into_response())
}

/// POST /actions/:code — validates and files the request. Errors re-render the form (422);
/// success closes the modal, shows a toast and swaps «Активные заявки» out of band.
#[handler]
pub async fn submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Path(code): Path<String>,
    input: ActionInput,
) -> poem::Result<Response> {
    let def = offered_def(&code)?;
    let loaded = load(st, &cur, def).await?;
    if !loaded.available {
        return Err(AppError::BadRequest(NOT_OFFERED.into()).into());
    }
    let tariffs = loaded.tariffs;
    let ctx = form_ctx(st, &tariffs);
    let pairs: Vec<(i64, String)> = tariffs.iter().map(|t| (t.id, t.name.clone())).collect();
    let vctx = Ctx {
        today: ctx.today,
        tariffs: &pairs,
        max_file_bytes: st.cfg.uploads.max_bytes(),
    };
    let checked = validate::check(def, &input.values, input.file.as_ref().map(|f| &f.0), &vctx);
    let values = match checked {
        Ok(v) => v,
        Err(errors) => {
            let state = FormState {
                values: Some(&input.values),
                errors: Some(&errors),
                notice: None,
            };
            return form_reply(def, &ctx, &state, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let file = input.file.and_then(|(info, bytes)| {
        validate::sniff(&bytes).map(|(mime, _)| NewFile {
            original_name: info.original_name,
            content_type: mime,
            bytes,
        })
    });
    let cid = cur.contract.id;
    let account_id = cur.account.account_id;
    let ip = client_ip(req, &st.cfg).to_string();
    let now = st.clock.now();
    let dir = st.cfg.uploads.dir();
    let stored = values.clone();
    // Without a scan the request is a few rows: the writer's group commit takes it. A scan
    // is written to disk inside its own transaction (removed again if the commit fails).
    let (filed, rows) = if file.is_none() {
        st.db
            .write(move |c| {
                let n = NewRequest {
                    contract_id: cid,
                    account_id,
                    action: def,
                    values: &stored,
                    file: None,
                    uploads_dir: &dir,
                    ip: &ip,
                    now,
                };
                let filed = requests::file_rows(c, &n)?;
                let rows = match filed {
                    Filed::Created(_) => requests::list(c, cid)?,
                    _ => Vec::new(),
                };
                Ok((filed, rows))
            })
            .await?
    } else {
        st.db
            .run(move |c| {
                let filed = requests::file(
                    c,
                    NewRequest {
                        contract_id: cid,
                        account_id,
                        action: def,
                        values: &stored,
                        file,
                        uploads_dir: &dir,
                        ip: &ip,
                        now,
                    },
                )?;
                let rows = match filed {
                    Filed::Created(_) => requests::list(c, cid)?,
                    _ => Vec::new(),
                };
                Ok((filed, rows))
            })
            .await?
    };
    match filed {
        Filed::Created(id) => {
            tracing::info!(
                contract_id = cid,
                request_id = id,
                kind = def.code,
                "request filed"
            );
            if !crate::web::htmx::is_htmx(req) {
                // A plain form post: the main page, the new request on top of «Активные заявки».
                return Ok(crate::web::htmx::redirect(req, routes::HOME));
            }
            let body = html! {
                (close_modal_oob())
                (views::actions::requests_list(&crate::web::ctx(st), &rows, Some(id), true))
                (toast_oob("ok", &format!("Заявка «{}» принята. Мы свяжемся с Вами.", def.title)))
            };
            Ok(body.with_header("hx-reswap", "none").into_response())
        }
        Filed::Duplicate(id, at) => {
            let state = FormState {
                values: Some(&input.values),
                errors: None,
                notice: Some(duplicate_notice(st, def, id, at)),
            };
            form_reply(def, &ctx, &state, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Filed::Unavailable => Err(AppError::BadRequest(NOT_OFFERED.into()).into()),
    }
}
