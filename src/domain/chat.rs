//! Support chat records.
use super::contract::ContractSummary;

#[derive(Debug, Clone)]
pub struct Msg {
    pub id: i64,
    pub conversation_id: i64,
    pub account_id: i64,
    pub sender: String,
    pub staff_name: Option<String>,
    pub body: String,
    pub client_msg_id: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: i64,
    pub contract_number: String,
    pub org_name: String,
    pub waiting_since: Option<i64>,
    pub last_message_at: i64,
    pub last_body: String,
    pub assigned: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: i64,
    pub account_id: i64,
    pub status: String,
    pub contract: Option<ContractSummary>,
    pub open_requests: i64,
}
