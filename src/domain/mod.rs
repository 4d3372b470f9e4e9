pub mod money;
pub mod payment;
pub mod time;
