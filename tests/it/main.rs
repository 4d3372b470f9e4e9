//! The one integration test binary: the real app over a temp SQLite file.
mod balance;
mod browser;
mod browser_money;
mod common;
mod foundation;
mod gateway_stub;
mod mail;
mod payments;
