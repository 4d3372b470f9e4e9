//! The balance history: ledger entries grouped by month.

#[derive(Debug, Clone)]
pub struct Entry {
    pub description: String,
    pub amount_kop: i64,
    pub occurred_at: i64,
}

#[derive(Debug, Clone)]
pub struct Month {
    pub year: i16,
    pub month: i8,
    /// Newest first.
    pub entries: Vec<Entry>,
    /// Balance before the month's first entry («На начало месяца»).
    pub opening_kop: i64,
    /// Start of this month (unix): pass it as `before` to get the previous month, when there is one.
    pub older: Option<i64>,
}
