//! Contracts: how a typed contract number is read.

/// Normalises a typed contract number: trims, uppercases, drops inner spaces.
/// Returns None when it cannot be a contract number at all.
pub fn normalize_number(input: &str) -> Option<String> {
    let n: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let ok =
        (4..=20).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some(n)
}
