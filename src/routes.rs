//! Route paths, shared by the router and the markup.
use crate::domain::ids::{AccountId, ContractId};

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGIN_PHONE: &str = "/login/phone";
pub const JOIN: &str = "/join";
pub const EXPRESS: &str = "/pay";
pub const LOGOUT: &str = "/logout";
pub const HEALTH: &str = "/healthz";
pub const METRICS: &str = "/metrics";
pub const READY: &str = "/readyz";
pub const CSP_REPORT: &str = "/csp-report";
pub const BRANDING_CSS: &str = "/branding.css";
pub const BRANDING_LOGO: &str = "/branding/logo";
pub const ASSETS: &str = "/assets";
pub const EXPRESS_FIND: &str = "/pay/find";
pub const EXPRESS_PAY: &str = "/pay/form";
pub const PAYMENT: &str = "/balance/pay";
pub const PAYMENT_RETURN: &str = "/payments/return";
/// The main page's payment notice, polled while the payment is pending: `/payments/status/{token}`.
pub const PAYMENT_STATUS: &str = "/payments/status/:token";
/// Gateway notifications: `/payments/notify/{provider}` (outside the CSRF guard).
pub const PAYMENT_NOTIFY: &str = "/payments/notify";
pub const SANDBOX_CHECKOUT: &str = "/sandbox/checkout";
pub const HISTORY: &str = "/balance/history";
pub const HISTORY_MORE: &str = "/balance/history/more";
pub const AUTOPAY: &str = "/balance/autopay";
pub const AUTOPAY_OFF: &str = "/balance/autopay/off";
// Issue 7: stories, referral programme, «Стать абонентом».
pub const STORIES: &str = "/stories";
pub const STORY: &str = "/stories/:id";
pub const REFERRAL: &str = "/referral";
pub const REFERRAL_INVITATIONS: &str = "/referral/invitations";
pub const REFERRAL_HISTORY: &str = "/referral/history";
pub const REFERRAL_TERMS: &str = "/referral/terms";
/// The personal link's QR code (an SVG image).
pub const REFERRAL_QR: &str = "/referral/qr.svg";
/// Personal referral link; the code follows.
pub const REFERRAL_LINK: &str = "/r/:code";
pub const REFERRAL_LINK_PREFIX: &str = "/r/";
pub const JOIN_SELF: &str = "/join/self";
pub const JOIN_SELF_HOUSES: &str = "/join/self/houses";
pub const JOIN_SELF_TARIFFS: &str = "/join/self/tariffs";
pub const JOIN_SELF_DATE: &str = "/join/self/date";
pub const JOIN_SELF_CONTACTS: &str = "/join/self/contacts";
pub const JOIN_SELF_SUMMARY: &str = "/join/self/summary";
pub const SERVICE: &str = "/services/:id";
pub const ACTION: &str = "/actions/:code";
pub const REQUEST: &str = "/requests/:id";
/// «Активные заявки» of the current contract (re-fetched live after a status change).
pub const REQUESTS_ACTIVE: &str = "/requests/active";
pub const UPLOAD: &str = "/uploads/:id";

pub fn payment_status(token: &str) -> String {
    format!("/payments/status/{token}")
}
/// The main page with the result of the payment the checkout returned from.
pub fn home_after_payment(token: &str) -> String {
    format!("/?payment={token}")
}
pub fn service(id: i64) -> String {
    format!("/services/{id}")
}
pub fn action(code: &str) -> String {
    format!("/actions/{code}")
}
pub fn request(id: i64) -> String {
    format!("/requests/{id}")
}
pub fn upload(id: i64) -> String {
    format!("/uploads/{id}")
}

pub const CHAT_WS: &str = "/chat/ws";
/// 204 while the subscriber session lives, 401 after (asked by the chat widget when its
/// socket is refused).
pub const CHAT_ALIVE: &str = "/chat/alive";
pub const STAFF: &str = "/staff";
/// Every staff console path starts so.
pub const STAFF_PREFIX: &str = "/staff";
pub const STAFF_LOGIN: &str = "/staff/login";
pub const STAFF_LOGOUT: &str = "/staff/logout";
pub const STAFF_WS: &str = "/staff/ws";
pub const STAFF_ALIVE: &str = "/staff/alive";
pub const STAFF_CHAT: &str = "/staff/chat";
pub const STAFF_QUEUE: &str = "/staff/chat/queue";
pub const STAFF_CONV: &str = "/staff/chat/:id";
pub const STAFF_CONV_CLOSE: &str = "/staff/chat/:id/close";
pub const STAFF_REQUESTS: &str = "/staff/requests";
pub const STAFF_REQUEST: &str = "/staff/requests/:id";
pub const STAFF_APPLICATIONS: &str = "/staff/applications";
pub const STAFF_APPLICATION: &str = "/staff/applications/:id";
pub const STAFF_STORIES: &str = "/staff/stories";
pub const STAFF_STORY_NEW: &str = "/staff/stories/new";
pub const STAFF_STORY: &str = "/staff/stories/:id";
/// Uploaded story images (public): `/story-images/<name>`.
pub const STORY_IMAGES: &str = "/story-images";
pub const STAFF_STORY_MOVE: &str = "/staff/stories/:id/move/:dir";
pub const STAFF_STORY_PUBLISH: &str = "/staff/stories/:id/publish";
pub const STAFF_ACCOUNTS: &str = "/staff/accounts";
pub const STAFF_ACCOUNT_ACTIVE: &str = "/staff/accounts/:id/active";
pub const STAFF_AUDIT: &str = "/staff/audit";
pub const STAFF_CONTRACTS: &str = "/staff/contracts";
pub const STAFF_CONTRACT: &str = "/staff/contracts/:number";

pub fn staff_conv(id: i64) -> String {
    format!("/staff/chat/{id}")
}
pub fn staff_conv_close(id: i64) -> String {
    format!("/staff/chat/{id}/close")
}
pub fn staff_request(id: i64) -> String {
    format!("/staff/requests/{id}")
}
pub fn staff_application(id: i64) -> String {
    format!("/staff/applications/{id}")
}
pub fn staff_story(id: i64) -> String {
    format!("/staff/stories/{id}")
}
pub fn staff_story_move(id: i64, dir: &str) -> String {
    format!("/staff/stories/{id}/move/{dir}")
}
pub fn staff_story_publish(id: i64) -> String {
    format!("/staff/stories/{id}/publish")
}
pub fn staff_account_active(id: i64) -> String {
    format!("/staff/accounts/{id}/active")
}

// Issue 5: phone login, «Список договоров», «Устройства и доступ».
pub const LOGIN_PHONE_CODE: &str = "/login/phone/code";
pub const CONTRACTS: &str = "/contracts";
pub const CONTRACTS_SEARCH: &str = "/contracts/search";
pub const CONTRACT_ADD: &str = "/contracts/add";
pub const CONTRACT_ROW: &str = "/contracts/:id";
pub const CONTRACT_NOTE: &str = "/contracts/:id/note";
pub const CONTRACT_SWITCH: &str = "/contracts/:id/switch";
pub const CONTRACT_REMOVE: &str = "/contracts/:id/remove";
pub const CONTRACT_PASSWORD: &str = "/contracts/:id/password";
pub const ACCESS: &str = "/access";
pub const ACCESS_CONTRACTS: &str = "/access/contracts";
pub const ACCESS_RESET: &str = "/access/reset";
pub const ACCESS_REVOKE: &str = "/access/:contract/:account/revoke";
// Issue 15: company users and roles.
/// «Пользователи» of the current contract (the owner's tab) and the invitation form's target.
pub const ACCESS_USERS: &str = "/access/users";
/// The owner changes a user's role.
pub const ACCESS_ROLE: &str = "/access/:contract/:account/role";

/// The second factor after a login: the TOTP code (or a recovery code), or enrolment when a
/// contract requires it and the account has none.
pub const LOGIN_SECOND_FACTOR: &str = "/login/second-factor";
/// «Покинуть договор» from the second-factor page (a contract whose owner requires it).
pub const SECOND_FACTOR_LEAVE: &str = "/login/second-factor/leave/:contract";

pub fn second_factor_leave(contract: i64) -> String {
    format!("/login/second-factor/leave/{contract}")
}

/// «Устройства и доступ» → «Вход»: two-factor login, the owner's switch, passkeys.
pub const ACCESS_SECURITY: &str = "/access/security";
/// Enrolment: GET shows the QR code, POST confirms the first code.
pub const TOTP_SETUP: &str = "/access/security/totp";
pub const TOTP_OFF: &str = "/access/security/totp/off";
/// «Требовать второй фактор для всех пользователей договора» (the current contract's owner).
pub const REQUIRE_SECOND_FACTOR: &str = "/access/security/require";

/// «Подтвердите, что это вы»: the step-up screen (GET the form, POST the secret) and the SMS
/// code for a phone account. `?next=` names the `/access…` page to return to.
pub const ACCESS_CONFIRM: &str = "/access/confirm";
pub const ACCESS_CONFIRM_CODE: &str = "/access/confirm/code";

/// Invitations waiting for the logged-in phone: the list, «Принять» and «Отклонить».
pub const INVITATIONS: &str = "/invitations";
pub const INVITATION_ACCEPT: &str = "/invitations/:id/accept";
pub const INVITATION_DECLINE: &str = "/invitations/:id/decline";
/// The owner's «Отменить приглашение».
pub const INVITATION_CANCEL: &str = "/access/invitations/:id/cancel";

pub fn invitation_accept(id: i64) -> String {
    format!("/invitations/{id}/accept")
}
pub fn invitation_decline(id: i64) -> String {
    format!("/invitations/{id}/decline")
}
pub fn invitation_cancel(id: i64) -> String {
    format!("/access/invitations/{id}/cancel")
}

/// «Журнал действий» of the current contract (the owner's tab).
pub const ACCESS_JOURNAL: &str = "/access/journal";

/// Staff remove a company user on the owner's phoned request (audited).
pub const STAFF_USER_REMOVE: &str = "/staff/contracts/:number/users/:account/remove";

pub fn staff_user_remove(number: &str, account: i64) -> String {
    format!("/staff/contracts/{number}/users/{account}/remove")
}

/// Passkeys: JSON steps of assets/passkey.js, and removal.
pub const PASSKEY_REGISTER: &str = "/access/passkeys/register";
pub const PASSKEY_REGISTER_FINISH: &str = "/access/passkeys/register/finish";
pub const PASSKEY_REMOVE: &str = "/access/passkeys/:id/remove";
/// «Войти с ключом доступа»: GET the page, POST (JSON) the options; then the finish step.
pub const LOGIN_PASSKEY: &str = "/login/passkey";
pub const LOGIN_PASSKEY_FINISH: &str = "/login/passkey/finish";

pub fn passkey_remove(id: i64) -> String {
    format!("/access/passkeys/{id}/remove")
}

pub fn access_role(contract: ContractId, account: AccountId) -> String {
    format!("/access/{contract}/{account}/role")
}

pub fn contract_row(id: i64) -> String {
    format!("/contracts/{id}")
}
pub fn contract_note(id: i64) -> String {
    format!("/contracts/{id}/note")
}
pub fn contract_switch(id: i64) -> String {
    format!("/contracts/{id}/switch")
}
pub fn contract_remove(id: i64) -> String {
    format!("/contracts/{id}/remove")
}
pub fn contract_password(id: i64) -> String {
    format!("/contracts/{id}/password")
}
pub fn access_revoke(contract: ContractId, account: AccountId) -> String {
    format!("/access/{contract}/{account}/revoke")
}

pub fn staff_contract(number: &str) -> String {
    let enc: String = form_urlencoded::byte_serialize(number.as_bytes()).collect();
    format!("{STAFF_CONTRACTS}/{enc}")
}

// Billing integration API (token-authenticated JSON, outside the CSRF layers).
pub const API_PREFIX: &str = "/api/v1";
/// Under [`API_PREFIX`].
pub const API_CONTRACT: &str = "/contracts/:number";
/// The API's OpenAPI 3.1 document (no token needed).
pub const API_OPENAPI: &str = "/openapi.json";
pub const API_SERVICES: &str = "/contracts/:number/services";
pub const API_PASSWORD: &str = "/contracts/:number/password";
pub const API_LEDGER: &str = "/ledger";
pub const API_REQUESTS: &str = "/requests";
pub const API_APPLICATIONS: &str = "/applications";
pub const API_PAYMENTS: &str = "/payments";

// Issue 13: «Документы».
pub const DOCUMENTS: &str = "/documents";
pub const DOCUMENTS_LIST: &str = "/documents/list";
pub const DOCUMENTS_INVOICE: &str = "/documents/invoice";
pub const DOCUMENTS_RECONCILIATION: &str = "/documents/reconciliation";
pub const DOCUMENT_PDF: &str = "/documents/:id/pdf";
pub const DOCUMENT_EMAIL: &str = "/documents/:id/email";
pub const STAFF_CONTRACT_DOCUMENTS: &str = "/staff/contracts/:number/documents";
pub const STAFF_DOCUMENT_PDF: &str = "/staff/documents/:id/pdf";
pub const STAFF_DOCUMENT_VOID: &str = "/staff/documents/:id/void";
pub const API_DOCUMENTS: &str = "/documents";
pub const API_DOCUMENT_PDF: &str = "/documents/:id/pdf";
pub const API_REQUISITES: &str = "/contracts/:number/requisites";

// Issue 16: notifications, Web Push, the installable app.
pub const NOTIFICATIONS: &str = "/notifications";
pub const NOTIFICATIONS_PUSH: &str = "/notifications/push";
pub const NOTIFICATIONS_PUSH_OFF: &str = "/notifications/push/off";
pub const NOTIFY_UNSUBSCRIBE: &str = "/notifications/unsubscribe/:token";
pub const MANIFEST: &str = "/manifest.webmanifest";
pub const SERVICE_WORKER: &str = "/sw.js";
pub const OFFLINE: &str = "/offline";
pub const APP_ICON: &str = "/app-icon.svg";
pub const STAFF_BROADCASTS: &str = "/staff/broadcasts";

pub fn notify_unsubscribe(token: &str) -> String {
    format!("/notifications/unsubscribe/{token}")
}

pub fn document_pdf(id: i64) -> String {
    format!("/documents/{id}/pdf")
}
pub fn document_email(id: i64) -> String {
    format!("/documents/{id}/email")
}
pub fn staff_contract_documents(number: &str) -> String {
    format!("{}/documents", staff_contract(number))
}
pub fn staff_document_pdf(id: i64) -> String {
    format!("/staff/documents/{id}/pdf")
}
pub fn staff_document_void(id: i64) -> String {
    format!("/staff/documents/{id}/void")
}

/// DOM ids that the router's responses, the views and `assets/*.js` share: `X` is the id,
/// `X_SEL` the CSS selector (`#x`) for `hx-target`, `hx-select` and `HX-Retarget`. A test
/// checks that every `#id` the scripts look up is declared here.
pub mod ids {
    macro_rules! dom_ids {
        ($($name:ident, $sel:ident = $id:literal;)+) => {
            $(pub const $name: &str = $id;
              pub const $sel: &str = concat!("#", $id);)+
            /// Every declared id.
            pub const ALL: &[&str] = &[$($id),+];
        };
    }
    dom_ids! {
        MODAL, MODAL_SEL = "modal";
        WIZARD, WIZARD_SEL = "wizard";
        ACCESS_BODY, ACCESS_BODY_SEL = "access-body";
        LIST, LIST_SEL = "list";
        STORIES, STORIES_SEL = "stories";
        CONV_HOST, CONV_HOST_SEL = "conv-host";
        W_HOUSES, W_HOUSES_SEL = "w-houses";
        TOASTS, TOASTS_SEL = "toasts";
        PHONE_FORM, PHONE_FORM_SEL = "phone-form";
        EXPRESS_RESULT, EXPRESS_RESULT_SEL = "express-result";
        CONTRACT_LIST, CONTRACT_LIST_SEL = "contract-list";
        ACCOUNTS, ACCOUNTS_SEL = "accounts";
        ACTIVE_REQUESTS, ACTIVE_REQUESTS_SEL = "active-requests";
        QUEUE, QUEUE_SEL = "queue";
        CHAT, CHAT_SEL = "chat";
        STAFF_CHAT, STAFF_CHAT_SEL = "staff-chat";
        NOTIFY_FORM, NOTIFY_FORM_SEL = "notify-form";
        PUSH_ENABLE, PUSH_ENABLE_SEL = "push-enable";
        PUSH_STATE, PUSH_STATE_SEL = "push-state";
        INSTALL_APP, INSTALL_APP_SEL = "install-app";
        PAYMENT_NOTICE, PAYMENT_NOTICE_SEL = "payment-notice";
        MAIN, MAIN_SEL = "main";
    }
}
