pub mod device;
pub mod password;
pub mod rate;
pub mod session;
pub mod throttle;
pub mod totp;
