//! The one integration test binary: the real app over a temp SQLite file.
mod accounts;
mod accounts_access;
mod accounts_browser;
mod actions;
mod actions_access;
mod actions_browser;
mod browser;
mod browser_growth;
mod cli;
mod common;
mod foundation;
mod growth;
mod growth_join;
mod growth_wizard;
mod phone_login;
