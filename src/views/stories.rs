//! «Истории»: the strip on the main page and a story opened full size.
use crate::routes::ids;
use maud::{html, Markup};

use crate::{domain::story::Story, routes, views::assets::asset_url};

fn image_url(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        asset_url(path)
    }
}

fn story_url(id: i64) -> String {
    format!("{}/{id}", routes::STORIES)
}

/// The strip, in the account's order. `oob` re-renders it out of band after a view.
pub fn strip(stories: &[Story], oob: bool) -> Markup {
    html! {
        @if stories.is_empty() {
            section id=(ids::STORIES) hx-swap-oob=[oob.then_some("true")] {}
        } @else {
            section id=(ids::STORIES) .stories aria-label="Истории" hx-swap-oob=[oob.then_some("true")] {
                h2 .section-title { "Истории" }
                ul .stories-strip role="list" {
                    @for s in stories {
                        li {
                            a .story-card .viewed[s.viewed] href=(story_url(s.id)) data-story-id=(s.id)
                                hx-get=(story_url(s.id)) hx-target=(ids::MODAL_SEL)
                                aria-label=(format!("История: {}", s.title)) {
                                img src=(image_url(&s.image_path)) alt="" loading="lazy" width="150" height="200";
                                span .story-caption { (s.title) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where an opened story stands in the sequence being watched.
pub struct Nav<'a> {
    pub pos: usize,
    pub prev: Option<i64>,
    pub next: Option<i64>,
    pub seq: &'a [i64],
}

/// A story full size, with its neighbours for «‹» / «›», arrow keys and swipes (assets/app.js).
pub fn modal(s: &Story, nav: &Nav) -> Markup {
    let title_id = "story-title";
    let seq = nav
        .seq
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    let url = |id: i64| format!("{}?seq={seq}", story_url(id));
    let (pos, total) = (nav.pos, nav.seq.len());
    html! {
        dialog .modal .story-modal #story data-modal data-story aria-labelledby=(title_id) {
            div .story-progress aria-hidden="true" {
                @for i in 0..total { span .done[i < pos] .current[i == pos] {} }
            }
            header .modal-head {
                h2 id=(title_id) { (s.title) }
                form method="dialog" {
                    button .modal-close type="submit" aria-label="Закрыть" { "×" }
                }
            }
            div .story-view {
                img .story-image src=(image_url(&s.image_path)) alt="" width="600" height="800";
                @if let Some(p) = nav.prev {
                    a .story-nav .prev href=(url(p)) data-story-prev hx-get=(url(p)) hx-target=(ids::MODAL_SEL)
                        aria-label="Предыдущая история" { "‹" }
                }
                @if let Some(n) = nav.next {
                    a .story-nav .next href=(url(n)) data-story-next hx-get=(url(n)) hx-target=(ids::MODAL_SEL)
                        aria-label="Следующая история" { "›" }
                }
            }
            div .modal-body .story-text {
                @for para in s.body.split("\n\n") { p { (para) } }
                p .story-count .muted { (pos + 1) " из " (total) }
            }
        }
    }
}
