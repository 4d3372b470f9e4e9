//! Autopay of a contract.

#[derive(Debug, Clone, Default)]
pub struct Autopay {
    pub enabled: bool,
    pub amount_kop: i64,
    pub card_mask: Option<String>,
    pub email: Option<String>,
    /// Shown on the balance block, e.g. after autopay turned itself off.
    pub notice: Option<String>,
}
