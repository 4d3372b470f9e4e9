//! The one integration test binary: the real app over a temp SQLite file.
mod actions;
mod actions_access;
mod actions_browser;
mod browser;
mod chat;
mod chat_browser;
mod common;
mod foundation;
mod staff;
