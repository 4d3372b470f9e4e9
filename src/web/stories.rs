//! «Истории»: the account's strip and opening a story (which moves it to the end).
use maud::html;
use maud::Markup;
use poem::{
    handler,
    web::{Data, Path, Query},
};
use serde::Deserialize;

use crate::{db::stories, error::AppError, state::SharedState, views, web::auth::CurrentAccount};

/// The strip in this account's order (loaded into the main page).
#[handler]
pub async fn strip(Data(st): Data<&SharedState>, acc: CurrentAccount) -> poem::Result<Markup> {
    let now = st.clock.now();
    let list = st
        .db
        .run(move |c| Ok(stories::strip(c, acc.account_id, now)?))
        .await?;
    Ok(views::stories::strip(&list, false))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenQuery {
    /// The strip's order when the visitor started watching ("3.4.5.1.2"), so «‹»/«›» and the
    /// counter stay stable while each view reorders the strip.
    seq: String,
}

/// Opens a story full size, records the view and re-renders the strip out of band.
#[handler]
pub async fn open(
    req: &poem::Request,
    Data(st): Data<&SharedState>,
    acc: CurrentAccount,
    Path(id): Path<i64>,
    Query(q): Query<OpenQuery>,
) -> poem::Result<Markup> {
    let now = st.clock.now();
    let (story, before, after) = st
        .db
        .run(move |c| {
            let Some(story) = stories::get(c, id, now)? else {
                return Err(AppError::NotFound);
            };
            let before = stories::strip(c, acc.account_id, now)?;
            stories::mark_viewed(c, acc.account_id, id, now)?;
            let after = stories::strip(c, acc.account_id, now)?;
            Ok((story, before, after))
        })
        .await?;
    // Neighbours in the order the visitor saw when they started watching.
    let visible: Vec<i64> = before.iter().map(|s| s.id).collect();
    let mut seq: Vec<i64> = q
        .seq
        .split('.')
        .take(100)
        .filter_map(|p| p.parse().ok())
        .filter(|i| visible.contains(i))
        .collect();
    let mut seen = std::collections::HashSet::new();
    seq.retain(|i| seen.insert(*i));
    if !seq.contains(&story.id) {
        seq = visible;
    }
    let pos = seq.iter().position(|&s| s == story.id).unwrap_or(0);
    let nav = views::stories::Nav {
        pos,
        prev: pos.checked_sub(1).and_then(|p| seq.get(p)).copied(),
        next: seq.get(pos + 1).copied(),
        seq: &seq,
    };
    // Without htmx the story is the page (`web::full_page`); the strip is the main page's.
    let hx = crate::web::htmx::is_htmx(req);
    let body = html! {
        (views::stories::modal(&story, &nav))
        @if hx { (views::stories::strip(&after, true)) }
    };
    Ok(body)
}
