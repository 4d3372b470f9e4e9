//! Dates as the guide shows them: `29.12.22`, `17.02.23, 02:51:10`, «декабря 2022».
use jiff::{tz::TimeZone, Timestamp, Zoned};

const MONTHS_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

pub fn zoned(unix: i64, tz: &TimeZone) -> Zoned {
    Timestamp::from_second(unix)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
}

/// `29.12.22`
pub fn date(unix: i64, tz: &TimeZone) -> String {
    zoned(unix, tz).strftime("%d.%m.%y").to_string()
}

/// `17.02.23, 02:51:10`
pub fn datetime(unix: i64, tz: &TimeZone) -> String {
    zoned(unix, tz).strftime("%d.%m.%y, %H:%M:%S").to_string()
}

/// «декабря 2022»
pub fn month_heading(year: i16, month: i8) -> String {
    let m = MONTHS_GENITIVE[(month.clamp(1, 12) - 1) as usize];
    format!("{m} {year}")
}

/// Unix seconds of a local date-time in `tz` (for demo data and tests).
pub fn local(tz: &TimeZone, y: i16, mo: i8, d: i8, h: i8, mi: i8, s: i8) -> i64 {
    jiff::civil::date(y, mo, d)
        .at(h, mi, s, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_guide() {
        let tz = TimeZone::get("Asia/Yekaterinburg").unwrap();
        let t = local(&tz, 2023, 2, 17, 2, 51, 10);
        assert_eq!(datetime(t, &tz), "17.02.23, 02:51:10");
        assert_eq!(date(t, &tz), "17.02.23");
        assert_eq!(month_heading(2022, 12), "декабря 2022");
    }
}
