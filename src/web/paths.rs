//! Route paths, shared by the router and the markup.
pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGIN_PHONE: &str = "/login/phone";
pub const JOIN: &str = "/join";
pub const EXPRESS: &str = "/pay";
pub const LOGOUT: &str = "/logout";
pub const HEALTH: &str = "/healthz";
pub const READY: &str = "/readyz";
pub const CSP_REPORT: &str = "/csp-report";
pub const BRANDING_CSS: &str = "/branding.css";
pub const BRANDING_LOGO: &str = "/branding/logo";
pub const ASSETS: &str = "/assets";
pub const SERVICE: &str = "/services/:id";
pub const ACTION: &str = "/actions/:code";
pub const REQUEST: &str = "/requests/:id";
pub const UPLOAD: &str = "/uploads/:id";

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
pub const STAFF: &str = "/staff";
pub const STAFF_LOGIN: &str = "/staff/login";
pub const STAFF_LOGOUT: &str = "/staff/logout";
pub const STAFF_WS: &str = "/staff/ws";
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
pub const STAFF_STORY_IMAGE: &str = "/staff/stories/:id/image";
pub const STAFF_STORY_MOVE: &str = "/staff/stories/:id/move/:dir";
pub const STAFF_STORY_PUBLISH: &str = "/staff/stories/:id/publish";
pub const STAFF_ACCOUNTS: &str = "/staff/accounts";
pub const STAFF_ACCOUNT_ACTIVE: &str = "/staff/accounts/:id/active";
pub const STAFF_AUDIT: &str = "/staff/audit";

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
pub fn staff_story_image(id: i64) -> String {
    format!("/staff/stories/{id}/image")
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
