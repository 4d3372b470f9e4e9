//! Use cases: one function per thing a user does. The only layer that opens write
//! transactions, applies business rules across tables and writes audit rows. Handlers in
//! `web/` extract and authorize, call one function here, and render what it returns.
pub mod activity;
pub mod billing;
pub mod budget;
pub mod closing;
pub mod company;
pub mod credentials;
pub mod documents;
pub mod documents_api;
pub mod express;
pub mod invitations;
pub mod jobs;
pub mod lifecycle;
pub mod notify;
pub mod outbox;
pub mod passkeys;
pub mod payments;
pub mod second_factor;
pub mod sessions;
pub mod sms_code;
