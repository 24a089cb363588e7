//! ISO 8601 timestamps (`2025-01-31T12:34:56.789Z`, as the reference server sends) to Unix
//! epoch milliseconds, without a date crate.
//!
//! Accepted: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z`, `±HH:MM`, `±HHMM`, `±HH` or
//! nothing (then UTC: the reducer has no time zone to apply). `t` or a space may separate date
//! and time. Anything else, or an impossible date (February 30th, hour 24), is `None`.

/// Epoch milliseconds of `text`; fractional milliseconds are kept.
pub fn parse_iso8601(text: &str) -> Option<f64> {
    parse_server_format(text.as_bytes()).or_else(|| parse_general(text))
}

/// The reference server's exact format, `YYYY-MM-DDTHH:MM:SS.mmmZ`, read at fixed positions:
/// every event carries one, and the module is built for size (`opt-level = "z"`), where the
/// general scanner's small functions are not inlined and cost several times more.
fn parse_server_format(b: &[u8]) -> Option<f64> {
    let b: &[u8; 24] = b.try_into().ok()?;
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'.' || b[23] != b'Z'
    {
        return None;
    }
    // Digits as one mask check, then plain arithmetic.
    let digit_positions = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    if digit_positions.iter().any(|&i| !b[i].is_ascii_digit()) {
        return None;
    }
    let d = |i: usize| u32::from(b[i] - b'0');
    let year = i64::from(d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3));
    let (month, day) = (d(5) * 10 + d(6), d(8) * 10 + d(9));
    let (hour, minute, second) = (d(11) * 10 + d(12), d(14) * 10 + d(15), d(17) * 10 + d(18));
    let millis = d(20) * 100 + d(21) * 10 + d(22);
    let seconds = epoch_seconds(year, month, day, hour, minute, second)?;
    Some((seconds * 1000 + i64::from(millis)) as f64)
}

fn parse_general(text: &str) -> Option<f64> {
    let mut s = Scanner { bytes: text.as_bytes(), at: 0 };
    let year = s.digits(4)? as i64;
    s.expect(b'-')?;
    let month = s.digits(2)?;
    s.expect(b'-')?;
    let day = s.digits(2)?;
    if !matches!(s.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = s.digits(2)?;
    s.expect(b':')?;
    let minute = s.digits(2)?;
    let (mut second, mut fraction_ms) = (0, 0.0);
    if s.peek() == Some(b':') {
        s.at += 1;
        second = s.digits(2)?;
        if matches!(s.peek(), Some(b'.' | b',')) {
            s.at += 1;
            fraction_ms = s.fraction_ms()?;
        }
    }
    let offset_minutes = s.offset()?;
    if s.at != s.bytes.len() {
        return None;
    }
    let seconds = epoch_seconds(year, month, day, hour, minute, second)? - offset_minutes * 60;
    Some(seconds as f64 * 1000.0 + fraction_ms)
}

/// Seconds since the epoch of a UTC date and time, or `None` if no such moment exists
/// (February 30th, hour 24; a leap second 60 is let through).
fn epoch_seconds(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Exactly `count` decimal digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..count {
            let byte = self.next()?;
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        Some(value)
    }

    /// One or more digits after the decimal point, as milliseconds (`.5` = 500 ms).
    fn fraction_ms(&mut self) -> Option<f64> {
        let (mut value, mut scale, mut count) = (0.0, 100.0, 0);
        while let Some(byte) = self.peek().filter(u8::is_ascii_digit) {
            value += f64::from(byte - b'0') * scale;
            scale /= 10.0;
            count += 1;
            self.at += 1;
        }
        (count > 0).then_some(value)
    }

    /// The UTC offset in minutes (east positive); none means UTC.
    fn offset(&mut self) -> Option<i64> {
        let sign = match self.peek() {
            None => return Some(0),
            Some(b'Z' | b'z') => {
                self.at += 1;
                return Some(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return None,
        };
        self.at += 1;
        let hours = self.digits(2)?;
        let minutes = match self.peek() {
            None => 0,
            Some(b':') => {
                self.at += 1;
                self.digits(2)?
            }
            Some(_) => self.digits(2)?,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * i64::from(hours * 60 + minutes))
    }
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_iso8601;

    #[test]
    fn the_servers_format_gives_epoch_milliseconds() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00.000Z"), Some(0.0));
        assert_eq!(parse_iso8601("2000-02-29T00:00:00.123Z"), Some(951_782_400_123.0));
        assert_eq!(parse_iso8601("2024-12-31T23:59:59.999Z"), Some(1_735_689_599_999.0));
    }

    #[test]
    fn offsets_fractions_and_short_forms_are_understood() {
        let utc = parse_iso8601("2025-01-31T12:34:56Z").unwrap();
        assert_eq!(parse_iso8601("2025-01-31T14:34:56+02:00"), Some(utc));
        assert_eq!(parse_iso8601("2025-01-31T07:34:56-0500"), Some(utc));
        assert_eq!(parse_iso8601("2025-01-31T12:34:56"), Some(utc), "no zone: UTC");
        assert_eq!(parse_iso8601("2025-01-31 12:34:56z"), Some(utc));
        assert_eq!(parse_iso8601("2025-01-31T12:34Z"), Some(utc - 56_000.0));
        assert_eq!(parse_iso8601("2025-01-31T12:34:56.5Z"), Some(utc + 500.0));
        assert_eq!(parse_iso8601("2025-01-31T12:34:56.123456Z"), Some(utc + 123.456));
        assert_eq!(parse_iso8601("1969-12-31T23:59:59Z"), Some(-1000.0));
    }

    #[test]
    fn anything_else_is_none() {
        for bad in [
            "",
            "2025-01-31",
            "2025-1-31T00:00:00Z",
            "2025-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2025-01-31T24:00:00Z",
            "2025-01-31T12:60:00Z",
            "2025-01-31T12:00:00.Z",
            "2025-01-31T12:00:00Zjunk",
            "2025-01-31T12:00:00+25:00",
            "2025-13-01T00:00:00Z",
            "yesterday",
            "2025-01-31T12:00:00😀",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
