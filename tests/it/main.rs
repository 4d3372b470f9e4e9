//! The one integration test binary: the real app over a temp SQLite file.
mod actions;
mod actions_access;
mod actions_browser;
mod autopay;
mod balance;
mod browser;
mod browser_growth;
mod browser_money;
mod common;
mod foundation;
mod gateway_stub;
mod growth;
mod growth_join;
mod growth_wizard;
mod mail;
mod payments;
mod payments_gateway;
