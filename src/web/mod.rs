//! HTTP: routes and middleware order.
pub mod access;
pub mod actions;
pub mod api;
pub mod assets;
pub mod auth;
pub mod balance;
pub mod chat;
pub mod chat_socket;
pub mod contracts;
pub mod csrf;
pub mod documents;
pub mod express;
pub mod full_page;
pub mod htmx;
pub mod invitations;
pub mod join;
pub mod join_wizard;
pub mod limits;
pub mod login;
pub mod main_page;
pub mod metrics;
pub mod mw;
pub mod notify;
pub mod page_cache;
pub mod pwa;

pub mod passkeys;
pub mod payments;
pub mod phone_login;
pub mod referral;
pub mod roles;
pub mod second_factor;
pub mod services;
pub mod staff;
pub mod staff_auth;
pub mod step_up;
pub mod stories;
pub mod system;
pub mod users;

use poem::{get, middleware::CookieJarManager, post, Endpoint, EndpointExt};
use roles::Routes;

use crate::routes;

use crate::state::SharedState;

/// The render context of the views, from the application state.
/// A read-only partial on its fast path for htmx, and a whole page (CSRF token, layout) for
/// any other request.
fn as_page<E: Endpoint + 'static>(e: E, key: [u8; 32]) -> impl Endpoint {
    let e = std::sync::Arc::new(e);
    full_page::HtmxOr {
        fast: e.clone(),
        page: csrf::csrf_layers(e.with(full_page::FullPages), key),
    }
}

pub fn ctx(st: &crate::state::AppState) -> crate::views::Ctx<'_> {
    crate::views::Ctx {
        cfg: &st.cfg,
        tz: &st.tz,
        demo: st.demo,
    }
}

/// What only the web layer keeps between requests: read caches of checked sessions and
/// rendered subscriber screens (see `db::fresh`, [`page_cache`]), and the request counters of
/// `/metrics`.
/// Built by [`app`] and reached through `req.data::<SharedWeb>()`.
pub struct WebState {
    pub session_cache: auth::SessionCache,
    pub blocks_cache: main_page::BlocksCache,
    /// Rendered subscriber screens (see [`page_cache`]).
    pub pages: page_cache::PageCache,
    pub http: metrics::HttpCounters,
}

pub type SharedWeb = std::sync::Arc<WebState>;

impl WebState {
    /// `ttl`: the longest a cached read is served (`cache.ttl_ms`); `fresh`: the database's
    /// invalidation state (`Db::fresh`).
    pub fn new(
        ttl: std::time::Duration,
        pages_bytes: usize,
        fresh: std::sync::Arc<crate::db::fresh::Fresh>,
    ) -> WebState {
        WebState {
            session_cache: auth::new_session_cache(ttl, fresh.clone()),
            blocks_cache: Default::default(),
            pages: page_cache::PageCache::new(pages_bytes, ttl, fresh),
            http: Default::default(),
        }
    }
}

/// The one application factory, used by `main`, the tests and the benchmark.
pub fn app(state: SharedState) -> impl Endpoint {
    let ttl = state.cfg.cache.ttl();
    let pages = state.cfg.cache.pages_mb as usize * 1024 * 1024;
    let fresh = state.db.fresh();
    table(&state)
        .into_route()
        // Inside Outer (its refusals render as pages with the request id), outside everything
        // that reads a body.
        .with(limits::BodyLimitLayer)
        .with(mw::OuterLayer)
        .data(state)
        .data(SharedWeb::new(WebState::new(ttl, pages, fresh)))
}

/// Every route pattern of the router, in the order they were added (for the role-matrix test).
pub fn route_patterns(state: &SharedState) -> Vec<String> {
    table(state).patterns().to_vec()
}

fn table(state: &SharedState) -> Routes {
    // Pages and forms: behind CSRF (token cookie + verification of every unsafe request).
    let pages = Routes::new()
        .at(routes::HOME, get(main_page::index))
        .at(routes::LOGIN, get(login::page).post(login::submit))
        .at(
            routes::LOGIN_PHONE,
            get(phone_login::page).post(phone_login::send),
        )
        .at(routes::LOGIN_PHONE_CODE, post(phone_login::verify))
        .at(routes::CONTRACTS, get(contracts::list))
        .at(routes::CONTRACTS_SEARCH, get(contracts::search))
        .at(
            routes::CONTRACT_ADD,
            get(contracts::add_form).post(contracts::add_submit),
        )
        .at(routes::CONTRACT_ROW, get(contracts::row))
        .at(
            routes::CONTRACT_NOTE,
            get(contracts::note_form).post(contracts::note_save),
        )
        .at(routes::CONTRACT_SWITCH, post(contracts::switch))
        .at(routes::CONTRACT_REMOVE, post(contracts::remove))
        .at(
            routes::CONTRACT_PASSWORD,
            get(access::password_form).post(access::password_save),
        )
        .at(routes::ACCESS, get(access::devices))
        .at(routes::ACCESS_CONTRACTS, get(access::contracts))
        .at(routes::ACCESS_RESET, post(access::reset))
        .at(
            routes::ACCESS_CONFIRM,
            get(step_up::page).post(step_up::submit),
        )
        .at(routes::ACCESS_CONFIRM_CODE, post(step_up::send_code))
        .at(routes::INVITATIONS, get(invitations::page))
        .at(routes::INVITATION_ACCEPT, post(invitations::accept))
        .at(routes::INVITATION_DECLINE, post(invitations::decline))
        .at(routes::INVITATION_CANCEL, post(users::cancel))
        .at(routes::ACCESS_REVOKE, post(access::revoke))
        .at(routes::ACCESS_USERS, get(users::page).post(users::invite))
        .at(routes::ACCESS_ROLE, post(users::role))
        .at(routes::ACCESS_JOURNAL, get(users::journal))
        .at(routes::PASSKEY_REGISTER, post(passkeys::register_start))
        .at(
            routes::PASSKEY_REGISTER_FINISH,
            post(passkeys::register_finish),
        )
        .at(routes::PASSKEY_REMOVE, post(passkeys::remove))
        .at(
            routes::LOGIN_PASSKEY,
            get(passkeys::page).post(passkeys::login_start),
        )
        .at(routes::LOGIN_PASSKEY_FINISH, post(passkeys::login_finish))
        .at(
            routes::LOGIN_SECOND_FACTOR,
            get(second_factor::page).post(second_factor::submit),
        )
        .at(routes::SECOND_FACTOR_LEAVE, post(second_factor::leave))
        .at(routes::ACCESS_SECURITY, get(second_factor::security))
        .at(
            routes::TOTP_SETUP,
            get(second_factor::setup).post(second_factor::setup_confirm),
        )
        .at(routes::TOTP_OFF, post(second_factor::off))
        .at(routes::REQUIRE_SECOND_FACTOR, post(second_factor::require))
        .at(routes::JOIN, get(join::page).post(join::submit))
        .at(
            routes::JOIN_SELF,
            get(join_wizard::wizard_address).post(join_wizard::wizard_submit),
        )
        .at(routes::JOIN_SELF_HOUSES, get(join_wizard::wizard_houses))
        .at(routes::JOIN_SELF_TARIFFS, get(join_wizard::wizard_tariffs))
        .at(routes::JOIN_SELF_DATE, get(join_wizard::wizard_date))
        .at(
            routes::JOIN_SELF_CONTACTS,
            get(join_wizard::wizard_contacts).post(join_wizard::wizard_contacts),
        )
        .at(routes::JOIN_SELF_SUMMARY, post(join_wizard::wizard_summary))
        .at(routes::REFERRAL_LINK, get(referral::follow))
        .at(routes::STORIES, get(stories::strip))
        .at(routes::STORY, get(stories::open))
        .at(routes::REFERRAL, get(referral::card))
        .at(routes::REFERRAL_INVITATIONS, get(referral::invitations))
        .at(routes::REFERRAL_HISTORY, get(referral::history))
        .at(routes::REFERRAL_TERMS, get(referral::terms))
        .at(routes::REFERRAL_QR, get(referral::qr_image))
        .at(routes::SERVICE, get(services::service))
        .at(routes::ACTION, get(actions::form).post(actions::submit))
        .at(routes::REQUESTS_ACTIVE, get(services::active_requests))
        .at(routes::REQUEST, get(services::request))
        .at(routes::UPLOAD, get(services::upload))
        .at(routes::CHAT_WS, get(chat::ws))
        .at(routes::CHAT_ALIVE, get(chat::alive))
        .at(routes::EXPRESS, get(express::page))
        .at(routes::EXPRESS_FIND, post(express::find))
        .at(
            routes::EXPRESS_PAY,
            get(express::pay_modal).post(express::pay_submit),
        )
        .at(routes::PAYMENT_STATUS, get(payments::payment_status))
        .at(
            format!("{}/:token", routes::PAYMENT_RETURN),
            get(payments::payment_return),
        )
        .at(
            format!("{}/:id", routes::SANDBOX_CHECKOUT),
            get(payments::sandbox_page),
        )
        .at(
            format!("{}/:id/pay", routes::SANDBOX_CHECKOUT),
            post(payments::sandbox_pay),
        )
        .at(
            format!("{}/:id/cancel", routes::SANDBOX_CHECKOUT),
            post(payments::sandbox_cancel),
        )
        .at(
            routes::AUTOPAY,
            get(balance::autopay_modal).post(balance::autopay_connect),
        )
        .at(routes::AUTOPAY_OFF, post(balance::autopay_off))
        .at(routes::DOCUMENTS, get(documents::index))
        .at(routes::DOCUMENTS_LIST, get(documents::list))
        .at(routes::DOCUMENTS_INVOICE, post(documents::invoice))
        .at(
            routes::DOCUMENTS_RECONCILIATION,
            post(documents::reconciliation),
        )
        .at(routes::DOCUMENT_PDF, get(documents::pdf))
        .at(
            routes::DOCUMENT_EMAIL,
            get(documents::email_form).post(documents::email_send),
        )
        .at(routes::NOTIFICATIONS, get(notify::page).post(notify::save))
        .at(routes::NOTIFICATIONS_PUSH, post(notify::subscribe))
        .at(
            routes::NOTIFICATIONS_PUSH_OFF,
            post(notify::unsubscribe_device),
        )
        .at(
            routes::NOTIFY_UNSUBSCRIBE,
            get(notify::unsubscribe).post(notify::resubscribe),
        )
        .at(routes::LOGOUT, post(login::logout));
    let pages = staff::mount(pages);
    let key = state.csrf_key;

    Routes::new()
        .at(format!("{}/*path", routes::ASSETS), get(assets::asset))
        .at(routes::BRANDING_CSS, get(assets::branding_css))
        .at(routes::BRANDING_LOGO, get(assets::branding_logo))
        .at(routes::MANIFEST, get(pwa::manifest))
        .at(routes::SERVICE_WORKER, get(pwa::service_worker))
        .at(routes::OFFLINE, get(pwa::offline))
        .at(routes::APP_ICON, get(pwa::icon))
        .at(routes::HEALTH, get(system::health))
        .at(routes::READY, get(system::ready))
        .at(routes::METRICS, get(metrics::metrics))
        .at(routes::CSP_REPORT, post(system::csp_report))
        // The billing integration API: bearer token only, no cookies, no CSRF; JSON errors.
        .nest(routes::API_PREFIX, api::routes())
        // Gateway notifications come from the provider's servers: no CSRF token, verified by
        // fetching the payment back from the provider.
        .at(
            format!("{}/:provider", routes::PAYMENT_NOTIFY),
            post(payments::notify),
        )
        // Read-only money partials need no CSRF token (they render none and change nothing;
        // their forms post with the page's token via hx-headers), so they skip poem's Csrf layer,
        // which costs more than the partial itself. The POST beside it is behind the guard.
        .at(
            routes::PAYMENT,
            get(as_page(payments::modal, state.csrf_key))
                .post(csrf::csrf_layers(
                    post(payments::submit).with(full_page::FullPages),
                    state.csrf_key,
                ))
                .with(CookieJarManager::new()),
        )
        .at(
            routes::HISTORY,
            get(as_page(balance::history, state.csrf_key)).with(CookieJarManager::new()),
        )
        .at(
            routes::HISTORY_MORE,
            get(as_page(balance::history_more, state.csrf_key)).with(CookieJarManager::new()),
        )
        .nest_root(pages, |r| {
            csrf::csrf_layers(r.with(full_page::FullPages), key)
        })
}
