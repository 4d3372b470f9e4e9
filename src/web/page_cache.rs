//! Rendered HTML of the subscriber's read-only screens (the main page, «История баланса», a
//! service's and a request's card, «Список договоров»), per screen, account, contract, item and
//! role. An entry depends on the account and the contracts it shows (`db::fresh` scopes): a
//! write to one subscriber's data leaves everyone else's pages cached, and the writer's own
//! next request renders afresh. Entries live at most `cache.ttl_ms`; the cache holds at most
//! `cache.pages_mb`.
//!
//! The request's CSRF token is never stored: a page that carries one is rendered with
//! [`CSRF_SLOT`] in its place and [`Page::with_csrf`] puts the current request's token in.
use std::{future::Future, sync::Arc};

use bytes::Bytes;
use poem::{Body, Response};

use crate::{
    db::fresh::{self, Scope},
    domain::role::Role,
    error::AppError,
    web::auth::CurrentContract,
};

/// The screens whose HTML is cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    Main,
    History,
    Service,
    Request,
    Contracts,
}

/// What one cached page is of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub screen: Screen,
    pub account: i64,
    /// The contract shown (0: none, e.g. the contract list).
    pub contract: i64,
    /// The item shown (a service's or a request's id), or a variant of the screen.
    pub item: u64,
    /// The account's role on the contract: screens show what the role may do.
    pub role: Option<Role>,
}

impl Key {
    /// `screen` of the current contract, showing `item`.
    pub fn of(screen: Screen, cur: &CurrentContract, item: u64) -> Key {
        Key {
            screen,
            account: cur.account.account_id,
            contract: cur.contract.id,
            item,
            role: Some(cur.role),
        }
    }
}

/// What a screen of the current contract that shows no money depends on: the account and
/// the contract.
pub fn scopes(cur: &CurrentContract) -> [Scope; 2] {
    [
        Scope::Account(cur.account.account_id),
        Scope::Contract(cur.contract.id),
    ]
}

/// What a screen of the current contract that shows its money (balance, ledger, payments,
/// autopay) depends on.
pub fn scopes_with_money(cur: &CurrentContract) -> [Scope; 3] {
    [
        Scope::Account(cur.account.account_id),
        Scope::Contract(cur.contract.id),
        Scope::Money(cur.contract.id),
    ]
}

/// Stands for the CSRF token in a cached page (a control character no escaped text contains).
pub const CSRF_SLOT: &str = "\u{1}csrf\u{1}";

/// A rendered page and where its [`CSRF_SLOT`]s are (found once, when it is rendered).
pub struct Page {
    html: Box<str>,
    slots: Box<[usize]>,
}

impl Page {
    fn new(html: String) -> Page {
        let slots = html.match_indices(CSRF_SLOT).map(|(at, _)| at).collect();
        Page {
            html: html.into_boxed_str(),
            slots,
        }
    }

    pub fn html(&self) -> &str {
        &self.html
    }

    /// The page with the request's CSRF token in each slot.
    pub fn with_csrf(&self, token: &str) -> String {
        let mut out = String::with_capacity(self.html.len() + self.slots.len() * token.len());
        let mut from = 0;
        for &at in self.slots.iter() {
            out.push_str(&self.html[from..at]);
            out.push_str(token);
            from = at + CSRF_SLOT.len();
        }
        out.push_str(&self.html[from..]);
        out
    }
}

/// Cached pages (see the module notes).
pub struct PageCache(fresh::ReadCache<Key, Arc<Page>>);

/// Entries at most, whatever their size.
const MAX_ENTRIES: usize = 16_384;

impl PageCache {
    pub fn new(max_bytes: usize, ttl: std::time::Duration, f: Arc<fresh::Fresh>) -> PageCache {
        PageCache(fresh::ReadCache::with_bytes(
            MAX_ENTRIES,
            max_bytes,
            |p: &Arc<Page>| p.html.len() + p.slots.len() * 8 + 112,
            ttl,
            f,
        ))
    }

    /// The page under `key`, rendered by `render` when it is not cached (or stale); a page
    /// rendered after a write to one of `scopes` began is served but not kept. Errors are
    /// never cached.
    pub async fn get_or_render<Fut>(
        &self,
        key: Key,
        scopes: &[Scope],
        render: Fut,
    ) -> Result<Arc<Page>, AppError>
    where
        Fut: Future<Output = Result<String, AppError>>,
    {
        self.get_or_render_scoped(key, async { Ok((render.await?, scopes.to_vec())) })
            .await
    }

    /// Like [`PageCache::get_or_render`], for a page whose scopes are known once it is read
    /// (e.g. every contract of a list).
    pub async fn get_or_render_scoped<Fut>(
        &self,
        key: Key,
        render: Fut,
    ) -> Result<Arc<Page>, AppError>
    where
        Fut: Future<Output = Result<(String, Vec<Scope>), AppError>>,
    {
        if let Some(html) = self.0.get(&key) {
            return Ok(html);
        }
        // Taken before the read: a write published after it makes the entry stale at once.
        let stamp = self.0.stamp();
        let (html, scopes) = render.await?;
        let page = Arc::new(Page::new(html));
        self.0.put(key, stamp, &scopes, page.clone());
        Ok(page)
    }
}

/// A cached page (with no CSRF slot) as an HTML response (as maud's `Markup` answers),
/// without copying it.
pub fn respond(page: Arc<Page>) -> Response {
    struct Shared(Arc<Page>);
    impl AsRef<[u8]> for Shared {
        fn as_ref(&self) -> &[u8] {
            self.0.html.as_bytes()
        }
    }
    html_response(Body::from_bytes(Bytes::from_owner(Shared(page))))
}

/// A page rendered for this request as an HTML response.
pub fn respond_owned(html: String) -> Response {
    html_response(Body::from_string(html))
}

fn html_response(body: Body) -> Response {
    Response::builder()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_gets_the_token_and_other_text_stays() {
        let page = |s: String| Page::new(s);
        let html = format!("<a>\u{1}x{CSRF_SLOT}b</a><i>{CSRF_SLOT}</i>");
        assert_eq!(page(html).with_csrf("T0K"), "<a>\u{1}xT0Kb</a><i>T0K</i>");
        assert_eq!(page("без слотов".into()).with_csrf("T"), "без слотов");
        assert_eq!(page(CSRF_SLOT.into()).with_csrf(""), "");
    }
}
