//! The repeat-victim rule, as data: at least `min_reports` reports (the new
//! one included) within a rolling `window_months` calendar months.
//!
//! The window is inclusive at both ends: with the default (3 in 3 months) a
//! report made at 10:00 on 1 September counts one made at 10:00 on 1 June,
//! but not one made a second earlier. Months are calendar months, with the
//! day clamped to the month's length (3 months before 31 May is 28 February).

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatRule {
    pub min_reports: u32,
    pub window_months: u32,
}

/// What the rule found for one victim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatFinding {
    /// Reports in the window, this one included.
    pub reports_in_window: u32,
    pub repeat: bool,
    pub window_start: DateTime<Utc>,
}

impl RepeatRule {
    pub fn check(&self) -> Result<(), Invalid> {
        if !(1..=50).contains(&self.min_reports) {
            return Err(Invalid::new("repeat.min_reports", "The number of reports must be from 1 to 50."));
        }
        if !(1..=24).contains(&self.window_months) {
            return Err(Invalid::new("repeat.window_months", "The window must be from 1 to 24 months."));
        }
        Ok(())
    }

    /// The earliest instant a report may have been made and still count.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_months(Months::new(self.window_months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Applies the rule to a new report made at `now`, given when the
    /// earlier reports about the same person or address were made (any
    /// order; those outside the window are ignored).
    pub fn assess(&self, now: DateTime<Utc>, earlier: &[DateTime<Utc>]) -> RepeatFinding {
        let start = self.window_start(now);
        let earlier_in = earlier.iter().filter(|t| **t >= start && **t <= now).count();
        let n = u32::try_from(earlier_in).unwrap_or(u32::MAX).saturating_add(1);
        RepeatFinding { reports_in_window: n, repeat: n >= self.min_reports, window_start: start }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    const DEFAULT: RepeatRule = RepeatRule { min_reports: 3, window_months: 3 };

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn exactly_three_reports_in_exactly_three_months() {
        let now = at(2026, 9, 1, 10);
        let first = at(2026, 6, 1, 10);
        let f = DEFAULT.assess(now, &[first, at(2026, 7, 15, 9)]);
        assert_eq!(f.reports_in_window, 3);
        assert!(f.repeat);
        assert_eq!(f.window_start, first);
        let just_outside = first - Duration::seconds(1);
        let f = DEFAULT.assess(now, &[just_outside, at(2026, 7, 15, 9)]);
        assert_eq!(f.reports_in_window, 2);
        assert!(!f.repeat);
    }

    #[test]
    fn two_reports_are_not_enough_and_later_reports_do_not_count() {
        let now = at(2026, 9, 1, 10);
        assert!(!DEFAULT.assess(now, &[at(2026, 8, 1, 10)]).repeat);
        assert_eq!(DEFAULT.assess(now, &[]).reports_in_window, 1);
        let f = DEFAULT.assess(now, &[at(2026, 8, 1, 10), now + Duration::seconds(1)]);
        assert_eq!(f.reports_in_window, 2, "a report made after this one is not earlier");
    }

    #[test]
    fn calendar_months_clamp_to_the_month_end() {
        let rule = RepeatRule { min_reports: 2, window_months: 3 };
        let now = at(2026, 5, 31, 12);
        assert_eq!(rule.window_start(now), at(2026, 2, 28, 12));
        assert!(rule.assess(now, &[at(2026, 2, 28, 12)]).repeat);
        assert!(!rule.assess(now, &[at(2026, 2, 28, 11)]).repeat);
    }

    #[test]
    fn the_rule_is_data() {
        let one = RepeatRule { min_reports: 1, window_months: 1 };
        assert!(one.assess(at(2026, 9, 1, 10), &[]).repeat, "a rule of 1 flags every report");
        assert!(DEFAULT.check().is_ok());
        assert!(RepeatRule { min_reports: 0, window_months: 3 }.check().is_err());
        assert!(RepeatRule { min_reports: 3, window_months: 0 }.check().is_err());
        assert!(RepeatRule { min_reports: 3, window_months: 25 }.check().is_err());
    }
}
