//! The staff console («Консоль поддержки»): layout and one file per screen.
pub mod accounts;
pub mod broadcasts;
pub mod chat;
pub mod contracts;
pub mod documents;
pub mod layout;
pub mod login;
pub mod requests;
pub mod stories;
