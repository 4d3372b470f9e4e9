//! maud views: pages, partials and components.
pub mod components;
pub mod error;
pub mod join;
pub mod join_wizard;
pub mod layout;
pub mod login;
pub mod main_page;
pub mod referral;
pub mod stories;
