//! Ids that are easy to swap by mistake get their own types: a function that takes both a
//! contract and an account cannot be called with them the other way round.
use std::fmt;

macro_rules! id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// `contracts.id`
    ContractId
);
id!(
    /// `accounts.id`
    AccountId
);
