//! Staff sessions: their own cookie (path `/staff`), the `CurrentStaff` extractor and role checks.
use poem::{
    web::cookie::{Cookie, SameSite},
    FromRequest, Request, RequestBody,
};

use super::auth::state;
use crate::auth::session::token_hash;
pub use crate::domain::staff::CurrentStaff;
use crate::{
    db::{sessions, staff},
    error::AppError,
};

pub const COOKIE: &str = "kabinet_staff";
pub const COOKIE_PATH: &str = "/staff";
/// Staff sessions are shorter than subscribers': idle 12 hours, at most 7 days.
pub const IDLE_SECS: i64 = 12 * 3_600;
pub const MAX_SECS: i64 = 7 * 86_400;

/// A staff member with the `admin` role (others get 403).
#[derive(Debug, Clone)]
pub struct StaffAdmin(pub CurrentStaff);

pub fn token_from(req: &Request) -> Option<String> {
    let v = crate::auth::session::cookie_value(req, COOKIE)?;
    (v.len() == 43
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| v.to_owned())
}

/// The staff session cookie: no `Max-Age`, it ends when the browser closes (the server ends
/// the session after `IDLE_SECS` / `MAX_SECS` either way).
pub fn cookie(token: &str, secure: bool) -> Cookie {
    let name = crate::auth::session::cookie_name(COOKIE, secure, false);
    let mut c = Cookie::new_with_str(name, token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_secure(secure);
    c.set_path(COOKIE_PATH);
    c
}

pub fn expired_cookie(secure: bool) -> Cookie {
    let mut c = cookie("", secure);
    c.set_max_age(std::time::Duration::ZERO);
    c
}

impl<'a> FromRequest<'a> for CurrentStaff {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let st = state(req)?;
        let token = token_from(req).ok_or(AppError::StaffUnauthorized)?;
        let hash = token_hash(&token);
        let ip = crate::auth::session::client_ip(req, &st.cfg).to_string();
        let now = st.clock.now();
        let db = st.db.clone();
        let found = st
            .db
            .run(move |c| {
                let Some((sid, seen, created, s)) = staff::by_session(c, &hash)? else {
                    return Ok(None);
                };
                if now - seen > IDLE_SECS || now - created > MAX_SECS {
                    sessions::delete(c, sid)?;
                    return Ok(None);
                }
                // Bookkeeping only: a failed touch (full disk) must not fail the read.
                if now - seen >= 60 {
                    if let Err(e) = sessions::touch(c, sid, now, &ip) {
                        super::auth::touch_failed(&db, e.into());
                    }
                }
                Ok(Some(CurrentStaff {
                    session_id: sid,
                    id: s.id,
                    login: s.login,
                    name: s.name,
                    role: s.role,
                }))
            })
            .await?;
        Ok(found.ok_or(AppError::StaffUnauthorized)?)
    }
}

impl<'a> FromRequest<'a> for StaffAdmin {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let s = CurrentStaff::from_request(req, body).await?;
        if !s.is_admin() {
            return Err(AppError::Forbidden.into());
        }
        Ok(StaffAdmin(s))
    }
}
