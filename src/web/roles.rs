//! The authorization rule of every route, by its router pattern. The extractors of
//! `web::auth` look the matched pattern up: a contract-scoped route names the capability
//! (`domain::role::Cap`) the account's role on the contract must have. A route that takes
//! `CurrentContract` or `LinkedContract` without a `Contract` rule here is refused for every
//! role, and `tests/it/roles.rs` walks every route of the router × every role against this
//! table, so a new route without a rule fails the tests.
use crate::{domain::role::Cap, routes};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No session needed (login, join, express payment, assets, gateways, sandbox checkout).
    Public,
    /// A subscriber session, not a contract (contract list, devices, stories, uploads
    /// — whose query checks the link itself).
    Account,
    /// The current contract or the contract in the path, with this capability.
    Contract(Cap),
    /// The staff console (its own extractors).
    Staff,
    /// The billing API (bearer tokens).
    Api,
}

/// Exact patterns. Patterns built with `format!` in the router are spelled out here the same.
const RULES: &[(&str, Rule)] = {
    use Cap::*;
    use Rule::*;
    &[
        (routes::HOME, Contract(View)),
        (routes::LOGIN, Public),
        (routes::LOGIN_PHONE, Public),
        (routes::LOGIN_PHONE_CODE, Public),
        (routes::LOGOUT, Public),
        (routes::CONTRACTS, Account),
        (routes::CONTRACTS_SEARCH, Account),
        (routes::CONTRACT_ADD, Account),
        (routes::CONTRACT_ROW, Contract(View)),
        // The note is the account's own label of the link.
        (routes::CONTRACT_NOTE, Contract(View)),
        (routes::CONTRACT_SWITCH, Contract(View)),
        // Removing the contract from one's own list.
        (routes::CONTRACT_REMOVE, Contract(View)),
        (routes::CONTRACT_PASSWORD, Contract(ManageUsers)),
        (routes::ACCESS, Account),
        (routes::ACCESS_CONTRACTS, Account),
        (routes::ACCESS_RESET, Account),
        (routes::ACCESS_CONFIRM, Account),
        (routes::INVITATIONS, Account),
        (routes::INVITATION_ACCEPT, Account),
        (routes::INVITATION_DECLINE, Account),
        (routes::INVITATION_CANCEL, Contract(ManageUsers)),
        (routes::ACCESS_CONFIRM_CODE, Account),
        (routes::ACCESS_REVOKE, Contract(ManageUsers)),
        (routes::ACCESS_USERS, Contract(ManageUsers)),
        (routes::ACCESS_ROLE, Contract(ManageUsers)),
        (routes::ACCESS_JOURNAL, Contract(ManageUsers)),
        (routes::PASSKEY_REGISTER, Account),
        (routes::PASSKEY_REGISTER_FINISH, Account),
        (routes::PASSKEY_REMOVE, Account),
        (routes::LOGIN_PASSKEY, Public),
        (routes::LOGIN_PASSKEY_FINISH, Public),
        // Its own extractor: a session that may still wait for the second factor.
        (routes::LOGIN_SECOND_FACTOR, Public),
        (routes::SECOND_FACTOR_LEAVE, Public),
        (routes::ACCESS_SECURITY, Account),
        (routes::TOTP_SETUP, Account),
        (routes::TOTP_OFF, Account),
        (routes::REQUIRE_SECOND_FACTOR, Contract(ManageUsers)),
        (routes::JOIN, Public),
        (routes::JOIN_SELF, Public),
        (routes::JOIN_SELF_HOUSES, Public),
        (routes::JOIN_SELF_TARIFFS, Public),
        (routes::JOIN_SELF_DATE, Public),
        (routes::JOIN_SELF_CONTACTS, Public),
        (routes::JOIN_SELF_SUMMARY, Public),
        (routes::REFERRAL_LINK, Public),
        (routes::STORIES, Account),
        (routes::STORY, Account),
        (routes::REFERRAL, Contract(View)),
        (routes::REFERRAL_INVITATIONS, Contract(View)),
        (routes::REFERRAL_HISTORY, Contract(View)),
        (routes::REFERRAL_TERMS, Contract(View)),
        (routes::REFERRAL_QR, Contract(View)),
        (routes::SERVICE, Contract(View)),
        (routes::ACTION, Contract(Actions)),
        (routes::REQUESTS_ACTIVE, Contract(View)),
        (routes::REQUEST, Contract(View)),
        (routes::UPLOAD, Account),
        (routes::CHAT_WS, Contract(Chat)),
        (routes::CHAT_ALIVE, Account),
        (routes::EXPRESS, Public),
        (routes::EXPRESS_FIND, Public),
        (routes::EXPRESS_PAY, Public),
        ("/payments/return/:token", Public),
        ("/sandbox/checkout/:id", Public),
        ("/sandbox/checkout/:id/pay", Public),
        ("/sandbox/checkout/:id/cancel", Public),
        ("/payments/notify/:provider", Public),
        (routes::AUTOPAY, Contract(Autopay)),
        (routes::AUTOPAY_OFF, Contract(Autopay)),
        (routes::DOCUMENTS, Contract(Documents)),
        (routes::DOCUMENTS_LIST, Contract(Documents)),
        (routes::DOCUMENTS_INVOICE, Contract(IssueDocuments)),
        (routes::DOCUMENTS_RECONCILIATION, Contract(IssueDocuments)),
        (routes::DOCUMENT_PDF, Contract(Documents)),
        (routes::DOCUMENT_EMAIL, Contract(IssueDocuments)),
        (routes::PAYMENT, Contract(Pay)),
        (routes::HISTORY, Contract(ViewMoney)),
        (routes::HISTORY_MORE, Contract(ViewMoney)),
        ("/assets/*path", Public),
        (routes::BRANDING_CSS, Public),
        (routes::BRANDING_LOGO, Public),
        (routes::HEALTH, Public),
        (routes::READY, Public),
        (routes::METRICS, Public),
        (routes::CSP_REPORT, Public),
        ("/story-images/:name", Public),
        // The installable app (issue 16): manifest, service worker, offline page, icon.
        (routes::MANIFEST, Public),
        (routes::SERVICE_WORKER, Public),
        (routes::OFFLINE, Public),
        (routes::APP_ICON, Public),
        // The result of one's own payment on the current contract (issue 14).
        (routes::PAYMENT_STATUS, Contract(Pay)),
        // «Уведомления»: the account's own settings and devices; the unsubscribe link in an
        // e-mail works without a session (a signed token).
        (routes::NOTIFICATIONS, Account),
        (routes::NOTIFICATIONS_PUSH, Account),
        (routes::NOTIFICATIONS_PUSH_OFF, Account),
        (routes::NOTIFY_UNSUBSCRIBE, Public),
    ]
};

/// The rule of a router pattern (as poem reports it in `PathPattern`), None when it has none.
pub fn rule(pattern: &str) -> Option<Rule> {
    let p = normalize(pattern);
    if let Some((_, r)) = RULES.iter().find(|(k, _)| *k == p) {
        return Some(*r);
    }
    if p == routes::STAFF || p.starts_with("/staff/") {
        return Some(Rule::Staff);
    }
    if p.starts_with(routes::API_PREFIX) {
        return Some(Rule::Api);
    }
    None
}

/// Nesting under `/` can leave a doubled slash in the reported pattern.
fn normalize(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 1);
    for ch in p.chars() {
        if !(ch == '/' && out.ends_with('/')) {
            out.push(ch);
        }
    }
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    out
}

/// The capability the request's route needs: `Err` when its pattern is unknown or the route
/// is not a contract route (a programming error: refused, and logged).
pub fn required(req: &poem::Request) -> Result<Cap, String> {
    let pattern = req
        .data::<poem::PathPattern>()
        .map(|p| p.0.to_string())
        .unwrap_or_default();
    match rule(&pattern) {
        Some(Rule::Contract(cap)) => Ok(cap),
        other => Err(format!(
            "route {pattern:?} takes a contract but its rule is {other:?}"
        )),
    }
}

/// poem's [`poem::Route`] that also keeps the patterns it was given, so the tests can walk
/// every route of the real router (see [`super::route_patterns`]).
#[derive(Default)]
pub struct Routes {
    route: poem::Route,
    patterns: Vec<String>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn at<E>(mut self, path: impl AsRef<str>, ep: E) -> Routes
    where
        E: poem::IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.patterns.push(path.as_ref().to_owned());
        self.route = self.route.at(path, ep);
        self
    }

    /// Nests an endpoint whose routes are not listed (the billing API): recorded as the prefix.
    pub fn nest<E>(mut self, path: impl AsRef<str>, ep: E) -> Routes
    where
        E: poem::IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.patterns.push(path.as_ref().to_owned());
        self.route = self.route.nest(path, ep);
        self
    }

    /// Nests `inner` at `/` after wrapping it (the CSRF layers), keeping its patterns.
    pub fn nest_root<E>(mut self, inner: Routes, wrap: impl FnOnce(poem::Route) -> E) -> Routes
    where
        E: poem::IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.patterns.extend(inner.patterns);
        self.route = self.route.nest("/", wrap(inner.route));
        self
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn into_route(self) -> poem::Route {
        self.route
    }
}
