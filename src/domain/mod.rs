pub mod actions;
pub mod application;
pub mod money;
pub mod payment;
pub mod qr;
pub mod time;
pub mod validate;
pub mod workflow;
