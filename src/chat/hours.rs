//! Support working hours: are staff at work now, and if not, when do they start.
use jiff::{civil::Time, tz::TimeZone, Zoned};

use crate::config::{hhmm, SupportHours};

/// None when staff are at work at `now`; otherwise the text for «Мы ответим …».
pub fn closed_until(h: &SupportHours, tz: &TimeZone, now: i64) -> Option<String> {
    let (open, close) = (hhmm(&h.opens)?, hhmm(&h.closes)?);
    if h.days.is_empty() {
        return None;
    }
    let z = crate::domain::time::zoned(now, tz);
    let works = |d: &Zoned| h.days.contains(&(d.weekday().to_monday_one_offset() as u8));
    let minute = z.hour() as u32 * 60 + z.minute() as u32;
    if works(&z) && minute >= open && minute < close {
        return None;
    }
    let t = Time::new((open / 60) as i8, (open % 60) as i8, 0, 0).ok()?;
    let today = z.date();
    for ahead in 0..8i64 {
        let day = today.checked_add(jiff::Span::new().days(ahead)).ok()?;
        let start = day.to_datetime(t).to_zoned(tz.clone()).ok()?;
        if !works(&start) || start.timestamp().as_second() <= now {
            continue;
        }
        let when = match ahead {
            0 => "сегодня".to_owned(),
            1 => "завтра".to_owned(),
            _ => start.strftime("%d.%m").to_string(),
        };
        return Some(format!("{when} в {}", h.opens));
    }
    None
}

/// The auto-reply text for `closed_until`'s answer.
pub fn auto_reply(when: &str) -> String {
    format!(
        "Здравствуйте! Сейчас специалисты поддержки не работают. Мы ответим {when}. \
         Ваше сообщение сохранено, писать повторно не нужно."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::local;

    #[test]
    fn knows_when_support_answers() {
        let tz = TimeZone::get("Europe/Moscow").unwrap();
        let h = SupportHours::default();
        // Wednesday 25.11.2026 12:00 — open.
        assert_eq!(
            closed_until(&h, &tz, local(&tz, 2026, 11, 25, 12, 0, 0)),
            None
        );
        // Wednesday 07:30 — today at 09:00.
        assert_eq!(
            closed_until(&h, &tz, local(&tz, 2026, 11, 25, 7, 30, 0)).as_deref(),
            Some("сегодня в 09:00")
        );
        // Wednesday 19:00 — tomorrow.
        assert_eq!(
            closed_until(&h, &tz, local(&tz, 2026, 11, 25, 19, 0, 0)).as_deref(),
            Some("завтра в 09:00")
        );
        // Friday 20:00 — Monday 30.11.
        assert_eq!(
            closed_until(&h, &tz, local(&tz, 2026, 11, 27, 20, 0, 0)).as_deref(),
            Some("30.11 в 09:00")
        );
    }
}
