//! Requests and applications as the staff lists show them.
use super::states::WorkStatus;

#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub kind: String,
    pub address: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub details_json: String,
    pub referrer: Option<String>,
    pub status: WorkStatus,
    pub staff_comment: String,
    pub consent_at: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One of the workflow statuses, or empty for open ones (new + in progress), or "all".
    pub status: String,
    /// Part of a contract number / name / phone / address.
    pub q: String,
}

#[derive(Debug, Clone)]
pub struct RequestItem {
    pub id: i64,
    pub contract_id: i64,
    pub contract_number: String,
    pub org_name: String,
    pub title: String,
    pub status: WorkStatus,
    pub created_at: i64,
}
