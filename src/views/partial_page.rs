//! The page around a partial opened without htmx (see `web::full_page`): a slim header with the
//! way back, the partial (a modal's dialog shows as a card) in the main column.
use maud::{html, Markup, PreEscaped};

use super::layout::{brand, Page};
use crate::{routes, views::Ctx};

/// The text of the fragment's first heading, for the page title.
fn title_of(fragment: &str) -> String {
    for tag in ["<h2", "<h1", "<h3"] {
        if let Some(i) = fragment.find(tag) {
            let rest = &fragment[i..];
            let Some(open) = rest.find('>') else { continue };
            let Some(close) = rest.find("</h") else {
                continue;
            };
            if close <= open {
                continue;
            }
            let mut text = String::new();
            let mut in_tag = false;
            for c in rest[open + 1..close].chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let t = text
                .replace("&nbsp;", " ")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
            if !t.is_empty() {
                return t;
            }
        }
    }
    "Личный кабинет".to_owned()
}

pub fn page(st: &Ctx, csrf: &str, staff: bool, fragment: &str) -> Markup {
    let title = title_of(fragment);
    let (back, back_label, class) = if staff {
        (routes::STAFF, "В консоль", "staff")
    } else {
        (routes::HOME, "На главную", "app")
    };
    let content = html! {
        header .topbar {
            div .topbar-inner {
                (brand(st, false))
                div .topbar-right {
                    a .btn .btn-secondary href=(back) { (back_label) }
                }
            }
        }
        main #main .container .narrow .as-page tabindex="-1" {
            (PreEscaped(fragment))
        }
    };
    super::layout::page(
        &Page {
            st,
            title: &title,
            csrf,
            body_class: class,
        },
        content,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_title_is_the_first_heading() {
        let f = r#"<dialog><header><h2 id="x">История&nbsp;баланса <span>2022</span></h2></header></dialog>"#;
        assert_eq!(super::title_of(f), "История баланса 2022");
        assert_eq!(super::title_of("<p>no</p>"), "Личный кабинет");
    }
}
