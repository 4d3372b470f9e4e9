//! Services around the web layer: payment providers, e-mail, SMS, background jobs.

pub mod mail;
pub mod outbound;
pub mod payments;
pub mod pdf;
pub mod push;
pub mod sms;
