//! Money is an integer number of kopecks. Shown as `1 200,00 ₽` (U+202F between thousands).

const THIN: char = '\u{202F}';
const NBSP: char = '\u{00A0}';

fn group(mut n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let mut parts = Vec::new();
    while n >= 1000 {
        parts.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    parts.push(n.to_string());
    parts.reverse();
    parts.join(&THIN.to_string())
}

/// `120000` → `1 200,00 ₽`; negative amounts get a leading `-`.
pub fn format(kop: i64, symbol: &str) -> String {
    let sign = if kop < 0 { "-" } else { "" };
    let abs = kop.unsigned_abs();
    format!("{sign}{},{:02}{NBSP}{symbol}", group(abs / 100), abs % 100)
}

/// Like [`format`] but always signed: `+1,00 ₽`, `-12,00 ₽`.
pub fn format_signed(kop: i64, symbol: &str) -> String {
    if kop > 0 {
        format!("+{}", format(kop, symbol))
    } else {
        format(kop, symbol)
    }
}

/// `120000` → `1200.00` (for form inputs).
pub fn to_input(kop: i64) -> String {
    format!("{}.{:02}", kop / 100, (kop % 100).abs())
}

/// Whole roubles with grouping: `1518000` → `15 180`.
pub fn roubles(kop: i64) -> String {
    let sign = if kop < 0 { "-" } else { "" };
    format!("{sign}{}", group(kop.unsigned_abs() / 100))
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("Введите сумму")]
    Empty,
    #[error("Сумма должна быть числом, например 1200,00")]
    NotANumber,
    #[error("Не больше двух знаков после запятой")]
    TooPrecise,
    #[error("Сумма должна быть больше нуля")]
    NotPositive,
    #[error("Слишком большая сумма")]
    TooLarge,
}

/// Parses a user-typed amount: `1200`, `1200.5`, `1 200,50` → kopecks.
pub fn parse(input: &str) -> Result<i64, ParseError> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != THIN && *c != NBSP && *c != '₽')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    if s.starts_with('-') {
        return Err(ParseError::NotPositive);
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(ParseError::NotANumber);
    }
    if frac.len() > 2 {
        return Err(ParseError::TooPrecise);
    }
    if int.len() > 12 {
        return Err(ParseError::TooLarge);
    }
    let rub: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| ParseError::NotANumber)?
    };
    let kop: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| ParseError::NotANumber)? * 10,
        _ => frac.parse().map_err(|_| ParseError::NotANumber)?,
    };
    let total = rub
        .checked_mul(100)
        .and_then(|r| r.checked_add(kop))
        .ok_or(ParseError::TooLarge)?;
    if total <= 0 {
        return Err(ParseError::NotPositive);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_guide() {
        assert_eq!(format(120000, "₽"), "1\u{202F}200,00\u{A0}₽");
        assert_eq!(format(0, "₽"), "0,00\u{A0}₽");
        assert_eq!(format_signed(100, "₽"), "+1,00\u{A0}₽");
        assert_eq!(format_signed(-1200, "₽"), "-12,00\u{A0}₽");
        assert_eq!(format(123456789, "₽"), "1\u{202F}234\u{202F}567,89\u{A0}₽");
        assert_eq!(roubles(1518000), "15\u{202F}180");
        assert_eq!(to_input(120000), "1200.00");
    }

    #[test]
    fn parses_typed_amounts() {
        assert_eq!(parse("1200"), Ok(120000));
        assert_eq!(parse("1 200,5"), Ok(120050));
        assert_eq!(parse("0.01"), Ok(1));
        assert_eq!(parse("1.234"), Err(ParseError::TooPrecise));
        assert_eq!(parse("abc"), Err(ParseError::NotANumber));
        assert_eq!(parse("0"), Err(ParseError::NotPositive));
        assert_eq!(parse("-5"), Err(ParseError::NotPositive));
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(parse("."), Err(ParseError::NotANumber));
        assert_eq!(parse("99999999999999"), Err(ParseError::TooLarge));
    }
}
