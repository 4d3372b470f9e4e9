//! Contract requests and their history.
use super::{states::WorkStatus, validate::Values};

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub status: WorkStatus,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub status: WorkStatus,
    pub comment: String,
    pub staff_name: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct Upload {
    pub id: i64,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone)]
pub struct RequestDetail {
    pub row: RequestRow,
    pub fields: Values,
    pub events: Vec<Event>,
    pub uploads: Vec<Upload>,
    /// The chosen tariff's name, when the request has a `tariff` field.
    pub tariff_name: Option<String>,
}

/// How many requests «Активные заявки» shows.
pub const LIST_LIMIT: i64 = 20;
