//! The billing CLI: API tokens and CSV import through the real binary.
