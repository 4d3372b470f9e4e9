//! Staff: stories — create, edit, order, publish/unpublish, image upload (PNG/JPEG/WebP, stored
//! under `<uploads dir>/stories/`).
use crate::routes::ids;
use maud::html;
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Path},
    IntoResponse, Request, Response,
};
use serde::Deserialize;
use std::path::PathBuf;

use super::actor;
use crate::{
    db::stories_admin::{self as stories, Input, Story},
    error::AppError,
    routes,
    state::{AppState, SharedState},
    views::{
        components::{close_modal_oob, toast_oob},
        staff::{layout, stories as view},
    },
    web::actions::ActionInput,
    web::staff_auth::CurrentStaff,
};

fn image_kind(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("png")
    } else if b.len() > 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

pub(super) fn dir(st: &AppState) -> PathBuf {
    st.cfg.uploads.dir().join("stories")
}

async fn all(st: &AppState) -> Result<Vec<Story>, AppError> {
    st.db.run(|c| Ok(stories::list(c)?)).await
}

#[handler]
pub async fn list(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
) -> poem::Result<Markup> {
    let rows = all(st).await?;
    let body = html! {
        p { button .btn .btn-primary type="button" hx-get=(routes::STAFF_STORY_NEW) hx-target=(ids::MODAL_SEL) { "Добавить историю" } }
        (view::list(&crate::web::ctx(st), &rows))
    };
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Stories,
        "Истории",
        body,
    ))
}

#[handler]
pub fn new_form(csrf: &CsrfToken, _me: CurrentStaff) -> Markup {
    let v = view::FormValues {
        title: "",
        body: "",
        from: "",
        until: "",
        published: false,
    };
    view::form_modal(&csrf.0, None, &v, false)
}

fn day(unix: Option<i64>, st: &AppState) -> String {
    unix.map(|u| crate::domain::time::zoned(u, &st.tz).date().to_string())
        .unwrap_or_default()
}

#[handler]
pub async fn edit_form(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    _me: CurrentStaff,
    Path(id): Path<i64>,
) -> poem::Result<Markup> {
    let s = st
        .db
        .run(move |c| Ok(stories::get(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let (from, until) = (day(s.publish_from, st), day(s.publish_until, st));
    let v = view::FormValues {
        title: &s.title,
        body: &s.body,
        from: &from,
        until: &until,
        published: s.published,
    };
    Ok(view::form_modal(
        &csrf.0,
        Some(id),
        &v,
        !s.image_path.is_empty(),
    ))
}

/// An uploaded image: bytes and file extension.
type Image = (Vec<u8>, &'static str);
/// Field name → message.
type Errors = Vec<(&'static str, String)>;

/// Validated form: the story input and the image bytes to write (with extension).
fn validate(
    st: &AppState,
    input: &ActionInput,
    editing: bool,
) -> Result<(Input, Option<Image>), Errors> {
    let get = |k: &str| {
        input
            .values
            .get(k)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let title = get("title");
    if title.is_empty() {
        errors.push(("title", "Введите заголовок".to_owned()));
    } else if title.chars().count() > 120 {
        errors.push(("title", "Не длиннее 120 символов".to_owned()));
    }
    let body = get("body");
    if body.chars().count() > 4000 {
        errors.push(("body", "Не длиннее 4000 символов".to_owned()));
    }
    let parse_day = |k: &'static str, end: bool, errors: &mut Vec<(&'static str, String)>| {
        let v = get(k);
        if v.is_empty() {
            return None;
        }
        match v.parse::<jiff::civil::Date>() {
            Ok(d) => {
                let t = if end {
                    jiff::civil::time(23, 59, 59, 0)
                } else {
                    jiff::civil::time(0, 0, 0, 0)
                };
                d.to_datetime(t)
                    .to_zoned(st.tz.clone())
                    .ok()
                    .map(|z| z.timestamp().as_second())
            }
            Err(_) => {
                errors.push((k, "Дата в формате ДД.ММ.ГГГГ".to_owned()));
                None
            }
        }
    };
    let from = parse_day("from", false, &mut errors);
    let until = parse_day("until", true, &mut errors);
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            errors.push(("until", "Дата окончания раньше даты начала".to_owned()));
        }
    }
    let mut image = None;
    match &input.file {
        Some((info, _)) if info.too_large => {
            errors.push(("image", format!("Файл больше {} МБ", st.cfg.uploads.max_mb)))
        }
        Some((_, bytes)) => match image_kind(bytes) {
            Some(ext) => image = Some((bytes.clone(), ext)),
            None => errors.push((
                "image",
                "Можно загрузить только PNG, JPEG или WebP".to_owned(),
            )),
        },
        None if !editing => errors.push(("image", "Выберите изображение".to_owned())),
        None => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Input {
            title,
            body,
            image_path: None,
            published: get("published") == "1",
            publish_from: from,
            publish_until: until,
        },
        image,
    ))
}

async fn save(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    me: &CurrentStaff,
    id: Option<i64>,
    input: ActionInput,
) -> poem::Result<Response> {
    let (mut data, image) = match validate(st, &input, id.is_some()) {
        Ok(v) => v,
        Err(errors) => {
            let g = |k: &str| input.values.get(k).cloned().unwrap_or_default();
            let (t, b, f, u) = (g("title"), g("body"), g("from"), g("until"));
            let v = view::FormValues {
                title: &t,
                body: &b,
                from: &f,
                until: &u,
                published: g("published") == "1",
            };
            return Ok(view::form(csrf, id, &v, &errors, id.is_some())
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response());
        }
    };
    let mut written = None;
    if let Some((bytes, ext)) = image {
        let mut b = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
        let name = format!("{}.{ext}", hex::encode(b));
        let d = dir(st);
        let path = d.join(&name);
        let p2 = path.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&d)?;
            std::fs::write(&p2, &bytes)?;
            std::fs::File::open(&p2)?.sync_all()
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("story image write: {e}")))?;
        data.image_path = Some(format!("{}/{name}", routes::STORY_IMAGES));
        written = Some(path);
    }
    let a = actor(req, st, me);
    let title = data.title.clone();
    let r = st
        .db
        .run(move |c| {
            let (sid, old) = match id {
                None => (Some(stories::create(c, &data, a.now)?), None),
                Some(id) => match stories::update(c, id, &data, a.now)? {
                    None => (None, None),
                    Some(old) => (Some(id), old),
                },
            };
            if let Some(sid) = sid {
                let act = if id.is_some() {
                    "story.update"
                } else {
                    "story.create"
                };
                a.log(c, act, &format!("story:{sid}"), &data.title)?;
            }
            Ok((sid, old, stories::list(c)?))
        })
        .await;
    let (sid, old, rows) = match r {
        Ok(v) => v,
        Err(e) => {
            if let Some(p) = written {
                let _ = std::fs::remove_file(p);
            }
            return Err(e.into());
        }
    };
    if sid.is_none() {
        return Err(AppError::NotFound.into());
    }
    if let Some(old) = old {
        if let Some(name) = old.strip_prefix(&format!("{}/", routes::STORY_IMAGES)) {
            let _ = std::fs::remove_file(dir(st).join(name));
        }
    }
    let html = html! {
        (close_modal_oob())
        (toast_oob("ok", &format!("История «{title}» сохранена")))
        div id=(ids::STORIES) hx-swap-oob="outerHTML" { (view::list(&crate::web::ctx(st), &rows)) }
    };
    Ok(html.into_response())
}

#[handler]
pub async fn create(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    input: ActionInput,
) -> poem::Result<Response> {
    save(req, st, &csrf.0, &me, None, input).await
}

#[handler]
pub async fn update(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Path(id): Path<i64>,
    input: ActionInput,
) -> poem::Result<Response> {
    save(req, st, &csrf.0, &me, Some(id), input).await
}

#[handler]
pub async fn shift(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path((id, dir)): Path<(i64, String)>,
) -> poem::Result<Markup> {
    let d = match dir.as_str() {
        "up" => -1,
        "down" => 1,
        _ => return Err(AppError::NotFound.into()),
    };
    let a = actor(req, st, &me);
    let rows = st
        .db
        .run(move |c| {
            if stories::shift(c, id, d)? {
                a.log(
                    c,
                    "story.move",
                    &format!("story:{id}"),
                    if d < 0 { "up" } else { "down" },
                )?;
            }
            Ok(stories::list(c)?)
        })
        .await?;
    Ok(view::list(&crate::web::ctx(st), &rows))
}

#[derive(Deserialize)]
pub struct On {
    #[serde(default)]
    on: String,
}

#[handler]
pub async fn publish(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(f): Form<On>,
) -> poem::Result<Markup> {
    let on = f.on == "1";
    let a = actor(req, st, &me);
    let rows = st
        .db
        .run(move |c| {
            if stories::set_published(c, id, on, a.now)? {
                a.log(
                    c,
                    if on {
                        "story.publish"
                    } else {
                        "story.unpublish"
                    },
                    &format!("story:{id}"),
                    "",
                )?;
            }
            Ok(stories::list(c)?)
        })
        .await?;
    Ok(view::list(&crate::web::ctx(st), &rows))
}
