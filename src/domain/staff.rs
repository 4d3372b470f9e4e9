//! Staff accounts.
use super::states::StaffRole;

#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: StaffRole,
    pub active: bool,
    pub created_at: i64,
}

/// A signed-in, active staff member.
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub session_id: i64,
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: StaffRole,
}

impl CurrentStaff {
    pub fn is_admin(&self) -> bool {
        self.role == StaffRole::Admin
    }
}
