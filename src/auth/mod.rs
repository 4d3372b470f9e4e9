pub mod budget;
pub mod device;
pub mod passkey;
pub mod password;
pub mod rate;
pub mod session;
pub mod throttle;
pub mod totp;
