//! The staff console under `/staff`: its own login, roles (`operator`, `admin`), every
//! action written to the audit log.
pub mod accounts;
pub mod chat;
pub mod contracts;
pub mod documents;
pub mod login;
pub mod requests;
pub mod stories;
pub mod story_image;

use poem::{get, post, Request, Route};

use crate::{auth::staff::CurrentStaff, db::audit, state::AppState, web::paths};

/// Adds the staff routes to the page routes (so the CSRF guard covers them).
pub fn mount(r: Route) -> Route {
    r.at(paths::STAFF, get(chat::home))
        .at(paths::STAFF_LOGIN, get(login::page).post(login::submit))
        .at(paths::STAFF_LOGOUT, post(login::logout))
        .at(paths::STAFF_WS, get(chat::ws))
        .at(paths::STAFF_ALIVE, get(chat::alive))
        .at(paths::STAFF_CHAT, get(chat::page))
        .at(paths::STAFF_QUEUE, get(chat::queue))
        .at(paths::STAFF_CONV, get(chat::conversation))
        .at(paths::STAFF_CONV_CLOSE, post(chat::close))
        .at(paths::STAFF_CONTRACTS, get(contracts::search))
        .at(paths::STAFF_CONTRACT, get(contracts::contract))
        .at(paths::STAFF_CONTRACT_DOCUMENTS, get(documents::list))
        .at(
            format!("{}/invoice", paths::STAFF_CONTRACT_DOCUMENTS),
            post(documents::invoice),
        )
        .at(
            format!("{}/reconciliation", paths::STAFF_CONTRACT_DOCUMENTS),
            post(documents::reconciliation),
        )
        .at(paths::STAFF_DOCUMENT_PDF, get(documents::pdf))
        .at(paths::STAFF_DOCUMENT_VOID, post(documents::void))
        .at(paths::STAFF_REQUESTS, get(requests::requests))
        .at(
            paths::STAFF_REQUEST,
            get(requests::request).post(requests::request_status),
        )
        .at(paths::STAFF_APPLICATIONS, get(requests::applications))
        .at(
            paths::STAFF_APPLICATION,
            get(requests::application).post(requests::application_status),
        )
        .at(
            paths::STAFF_STORIES,
            get(stories::list).post(stories::create),
        )
        .at(paths::STAFF_STORY_NEW, get(stories::new_form))
        .at(
            paths::STAFF_STORY,
            get(stories::edit_form).post(stories::update),
        )
        .at(
            format!("{}/:name", paths::STORY_IMAGES),
            get(story_image::story_image),
        )
        .at(paths::STAFF_STORY_MOVE, post(stories::shift))
        .at(paths::STAFF_STORY_PUBLISH, post(stories::publish))
        .at(
            paths::STAFF_ACCOUNTS,
            get(accounts::list).post(accounts::create),
        )
        .at(paths::STAFF_ACCOUNT_ACTIVE, post(accounts::set_active))
        .at(paths::STAFF_AUDIT, get(accounts::audit_log))
}

/// What the audit log needs about the request: who and from where.
pub struct Actor {
    pub staff_id: i64,
    pub ip: String,
    pub now: i64,
}

pub fn actor(req: &Request, st: &AppState, me: &CurrentStaff) -> Actor {
    Actor {
        staff_id: me.id,
        ip: crate::auth::session::client_ip(req, &st.cfg).to_string(),
        now: st.clock.now(),
    }
}

impl Actor {
    /// Writes one audit row (call inside the action's `db.run`).
    pub fn log(
        &self,
        c: &rusqlite::Connection,
        action: &str,
        target: &str,
        details: &str,
    ) -> rusqlite::Result<()> {
        audit::staff(
            c,
            &audit::Entry {
                staff_id: self.staff_id,
                action,
                target,
                details,
                ip: &self.ip,
                now: self.now,
            },
        )
    }
}
