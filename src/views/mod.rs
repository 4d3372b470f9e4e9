//! maud views: pages, partials and components.
pub mod action_form;
pub mod actions;
pub mod chat;
pub mod components;
pub mod error;
pub mod layout;
pub mod login;
pub mod main_page;
pub mod services;
pub mod staff;
