//! Typed states (see `domain::states`) stored as their text codes.
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::states::{
    ContractStatus, PaymentPurpose, PaymentStatus, Segment, ServiceStatus, StaffRole, State,
    WorkStatus,
};

macro_rules! sql_state {
    ($($t:ty),+) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(State::code(*self)))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = v.as_str()?;
                <$t as State>::parse(s).ok_or_else(|| FromSqlError::Other(
                    format!("unknown {} {s:?}", stringify!($t)).into(),
                ))
            }
        }
    )+};
}

sql_state!(
    ContractStatus,
    PaymentPurpose,
    PaymentStatus,
    Segment,
    ServiceStatus,
    StaffRole,
    WorkStatus
);

impl ToSql for crate::domain::role::Role {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.code()))
    }
}

impl FromSql for crate::domain::role::Role {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = v.as_str()?;
        crate::domain::role::Role::from_code(s)
            .ok_or_else(|| FromSqlError::Other(format!("unknown role {s:?}").into()))
    }
}
