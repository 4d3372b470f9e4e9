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
pub const EXPRESS_FIND: &str = "/pay/find";
pub const EXPRESS_PAY: &str = "/pay/form";
pub const PAYMENT: &str = "/balance/pay";
pub const PAYMENT_RETURN: &str = "/payments/return";
/// Gateway notifications: `/payments/notify/{provider}` (outside the CSRF guard).
pub const PAYMENT_NOTIFY: &str = "/payments/notify";
pub const SANDBOX_CHECKOUT: &str = "/sandbox/checkout";
pub const HISTORY: &str = "/balance/history";
pub const HISTORY_MORE: &str = "/balance/history/more";
pub const AUTOPAY: &str = "/balance/autopay";
pub const AUTOPAY_OFF: &str = "/balance/autopay/off";
