//! HTTP: routes and middleware order.
pub mod actions;
pub mod assets;
pub mod chat;
pub mod htmx;
pub mod login;
pub mod main_page;
pub mod mw;
pub mod paths;
pub mod services;
pub mod staff;
pub mod system;

use poem::{get, post, Endpoint, EndpointExt, Route};

use crate::state::SharedState;

/// The one application factory, used by `main`, the tests and the benchmark.
pub fn app(state: SharedState) -> impl Endpoint {
    // Pages and forms: behind CSRF (token cookie + verification of every unsafe request).
    let pages = Route::new()
        .at(paths::HOME, get(main_page::index))
        .at(paths::LOGIN, get(login::page).post(login::submit))
        .at(paths::LOGIN_PHONE, get(login::phone_tab))
        .at(paths::JOIN, get(login::join_tab))
        .at(paths::EXPRESS, get(system::express))
        .at(paths::LOGOUT, post(login::logout))
        .at(paths::SERVICE, get(services::service))
        .at(paths::ACTION, get(actions::form).post(actions::submit))
        .at(paths::REQUEST, get(services::request))
        .at(paths::UPLOAD, get(services::upload))
        .at(paths::CHAT_WS, get(chat::ws));
    let pages = staff::mount(pages);
    let pages = mw::csrf_layers(pages, state.csrf_key);

    Route::new()
        .at(format!("{}/*path", paths::ASSETS), get(assets::asset))
        .at(paths::BRANDING_CSS, get(assets::branding_css))
        .at(paths::BRANDING_LOGO, get(assets::branding_logo))
        .at(paths::HEALTH, get(system::health))
        .at(paths::READY, get(system::ready))
        .at(paths::CSP_REPORT, post(system::csp_report))
        .nest("/", pages)
        .with(mw::OuterLayer)
        .data(state)
}
