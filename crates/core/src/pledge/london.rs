//! Europe/London civil time, without a time-zone database.
//!
//! Pledge figures are per calendar month in London time, and a 999 call at
//! 23:30 UTC on 31 May is a June call (BST). The UK rule has been fixed since
//! 1996 (and matches the EU rule): British Summer Time (UTC+1) runs from
//! 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
//! October; the rest of the year is GMT (UTC+0). Encoding that one rule keeps
//! the core free of a tz database (and of a heavy dependency) while being
//! exact for every date police systems will send.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::Month;

/// The last Sunday of `month` in `year` (the UK changes its clocks on one).
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

/// The instant (UTC) the clocks change on the last Sunday of `month`.
fn change_at(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let day = last_sunday(year, month)?;
    Some(Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0)?))
}

/// When BST starts and ends in `year`, as UTC instants.
pub fn bst_period(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((change_at(year, 3)?, change_at(year, 10)?))
}

/// London's offset from UTC at `t`, in seconds: 3600 in BST, else 0.
pub fn offset_seconds(t: DateTime<Utc>) -> i64 {
    match bst_period(t.year()) {
        Some((start, end)) if start <= t && t < end => 3600,
        _ => 0,
    }
}

/// The wall-clock time in London at `t`.
pub fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::seconds(offset_seconds(t))
}

/// The London calendar month `t` falls in, or `None` for a year outside
/// the range [`Month`] supports.
pub fn month_of(t: DateTime<Utc>) -> Option<Month> {
    let local = to_local(t);
    Month::new(u16::try_from(local.year()).ok()?, u8::try_from(local.month()).ok()?)
}

/// The UTC instant of a London wall-clock time, or `None` for a wall time
/// that does not exist (inside the spring-forward hour). In the autumn hour
/// that happens twice, the earlier (BST) instant is returned.
pub fn from_local(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Try BST first (so the repeated autumn hour resolves to its first
    // occurrence), then GMT; keep the one whose offset agrees with itself.
    let bst = Utc.from_utc_datetime(&(local - Duration::hours(1)));
    if offset_seconds(bst) == 3600 {
        return Some(bst);
    }
    let gmt = Utc.from_utc_datetime(&local);
    (offset_seconds(gmt) == 0).then_some(gmt)
}

/// The instant a London month begins: midnight on its first day, local time.
/// Clocks never change at midnight on the 1st, so this always exists.
pub fn month_start(month: Month) -> DateTime<Utc> {
    let day = NaiveDate::from_ymd_opt(i32::from(month.year()), u32::from(month.month()), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0));
    match day {
        Some(local) => from_local(local).unwrap_or_else(|| Utc.from_utc_datetime(&local)),
        // Unreachable for a valid Month; the Unix epoch keeps this total.
        None => DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// The instant a London month ends (exclusive): the start of the next one.
pub fn month_end(month: Month) -> DateTime<Utc> {
    month_start(month.plus(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test time").with_timezone(&Utc)
    }

    fn m(s: &str) -> Month {
        s.parse().expect("test month")
    }

    #[test]
    fn bst_dates_for_known_years() {
        // Published UK clock-change dates.
        let cases = [
            (2009, "2009-03-29T01:00:00Z", "2009-10-25T01:00:00Z"),
            (2024, "2024-03-31T01:00:00Z", "2024-10-27T01:00:00Z"),
            (2025, "2025-03-30T01:00:00Z", "2025-10-26T01:00:00Z"),
            (2026, "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"),
            (2027, "2027-03-28T01:00:00Z", "2027-10-31T01:00:00Z"),
        ];
        for (year, start, end) in cases {
            assert_eq!(bst_period(year), Some((utc(start), utc(end))), "{year}");
        }
    }

    #[test]
    fn offset_switches_exactly_at_01_utc() {
        assert_eq!(offset_seconds(utc("2024-03-31T00:59:59Z")), 0);
        assert_eq!(offset_seconds(utc("2024-03-31T01:00:00Z")), 3600);
        assert_eq!(offset_seconds(utc("2024-10-27T00:59:59Z")), 3600);
        assert_eq!(offset_seconds(utc("2024-10-27T01:00:00Z")), 0);
        assert_eq!(offset_seconds(utc("2024-01-15T12:00:00Z")), 0);
        assert_eq!(offset_seconds(utc("2024-07-15T12:00:00Z")), 3600);
    }

    #[test]
    fn summer_month_ends_move_an_hour() {
        // 23:00 UTC on 31 May is midnight 1 June in London.
        assert_eq!(month_of(utc("2024-05-31T22:59:59Z")), Some(m("2024-05")));
        assert_eq!(month_of(utc("2024-05-31T23:00:00Z")), Some(m("2024-06")));
        assert_eq!(month_of(utc("2024-09-30T23:30:00Z")), Some(m("2024-10")));
        // Any offset in the input is just another way to write the instant.
        assert_eq!(month_of(utc("2024-06-01T00:30:00+01:00")), Some(m("2024-06")));
    }

    #[test]
    fn winter_month_ends_are_utc() {
        assert_eq!(month_of(utc("2024-01-31T23:59:59Z")), Some(m("2024-01")));
        assert_eq!(month_of(utc("2024-02-01T00:00:00Z")), Some(m("2024-02")));
        assert_eq!(month_of(utc("2024-12-31T23:30:00Z")), Some(m("2024-12")));
        assert_eq!(month_of(utc("2025-01-01T00:00:00Z")), Some(m("2025-01")));
    }

    #[test]
    fn march_end_when_bst_starts_on_the_31st() {
        // 2024: BST began 01:00 UTC on Sunday 31 March.
        assert_eq!(month_of(utc("2024-03-31T22:59:59Z")), Some(m("2024-03")));
        assert_eq!(month_of(utc("2024-03-31T23:00:00Z")), Some(m("2024-04")));
        assert_eq!(month_start(m("2024-04")), utc("2024-03-31T23:00:00Z"));
        assert_eq!(month_start(m("2024-03")), utc("2024-03-01T00:00:00Z"));
    }

    #[test]
    fn october_end_when_bst_ends_on_the_31st() {
        // 2027: BST ends 01:00 UTC on Sunday 31 October, so 31 October is
        // GMT by its end and November starts at 00:00 UTC.
        assert_eq!(month_start(m("2027-10")), utc("2027-09-30T23:00:00Z"));
        assert_eq!(month_start(m("2027-11")), utc("2027-11-01T00:00:00Z"));
        assert_eq!(month_of(utc("2027-10-31T00:30:00Z")), Some(m("2027-10")));
        assert_eq!(month_of(utc("2027-10-31T23:59:59Z")), Some(m("2027-10")));
        assert_eq!(month_of(utc("2027-11-01T00:00:00Z")), Some(m("2027-11")));
    }

    #[test]
    fn month_bounds_round_trip() {
        for month in m("2023-01").through(m("2028-12")) {
            let start = month_start(month);
            assert_eq!(month_of(start), Some(month), "{month} start");
            assert_eq!(month_of(start - Duration::seconds(1)), Some(month.plus(-1)), "{month} start - 1s");
            assert_eq!(month_end(month), month_start(month.plus(1)));
        }
    }

    proptest::proptest! {
        /// Every instant lies inside the bounds of the month it is given,
        /// and its London wall time is UTC or UTC+1 as the rule says.
        #[test]
        fn instants_fall_inside_their_month(secs in 0i64..4_102_444_800) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).expect("in range");
            let month = month_of(t).expect("a month");
            proptest::prop_assert!(month_start(month) <= t && t < month_end(month));
            let offset = (to_local(t) - t.naive_utc()).num_seconds();
            proptest::prop_assert!(offset == 0 || offset == 3600);
            proptest::prop_assert_eq!(from_local(to_local(t)).map(|u| u <= t), Some(true));
        }
    }

    #[test]
    fn local_times_in_the_gap_and_the_overlap() {
        let local = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test local");
        // 01:30 on 31 March 2024 never happened in London.
        assert_eq!(from_local(local("2024-03-31 01:30:00")), None);
        // 01:30 on 27 October 2024 happened twice; the BST one is first.
        assert_eq!(from_local(local("2024-10-27 01:30:00")), Some(utc("2024-10-27T00:30:00Z")));
        assert_eq!(from_local(local("2024-10-27 02:30:00")), Some(utc("2024-10-27T02:30:00Z")));
        assert_eq!(to_local(utc("2024-07-01T12:00:00Z")), local("2024-07-01 13:00:00"));
    }
}
