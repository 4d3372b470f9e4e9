//! Services around the web layer: payment providers, e-mail, background jobs.
pub mod jobs;
pub mod mail;
pub mod payments;
