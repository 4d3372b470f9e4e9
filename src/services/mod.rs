//! Services around the web layer: SMS.
pub mod sms;
