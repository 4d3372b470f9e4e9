//! Status workflow shared by contract requests and applications:
//! new → in_progress → done / rejected (a new one may also be rejected straight away).

pub const STATUSES: [(&str, &str); 4] = [
    ("new", "Новая"),
    ("in_progress", "В работе"),
    ("done", "Выполнена"),
    ("rejected", "Отклонена"),
];

pub fn label(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(c, _)| *c == status)
        .map_or("—", |(_, l)| l)
}

pub fn is_status(s: &str) -> bool {
    STATUSES.iter().any(|(c, _)| *c == s)
}

/// Whether a request may move `from` → `to`. Staying in the same open status is allowed
/// (a comment without a status change).
pub fn can_move(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("new", "new" | "in_progress" | "rejected")
            | ("in_progress", "in_progress" | "done" | "rejected")
    )
}

/// The statuses offered from `from`.
pub fn next(from: &str) -> Vec<(&'static str, &'static str)> {
    STATUSES
        .iter()
        .copied()
        .filter(|(c, _)| can_move(from, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_requests_stay_finished() {
        assert!(can_move("new", "in_progress"));
        assert!(can_move("in_progress", "done"));
        assert!(!can_move("done", "in_progress"));
        assert!(!can_move("rejected", "new"));
        assert!(!can_move("new", "done"));
    }
}
