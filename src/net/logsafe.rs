//! Text from users in log lines: control characters (newlines, escape sequences, NUL, the
//! Unicode line and bidi controls) are written as visible escapes, so a value can neither start
//! a forged log line nor drive the operator's terminal.
use std::fmt;

/// `tracing::warn!(report = %Esc(&text), ..)`
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for ch in self.0.chars() {
            if needs_escape(ch) {
                write!(f, "{}", ch.escape_unicode())?;
            } else if ch == '\\' {
                f.write_str("\\\\")?;
            } else {
                write!(f, "{ch}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn needs_escape(ch: char) -> bool {
    ch.is_control()
        || matches!(ch,
            '\u{2028}' | '\u{2029}'            // line / paragraph separators
            | '\u{200B}'..='\u{200F}'          // zero-width, LRM/RLM
            | '\u{202A}'..='\u{202E}'          // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}'          // bidi isolates
            | '\u{FEFF}')
}

/// The log line's field formatter: every value (the message too) goes through [`Esc`], so a
/// `%display` field with a user's text cannot break the line. Used by `main` and the tests.
pub fn fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let text = format!("{value:?}");
        if field.name() == "message" {
            write!(w, "{}", Esc(&text))
        } else {
            write!(w, "{}={}", field, Esc(&text))
        }
    })
    .delimited(" ")
}

/// An owned escaped copy, at most `max` characters of the input.
pub fn esc(s: &str, max: usize) -> String {
    let cut: String = s.chars().take(max).collect();
    Esc(&cut).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        let s = esc("a\nINFO login ok\r\x1b[2J\u{202E}b\\", 100);
        assert!(!s.contains('\n') && !s.contains('\r') && !s.contains('\x1b'));
        assert_eq!(s, "a\\u{a}INFO login ok\\u{d}\\u{1b}[2J\\u{202e}b\\\\");
        assert_eq!(esc("Привет", 3), "При");
    }
}
