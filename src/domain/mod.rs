pub mod money;
pub mod time;
pub mod application;
pub mod qr;
