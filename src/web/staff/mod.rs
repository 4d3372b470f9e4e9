//! The staff console under `/staff`: its own login, roles (`operator`, `admin`), every
//! action written to the audit log.
pub mod accounts;
pub mod broadcasts;
pub mod chat;
pub mod contracts;
pub mod documents;
pub mod login;
pub mod requests;
pub mod stories;
pub mod story_image;

use poem::{get, post, Request};

use crate::{db::audit, routes, state::AppState, web::staff_auth::CurrentStaff};

/// Adds the staff routes to the page routes (so the CSRF guard covers them).
pub fn mount(r: crate::web::roles::Routes) -> crate::web::roles::Routes {
    r.at(routes::STAFF, get(chat::home))
        .at(routes::STAFF_LOGIN, get(login::page).post(login::submit))
        .at(routes::STAFF_LOGOUT, post(login::logout))
        .at(routes::STAFF_WS, get(chat::ws))
        .at(routes::STAFF_ALIVE, get(chat::alive))
        .at(routes::STAFF_CHAT, get(chat::page))
        .at(routes::STAFF_QUEUE, get(chat::queue))
        .at(routes::STAFF_CONV, get(chat::conversation))
        .at(routes::STAFF_CONV_CLOSE, post(chat::close))
        .at(routes::STAFF_CONTRACTS, get(contracts::search))
        .at(routes::STAFF_CONTRACT, get(contracts::contract))
        .at(routes::STAFF_USER_REMOVE, post(contracts::remove_user))
        .at(routes::STAFF_CONTRACT_DOCUMENTS, get(documents::list))
        .at(
            format!("{}/invoice", routes::STAFF_CONTRACT_DOCUMENTS),
            post(documents::invoice),
        )
        .at(
            format!("{}/reconciliation", routes::STAFF_CONTRACT_DOCUMENTS),
            post(documents::reconciliation),
        )
        .at(routes::STAFF_DOCUMENT_PDF, get(documents::pdf))
        .at(routes::STAFF_DOCUMENT_VOID, post(documents::void))
        .at(routes::STAFF_REQUESTS, get(requests::requests))
        .at(
            routes::STAFF_REQUEST,
            get(requests::request).post(requests::request_status),
        )
        .at(routes::STAFF_APPLICATIONS, get(requests::applications))
        .at(
            routes::STAFF_APPLICATION,
            get(requests::application).post(requests::application_status),
        )
        .at(
            routes::STAFF_STORIES,
            get(stories::list).post(stories::create),
        )
        .at(routes::STAFF_STORY_NEW, get(stories::new_form))
        .at(
            routes::STAFF_STORY,
            get(stories::edit_form).post(stories::update),
        )
        .at(
            format!("{}/:name", routes::STORY_IMAGES),
            get(story_image::story_image),
        )
        .at(routes::STAFF_STORY_MOVE, post(stories::shift))
        .at(routes::STAFF_STORY_PUBLISH, post(stories::publish))
        .at(
            routes::STAFF_ACCOUNTS,
            get(accounts::list).post(accounts::create),
        )
        .at(routes::STAFF_ACCOUNT_ACTIVE, post(accounts::set_active))
        .at(routes::STAFF_AUDIT, get(accounts::audit_log))
        .at(
            routes::STAFF_BROADCASTS,
            get(broadcasts::list).post(broadcasts::create),
        )
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
        c: &crate::db::Conn,
        action: &str,
        target: &str,
        details: &str,
    ) -> crate::db::SqlResult<()> {
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
