//! maud views: pages, partials and components.
pub mod access;
pub mod action_form;
pub mod actions;
pub mod assets;
pub mod balance;
pub mod chat;
pub mod components;
pub mod contracts;
pub mod documents;
pub mod error;
pub mod express;
pub mod history;
pub mod join;
pub mod join_wizard;
pub mod layout;
pub mod login;
pub mod main_page;
pub mod notify;
pub mod partial_page;
pub mod payment_result;
pub mod phone_login;
pub mod referral;
pub mod sandbox;
pub mod second_factor;
pub mod services;
pub mod staff;
pub mod step_up;
pub mod stories;
pub mod users;

/// What every view may know beyond its own data: the operator's configuration (branding,
/// currency, links), the time zone dates are shown in, and whether the demo data is on.
/// Views get this, never the application state.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub cfg: &'a crate::config::Config,
    pub tz: &'a jiff::tz::TimeZone,
    pub demo: bool,
}

impl Ctx<'_> {
    /// Login by SMS code can work: a gateway is configured, or the demo shows the code.
    pub fn sms_login(&self) -> bool {
        self.demo || self.cfg.sms.url.is_some()
    }

    /// Payments go to the sandbox gateway outside the demo: no real money (the banner).
    pub fn test_payments(&self) -> bool {
        !self.demo && self.cfg.payments.provider == crate::config::ProviderKind::Sandbox
    }
}
