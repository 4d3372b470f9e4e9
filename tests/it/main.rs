//! The one integration test binary: the real app over a temp SQLite file.
mod actions;
mod actions_access;
mod actions_browser;
mod browser;
mod common;
mod foundation;
mod chat;
mod staff;
mod chat_browser;
