//! The demo data set's logins (the guide's contract and phones).

pub const PASSWORD: &str = "kabinet-demo";

/// Phone accounts that added the main contract (shown masked in «Устройства и доступ»).
/// The first one also holds 72718289UL: log in «По телефону» with it to see several contracts.
pub const PHONES: [&str; 2] = ["79271234249", "79370000666"];
