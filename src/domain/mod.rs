pub mod actions;
pub mod money;
pub mod time;
pub mod validate;
pub mod workflow;
