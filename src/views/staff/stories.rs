//! Staff: stories — list in display order, publish/unpublish, move, create/edit with an image.
use crate::routes::ids;
use maud::{html, Markup};

use crate::{
    domain::story_admin::Story,
    domain::time,
    routes,
    views::components::{csrf_input, modal},
    views::Ctx,
};

/// An uploaded image's URL, or an embedded asset (the demo stories).
fn image_url(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        crate::views::assets::asset_url(path)
    }
}

pub fn list(st: &Ctx, rows: &[Story]) -> Markup {
    html! {
        div id=(ids::STORIES) .staff-stories {
            @if rows.is_empty() { p .muted { "Историй пока нет." } }
            @for (i, s) in rows.iter().enumerate() {
                article .story-row #(format!("story-{}", s.id)) {
                    @if !s.image_path.is_empty() {
                        img .story-thumb src=(image_url(&s.image_path)) alt="";
                    } @else { div .story-thumb {} }
                    div .story-info {
                        strong { (s.title) }
                        p .muted { (s.body.chars().take(140).collect::<String>()) }
                        p {
                            @if s.published { span .badge .ok { "Опубликована" } } @else { span .badge .warn { "Черновик" } }
                            @if let Some(f) = s.publish_from { " " span .muted { "с " (time::date(f, st.tz)) } }
                            @if let Some(u) = s.publish_until { " " span .muted { "по " (time::date(u, st.tz)) } }
                        }
                    }
                    div .story-actions {
                        button .btn .btn-secondary type="button" disabled[i == 0] aria-label=(format!("Выше: {}", s.title))
                            hx-post=(routes::staff_story_move(s.id, "up")) hx-target=(ids::STORIES_SEL) hx-swap="outerHTML" { "↑" }
                        button .btn .btn-secondary type="button" disabled[i + 1 == rows.len()] aria-label=(format!("Ниже: {}", s.title))
                            hx-post=(routes::staff_story_move(s.id, "down")) hx-target=(ids::STORIES_SEL) hx-swap="outerHTML" { "↓" }
                        button .btn .btn-secondary type="button" hx-post=(routes::staff_story_publish(s.id))
                            hx-vals=(if s.published { r#"{"on":"0"}"# } else { r#"{"on":"1"}"# })
                            hx-target=(ids::STORIES_SEL) hx-swap="outerHTML" {
                            (if s.published { "Снять с публикации" } else { "Опубликовать" })
                        }
                        button .btn .btn-secondary type="button" hx-get=(routes::staff_story(s.id)) hx-target=(ids::MODAL_SEL) { "Изменить" }
                    }
                }
            }
        }
    }
}

pub struct FormValues<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub from: &'a str,
    pub until: &'a str,
    pub published: bool,
}

pub fn form(
    csrf: &str,
    id: Option<i64>,
    v: &FormValues,
    errors: &[(&str, String)],
    has_image: bool,
) -> Markup {
    let action = id.map_or(routes::STAFF_STORIES.to_owned(), routes::staff_story);
    let err = |n: &str| errors.iter().find(|(k, _)| *k == n).map(|(_, m)| m.clone());
    html! {
        form #story-form .form method="post" action=(action) hx-post=(action) hx-target="this" hx-swap="outerHTML"
            hx-encoding="multipart/form-data" enctype="multipart/form-data" novalidate {
            (csrf_input(csrf))
            div .field .has-error[err("title").is_some()] {
                label for="f-title" { "Заголовок*" }
                input #f-title name="title" type="text" maxlength="120" value=(v.title) required aria-invalid=[err("title").map(|_| "true")] aria-describedby=[err("title").map(|_| "f-title-error")];
                @if let Some(e) = err("title") { p .field-error #f-title-error { (e) } }
            }
            div .field .has-error[err("body").is_some()] {
                label for="f-body" { "Текст" }
                textarea #f-body name="body" rows="5" maxlength="4000" aria-invalid=[err("body").map(|_| "true")] aria-describedby=[err("body").map(|_| "f-body-error")] { (v.body) }
                @if let Some(e) = err("body") { p .field-error #f-body-error { (e) } }
            }
            div .field .has-error[err("image").is_some()] {
                label for="f-image" { (if has_image { "Новое изображение (PNG, JPEG, WebP)" } else { "Изображение* (PNG, JPEG, WebP)" }) }
                input #f-image name="image" type="file" accept="image/png,image/jpeg,image/webp" aria-invalid=[err("image").map(|_| "true")] aria-describedby=[err("image").map(|_| "f-image-error")];
                @if let Some(e) = err("image") { p .field-error #f-image-error { (e) } }
            }
            div .field .has-error[err("from").is_some()] {
                label for="f-from" { "Показывать с" }
                input #f-from name="from" type="date" value=(v.from) aria-invalid=[err("from").map(|_| "true")] aria-describedby=[err("from").map(|_| "f-from-error")];
                @if let Some(e) = err("from") { p .field-error #f-from-error { (e) } }
            }
            div .field .has-error[err("until").is_some()] {
                label for="f-until" { "Показывать по" }
                input #f-until name="until" type="date" value=(v.until) aria-invalid=[err("until").map(|_| "true")] aria-describedby=[err("until").map(|_| "f-until-error")];
                @if let Some(e) = err("until") { p .field-error #f-until-error { (e) } }
            }
            label .check { input type="checkbox" name="published" value="1" checked[v.published]; " Опубликовать" }
            p .muted { "* Обязательные поля" }
            button .btn .btn-primary type="submit" { "Сохранить" }
        }
    }
}

pub fn form_modal(csrf: &str, id: Option<i64>, v: &FormValues, has_image: bool) -> Markup {
    let title = if id.is_some() {
        "Изменить историю"
    } else {
        "Новая история"
    };
    modal("story-modal", title, form(csrf, id, v, &[], has_image))
}
