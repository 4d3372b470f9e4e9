//! Where a key is in a TOML file, so a validation error can name its line.

/// The 1-based line of `key` (`time_zone`, `branding.primary_color`, or a table such as
/// `payments`) in `text`: the `key = …` line, else the `[table]` header.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let (table, leaf) = match key.rsplit_once('.') {
        Some((t, l)) => (t, l),
        None => ("", key),
    };
    let mut current = String::new();
    let mut header = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[') {
            current = name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .to_owned();
            if current == key {
                header = header.or(Some(i + 1));
            }
            continue;
        }
        let Some((k, _)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim().replace([' ', '"'], "");
        let full = if current.is_empty() {
            k.clone()
        } else {
            format!("{current}.{k}")
        };
        if full == key || (current == table && k == leaf) {
            return Some(i + 1);
        }
        if full.starts_with(&format!("{key}.")) {
            header = header.or(Some(i + 1));
        }
    }
    header
}

/// The key a validation message starts with (`branding.primary_color must …`, `payments: …`).
pub fn key_of(message: &str) -> &str {
    let end = message
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(message.len());
    message[..end].trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_in_tables_dotted_keys_and_table_headers() {
        let t = "time_zone = \"X\"\n\n[branding]\nname = \"a\"\nprimary_color = \"red\" # bad\n[payments]\nmin_amount_kop = 0\nsms.url = \"u\"\n";
        assert_eq!(line_of(t, "time_zone"), Some(1));
        assert_eq!(line_of(t, "branding.primary_color"), Some(5));
        assert_eq!(line_of(t, "payments"), Some(6));
        assert_eq!(line_of(t, "branding.logo"), None);
        assert_eq!(
            key_of("branding.primary_color must look like"),
            "branding.primary_color"
        );
        assert_eq!(key_of("payments: min_amount_kop"), "payments");
    }
}
