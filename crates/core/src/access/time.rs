//! One text form for instants, identical on both database engines and
//! sortable as text: `2026-11-25T20:26:06.123456Z` (always UTC, microseconds).

use chrono::{DateTime, NaiveDateTime, Utc};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn format(t: DateTime<Utc>) -> String {
    t.format(FORMAT).to_string()
}

pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, FORMAT).ok().map(|n| n.and_utc())
}

/// `t` cut to the microseconds the text form keeps.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    parse(&format(t)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn round_trips_and_sorts_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(format(a), "2026-01-02T03:04:05.000000Z");
        assert_eq!(parse(&format(a)), Some(a));
        let b = a + chrono::Duration::microseconds(7);
        assert!(format(a) < format(b));
        assert_eq!(parse(&format(b)), Some(b));
        assert_eq!(parse("2026-01-02"), None);
        let nanos = a + chrono::Duration::nanoseconds(1500);
        assert_eq!(truncate(nanos), a + chrono::Duration::microseconds(1));
    }
}
