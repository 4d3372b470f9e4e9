//! Accounts: the contracts an account holds, who else holds them, its devices.

/// A contract as it appears in the account's list.
#[derive(Debug, Clone)]
pub struct Linked {
    pub id: i64,
    pub number: String,
    pub address: String,
    pub note: String,
    /// The account logs in with this contract's number (it cannot be removed).
    pub own: bool,
    pub current: bool,
    /// What this account may do on the contract.
    pub role: super::role::Role,
}

/// Another account that holds one of my contracts.
#[derive(Debug, Clone)]
pub struct Holder {
    pub account_id: i64,
    pub phone: Option<String>,
    /// For a contract account: the number it logs in with.
    pub contract_number: Option<String>,
    pub role: super::role::Role,
}

/// A session of the account, for «Устройства».
#[derive(Debug, Clone)]
pub struct Device {
    pub session_id: i64,
    pub user_agent: String,
    pub ip: String,
    pub last_seen_at: i64,
}

/// A passkey of the account, for «Вход» → «Ключи доступа».
#[derive(Debug, Clone)]
pub struct PasskeyRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A user someone invited onto a contract the account owns: listed after a reset, since a
/// thief's invitee keeps access until it is removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub account_id: i64,
    pub contract_id: i64,
    pub contract_number: String,
    pub phone: Option<String>,
    pub role: crate::domain::role::Role,
    pub added_at: i64,
}

/// What an account still holds, shown in «Устройства» after a reset (each with one action).
#[derive(Debug, Default)]
pub struct Remaining {
    pub passkeys: Vec<PasskeyRow>,
    pub invited: Vec<Invited>,
}
