//! maud views: pages, partials and components.
pub mod balance;
pub mod components;
pub mod error;
pub mod express;
pub mod history;
pub mod layout;
pub mod login;
pub mod main_page;
pub mod sandbox;
