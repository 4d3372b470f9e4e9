//! CSRF protection: poem's `Csrf` (AES-GCM token/cookie pairs with our key) plus one guard that
//! verifies every unsafe request, so a handler cannot forget it.
//!
//! poem's middleware mints a new token and cookie on every request. For safe requests (GET)
//! that carry a cookie we issued before, the token issued with that cookie is still valid
//! (tokens are bound to the cookie's secret), so it is reused from a small cache and the
//! crypto and `Set-Cookie` are skipped. Unsafe requests always go through poem's verifier.
//!
//! Tokens are also bound to the session (issue 24, item 11): the token a page gets is poem's
//! token plus an HMAC over it and the browser's session cookies (subscriber and staff), so a
//! token minted for one session — or for none, before a login — does not verify with another.
use poem::{
    http::{header, Method},
    middleware::CookieJarManager,
    web::{cookie::SameSite, CsrfToken, CsrfVerifier},
    Endpoint, EndpointExt, IntoResponse, Request, Response,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use crate::{auth::session, error::AppError, state::SharedState};

pub const COOKIE: &str = "kabinet_csrf";

/// The MAC that binds `token` to the session cookies this request carries.
fn binding_mac(key: &[u8; 32], token: &str, req: &Request) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use hmac::{Hmac, Mac};
    let subscriber = session::cookie_value(req, session::COOKIE).unwrap_or_default();
    let staff = session::cookie_value(req, super::staff_auth::COOKIE).unwrap_or_default();
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(b"kabinet csrf session\0");
    m.update(token.as_bytes());
    m.update(b"\0");
    m.update(subscriber.as_bytes());
    m.update(b"\0");
    m.update(staff.as_bytes());
    URL_SAFE_NO_PAD.encode(&m.finalize().into_bytes()[..18])
}

/// poem's token bound to this request's session: what pages embed.
fn bind(req: &Request, token: &str) -> String {
    match req.data::<SharedState>() {
        Some(st) => format!("{token}.{}", binding_mac(&st.csrf_key, token, req)),
        None => token.to_owned(),
    }
}

/// poem's token out of a bound one, when it was bound to this request's session.
fn unbind<'t>(req: &Request, bound: &'t str) -> Option<&'t str> {
    let st = req.data::<SharedState>()?;
    let (token, mac) = bound.rsplit_once('.')?;
    let want = binding_mac(&st.csrf_key, token, req);
    let same = mac.len() == want.len()
        && mac
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(token)
}

/// Verifies the CSRF token on every unsafe request (header `X-CSRF-Token`, sent by htmx via
/// `hx-headers`, or the `csrf_token` field of a urlencoded form). Wraps all page routes, so a
/// handler cannot forget it.
pub struct CsrfGuard<E>(pub E);

const FORM_LIMIT: usize = 256 * 1024;

impl<E: Endpoint> Endpoint for CsrfGuard<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let mut token = req.header("x-csrf-token").map(str::to_owned);
            let is_form = req
                .header(header::CONTENT_TYPE)
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
            if token.is_none() && is_form {
                let bytes = req
                    .take_body()
                    .into_bytes_limit(FORM_LIMIT)
                    .await
                    .map_err(|_| AppError::BadRequest("Слишком большой запрос".into()))?;
                token = form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == "csrf_token")
                    .map(|(_, v)| v.into_owned());
                req.set_body(bytes);
            }
            let token = token.as_deref().and_then(|t| unbind(&req, t));
            let valid = match (req.extensions().get::<CsrfVerifier>(), token) {
                (Some(v), Some(t)) => v.is_valid(t),
                _ => false,
            };
            if !valid {
                return Err(AppError::Csrf.into());
            }
        }
        self.0.call(req).await
    }
}

/// Cookie value → the token issued with it (bounded; cleared when full).
#[derive(Default)]
struct TokenCache(Mutex<HashMap<String, String>>);

const TOKEN_CACHE_MAX: usize = 4096;

impl TokenCache {
    fn get(&self, cookie: &str) -> Option<String> {
        self.0.lock().ok()?.get(cookie).cloned()
    }
    fn put(&self, cookie: String, token: String) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= TOKEN_CACHE_MAX {
                m.clear();
            }
            m.insert(cookie, token);
        }
    }
}

/// Where the inner layer leaves the token poem minted for this request.
#[derive(Clone)]
struct TokenSlot(Arc<OnceLock<String>>);

/// Sits inside poem's `Csrf`: hands the minted token to the outer layer for the cache, and
/// gives the page the token bound to the session.
struct CaptureToken<E>(E);

impl<E: Endpoint> Endpoint for CaptureToken<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let minted = req.extensions().get::<CsrfToken>().map(|t| t.0.clone());
        if let Some(token) = minted {
            if let Some(slot) = req.extensions().get::<TokenSlot>() {
                let _ = slot.0.set(token.clone());
            }
            let bound = bind(&req, &token);
            req.extensions_mut().insert(CsrfToken(bound));
        }
        self.0.call(req).await
    }
}

/// poem's `Csrf` fixes the cookie's Secure flag up front; in `secure = "auto"` mode the flag
/// follows the request, so both variants are built and one is picked per request.
pub struct CsrfLayers<A, B, P> {
    secure: A,
    plain: B,
    /// The guarded pages without poem's `Csrf`, for safe requests with a known cookie.
    bare: P,
    tokens: TokenCache,
}

impl<A: Endpoint, B: Endpoint, P: Endpoint> Endpoint for CsrfLayers<A, B, P> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD);
        let secure = match req.data::<SharedState>() {
            Some(st) => session::secure_cookies(&req, &st.cfg),
            None => true,
        };
        let name = session::cookie_name(COOKIE, secure, true);
        if safe {
            let known = req
                .cookie()
                .get(&name)
                .and_then(|c| self.tokens.get(c.value_str()));
            if let Some(token) = known {
                let bound = bind(&req, &token);
                req.extensions_mut().insert(CsrfToken(bound));
                return self.bare.call(req).await.map(IntoResponse::into_response);
            }
        }
        let slot = TokenSlot(Arc::new(OnceLock::new()));
        req.extensions_mut().insert(slot.clone());
        let jar = req.cookie().clone();
        let resp = if secure {
            self.secure
                .call(req)
                .await
                .map(IntoResponse::into_response)?
        } else {
            self.plain
                .call(req)
                .await
                .map(IntoResponse::into_response)?
        };
        // The jar now holds the cookie poem just issued (sent with this response).
        if let (Some(token), Some(cookie)) = (slot.0.get(), jar.get(&name)) {
            self.tokens
                .put(cookie.value_str().to_owned(), token.clone());
        }
        Ok(resp)
    }
}

pub fn csrf_layers<E: Endpoint + 'static>(pages: E, key: [u8; 32]) -> impl Endpoint {
    let pages = Arc::new(CsrfGuard(pages));
    let make = |secure: bool| {
        poem::middleware::Csrf::new()
            .key(key)
            .cookie_name(session::cookie_name(COOKIE, secure, true))
            .secure(secure)
            .http_only(true)
            .same_site(SameSite::Strict)
            .ttl(std::time::Duration::from_secs(7 * 86_400))
    };
    CsrfLayers {
        secure: CaptureToken(pages.clone()).with(make(true)),
        plain: CaptureToken(pages.clone()).with(make(false)),
        bare: pages,
        tokens: TokenCache::default(),
    }
    .with(CookieJarManager::new())
}

/// Ends this browser's CSRF secret (at login and logout): the response expires the cookie,
/// so the next page gets a new secret and tokens minted before no longer verify.
pub fn rotate(req: &Request, secure: bool) {
    let mut c =
        poem::web::cookie::Cookie::new_with_str(session::cookie_name(COOKIE, secure, true), "");
    c.set_path("/");
    c.set_secure(secure);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_max_age(std::time::Duration::ZERO);
    req.cookie().add(c);
}
