pub mod guard;
pub mod password;
pub mod rate;
pub mod session;
pub mod staff;
