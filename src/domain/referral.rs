//! The referral programme's records.

pub struct Accrual {
    pub amount_kop: i64,
    pub description: String,
    pub created_at: i64,
}

pub struct Invitation {
    pub name: String,
    pub status: String,
    pub created_at: i64,
}
