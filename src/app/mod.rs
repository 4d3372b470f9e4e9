//! Use cases: one function per thing a user does; transactions, business rules, audit rows.
pub mod documents;
pub mod documents_api;
