pub mod application;
pub mod money;
pub mod qr;
pub mod time;
