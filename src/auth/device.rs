//! The device cookie: a browser that logged in to a login successfully gets a signed cookie
//! naming that login. Its later attempts on the same login are throttled on their own budget,
//! so a stranger who burns the login's attempts (to lock its owner out) does not stop the
//! owner; the stranger, without the cookie, stays as slow as before.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use poem::{
    web::cookie::{Cookie, SameSite},
    Request,
};
use rand::RngCore;
use sha2::Sha256;

/// Cookie of the subscriber login page (path `/`).
pub const COOKIE: &str = "kabinet_device";
/// Cookie of the staff login (path `/staff`).
pub const STAFF_COOKIE: &str = "kabinet_staff_device";

/// Kept for a year; each successful login renews it.
const MAX_AGE_DAYS: u64 = 365;

fn mac(key: &[u8; 32], login: &str, nonce: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(b"kabinet device\0");
    m.update(login.as_bytes());
    m.update(b"\0");
    m.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
}

/// The nonce of this request's device cookie when it was issued for `login`.
pub fn verified(req: &Request, name: &str, key: &[u8; 32], login: &str) -> Option<String> {
    let v = super::session::cookie_value(req, name)?;
    verify_value(&v, key, login)
}

/// The nonce of a device cookie's value when it was issued for `login`.
pub fn verify_value(v: &str, key: &[u8; 32], login: &str) -> Option<String> {
    let (nonce, tag) = v.split_once('.')?;
    let want = mac(key, login, nonce);
    let same = tag.len() == want.len()
        && tag
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    (same && nonce.len() == 22).then(|| nonce.to_owned())
}

/// A new device cookie for `login` (after a successful login).
pub fn cookie(name: &str, path: &str, key: &[u8; 32], login: &str, secure: bool) -> Cookie {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    let nonce = URL_SAFE_NO_PAD.encode(b);
    let name = super::session::cookie_name(name, secure, path == "/");
    let mut c = Cookie::new_with_str(name, format!("{nonce}.{}", mac(key, login, &nonce)));
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c.set_path(path);
    c.set_max_age(std::time::Duration::from_secs(MAX_AGE_DAYS * 86_400));
    c
}
