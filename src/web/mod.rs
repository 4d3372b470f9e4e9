//! HTTP: routes and middleware order.
pub mod access;
pub mod actions;
pub mod api;
pub mod assets;
pub mod balance;
pub mod chat;
pub mod contracts;
pub mod csrf;
pub mod documents;
pub mod express;
pub mod htmx;
pub mod join;
pub mod join_wizard;
pub mod login;
pub mod main_page;
pub mod metrics;
pub mod mw;
pub mod paths;
pub mod payments;
pub mod phone_login;
pub mod referral;
pub mod services;
pub mod staff;
pub mod stories;
pub mod system;

use poem::{get, middleware::CookieJarManager, post, Endpoint, EndpointExt, Route};

use crate::state::SharedState;

/// The one application factory, used by `main`, the tests and the benchmark.
pub fn app(state: SharedState) -> impl Endpoint {
    // Pages and forms: behind CSRF (token cookie + verification of every unsafe request).
    let pages = Route::new()
        .at(paths::HOME, get(main_page::index))
        .at(paths::LOGIN, get(login::page).post(login::submit))
        .at(
            paths::LOGIN_PHONE,
            get(phone_login::page).post(phone_login::send),
        )
        .at(paths::LOGIN_PHONE_CODE, post(phone_login::verify))
        .at(paths::CONTRACTS, get(contracts::list))
        .at(paths::CONTRACTS_SEARCH, get(contracts::search))
        .at(
            paths::CONTRACT_ADD,
            get(contracts::add_form).post(contracts::add_submit),
        )
        .at(paths::CONTRACT_ROW, get(contracts::row))
        .at(
            paths::CONTRACT_NOTE,
            get(contracts::note_form).post(contracts::note_save),
        )
        .at(paths::CONTRACT_SWITCH, post(contracts::switch))
        .at(paths::CONTRACT_REMOVE, post(contracts::remove))
        .at(
            paths::CONTRACT_PASSWORD,
            get(access::password_form).post(access::password_save),
        )
        .at(paths::ACCESS, get(access::devices))
        .at(paths::ACCESS_CONTRACTS, get(access::contracts))
        .at(paths::ACCESS_RESET, post(access::reset))
        .at(paths::ACCESS_REVOKE, post(access::revoke))
        .at(paths::JOIN, get(join::page).post(join::submit))
        .at(
            paths::JOIN_SELF,
            get(join_wizard::wizard_address).post(join_wizard::wizard_submit),
        )
        .at(paths::JOIN_SELF_HOUSES, get(join_wizard::wizard_houses))
        .at(paths::JOIN_SELF_TARIFFS, get(join_wizard::wizard_tariffs))
        .at(paths::JOIN_SELF_DATE, get(join_wizard::wizard_date))
        .at(
            paths::JOIN_SELF_CONTACTS,
            get(join_wizard::wizard_contacts).post(join_wizard::wizard_contacts),
        )
        .at(paths::JOIN_SELF_SUMMARY, post(join_wizard::wizard_summary))
        .at(paths::REFERRAL_LINK, get(referral::follow))
        .at(paths::STORIES, get(stories::strip))
        .at(paths::STORY, get(stories::open))
        .at(paths::REFERRAL, get(referral::card))
        .at(paths::REFERRAL_INVITATIONS, get(referral::invitations))
        .at(paths::REFERRAL_HISTORY, get(referral::history))
        .at(paths::REFERRAL_TERMS, get(referral::terms))
        .at(paths::SERVICE, get(services::service))
        .at(paths::ACTION, get(actions::form).post(actions::submit))
        .at(paths::REQUESTS_ACTIVE, get(services::active_requests))
        .at(paths::REQUEST, get(services::request))
        .at(paths::UPLOAD, get(services::upload))
        .at(paths::CHAT_WS, get(chat::ws))
        .at(paths::CHAT_ALIVE, get(chat::alive))
        .at(paths::EXPRESS, get(express::page))
        .at(paths::EXPRESS_FIND, post(express::find))
        .at(
            paths::EXPRESS_PAY,
            get(express::pay_modal).post(express::pay_submit),
        )
        .at(
            format!("{}/:token", paths::PAYMENT_RETURN),
            get(payments::payment_return),
        )
        .at(
            format!("{}/:id", paths::SANDBOX_CHECKOUT),
            get(payments::sandbox_page),
        )
        .at(
            format!("{}/:id/pay", paths::SANDBOX_CHECKOUT),
            post(payments::sandbox_pay),
        )
        .at(
            format!("{}/:id/cancel", paths::SANDBOX_CHECKOUT),
            post(payments::sandbox_cancel),
        )
        .at(
            paths::AUTOPAY,
            get(balance::autopay_modal).post(balance::autopay_connect),
        )
        .at(paths::AUTOPAY_OFF, post(balance::autopay_off))
        .at(paths::DOCUMENTS, get(documents::index))
        .at(paths::DOCUMENTS_LIST, get(documents::list))
        .at(paths::DOCUMENTS_INVOICE, post(documents::invoice))
        .at(
            paths::DOCUMENTS_RECONCILIATION,
            post(documents::reconciliation),
        )
        .at(paths::DOCUMENT_PDF, get(documents::pdf))
        .at(
            paths::DOCUMENT_EMAIL,
            get(documents::email_form).post(documents::email_send),
        )
        .at(paths::LOGOUT, post(login::logout));
    let pages = staff::mount(pages);
    let pages = csrf::csrf_layers(pages, state.csrf_key);

    Route::new()
        .at(format!("{}/*path", paths::ASSETS), get(assets::asset))
        .at(paths::BRANDING_CSS, get(assets::branding_css))
        .at(paths::BRANDING_LOGO, get(assets::branding_logo))
        .at(paths::HEALTH, get(system::health))
        .at(paths::READY, get(system::ready))
        .at(paths::METRICS, get(metrics::metrics))
        .at(paths::CSP_REPORT, post(system::csp_report))
        // The billing integration API: bearer token only, no cookies, no CSRF; JSON errors.
        .nest(paths::API_PREFIX, api::routes())
        // Gateway notifications come from the provider's servers: no CSRF token, verified by
        // fetching the payment back from the provider.
        .at(
            format!("{}/:provider", paths::PAYMENT_NOTIFY),
            post(payments::notify),
        )
        // Read-only money partials need no CSRF token (they render none and change nothing;
        // their forms post with the page's token via hx-headers), so they skip poem's Csrf layer,
        // which costs more than the partial itself. The POST beside it is behind the guard.
        .at(
            paths::PAYMENT,
            get(payments::modal)
                .post(csrf::csrf_layers(post(payments::submit), state.csrf_key))
                .with(CookieJarManager::new()),
        )
        .at(
            paths::HISTORY,
            get(balance::history).with(CookieJarManager::new()),
        )
        .at(
            paths::HISTORY_MORE,
            get(balance::history_more).with(CookieJarManager::new()),
        )
        .nest("/", pages)
        .with(mw::OuterLayer)
        .data(state)
}
