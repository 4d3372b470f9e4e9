//! Server-side sessions: a random token in an HttpOnly cookie, its SHA-256 in SQLite.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use poem::{
    web::cookie::{Cookie, SameSite},
    Request,
};
use rand::RngCore;
use std::net::IpAddr;

use crate::config::{Config, SecureCookies};

pub const COOKIE: &str = "kabinet_session";

/// A new random session token (256 bits) as it goes into the cookie.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

pub use crate::domain::token::token_hash;

/// A cookie's name as sent: over TLS it carries the prefix browsers enforce — `__Host-`
/// (Secure, `Path=/`, no Domain: no subdomain or plain-HTTP page can set or shadow it), or
/// `__Secure-` for a cookie scoped to a sub-path.
pub fn cookie_name(name: &str, secure: bool, root_path: bool) -> String {
    match (secure, root_path) {
        (true, true) => format!("__Host-{name}"),
        (true, false) => format!("__Secure-{name}"),
        (false, _) => name.to_owned(),
    }
}

/// The value of cookie `name`, sent under its TLS prefix or without.
pub fn cookie_value(req: &Request, name: &str) -> Option<String> {
    let jar = req.cookie();
    [
        format!("__Host-{name}"),
        format!("__Secure-{name}"),
        name.to_owned(),
    ]
    .iter()
    .find_map(|n| jar.get(n).map(|c| c.value_str().to_owned()))
}

/// The session token from the request's cookie, if it has a plausible shape.
pub fn token_from(req: &Request) -> Option<String> {
    let v = cookie_value(req, COOKIE)?;
    (v.len() == 43
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| v.to_owned())
}

/// Whether the request reached us over TLS (directly or via a trusted proxy).
pub fn is_tls(req: &Request, cfg: &Config) -> bool {
    if req.uri().scheme_str() == Some("https") || req.scheme().as_str() == "https" {
        return true;
    }
    cfg.security.trust_proxy_headers
        && req
            .header("x-forwarded-proto")
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

pub fn secure_cookies(req: &Request, cfg: &Config) -> bool {
    match cfg.cookies.secure {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => is_tls(req, cfg),
    }
}

/// The session cookie. Without `persist_days` (the default, `sessions.persistent_cookie =
/// false`) it has no `Max-Age`: it ends when the browser closes, so a shared office PC does not
/// keep the login for the next person (the server ends the session after its idle or absolute
/// limit either way).
pub fn session_cookie(token: &str, secure: bool, persist_days: Option<u32>) -> Cookie {
    let mut c = Cookie::new_with_str(cookie_name(COOKIE, secure, true), token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c.set_path("/");
    if let Some(days) = persist_days {
        c.set_max_age(std::time::Duration::from_secs(u64::from(days) * 86_400));
    }
    c
}

pub fn expired_cookie(secure: bool) -> Cookie {
    let mut c = session_cookie("", secure, None);
    c.set_max_age(std::time::Duration::ZERO);
    c
}

/// The client's address: the socket peer, or, with `trust_proxy_headers`, the rightmost
/// `X-Forwarded-For` hop (over all header lines) that is not one of `trusted_proxies`.
pub fn client_ip(req: &Request, cfg: &Config) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if cfg.security.trust_proxy_headers {
        let trusted: Vec<crate::domain::ip::Cidr> = cfg
            .security
            .trusted_proxies
            .iter()
            .filter_map(|p| crate::domain::ip::Cidr::parse(p))
            .collect();
        let lines = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        return crate::domain::ip::client_behind_proxies(peer, lines, &trusted);
    }
    peer
}

pub fn user_agent(req: &Request) -> String {
    req.header("user-agent")
        .unwrap_or("")
        .chars()
        .take(400)
        .collect()
}
