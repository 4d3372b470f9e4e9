pub mod money;
pub mod time;
