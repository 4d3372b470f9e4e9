//! maud views: pages, partials and components.
pub mod access;
pub mod action_form;
pub mod actions;
pub mod components;
pub mod contracts;
pub mod error;
pub mod join;
pub mod join_wizard;
pub mod layout;
pub mod login;
pub mod main_page;
pub mod phone_login;
pub mod referral;
pub mod services;
pub mod stories;
