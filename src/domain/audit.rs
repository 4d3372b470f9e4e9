//! The audit log as staff read it.

#[derive(Debug, Clone)]
pub struct Row {
    pub at: i64,
    pub who: String,
    pub action: String,
    pub target: String,
    pub details: String,
    pub ip: String,
}
