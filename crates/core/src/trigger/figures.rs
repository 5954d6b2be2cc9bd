//! The figures each partnership must publish at least every 12 months:
//! applications, how many met the threshold, reviews carried out and reviews
//! that led to recommendations.
//!
//! Figures are for a financial year (1 April to 31 March), the year councils
//! report in, and count applications by the day they were received, so a
//! year's figures settle as its reviews finish and never move between years.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// 1 April `start` to 31 March `start + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportingYear {
    pub start: i32,
}

impl ReportingYear {
    pub fn containing(d: NaiveDate) -> ReportingYear {
        ReportingYear { start: if d.month() >= 4 { d.year() } else { d.year() - 1 } }
    }

    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.start, 4, 1)
    }

    pub fn last_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.start + 1, 3, 31)
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        ReportingYear::containing(d) == self
    }

    /// "2025-26" (also accepted by [`ReportingYear::parse`]).
    pub fn slug(self) -> String {
        format!("{}-{:02}", self.start, (self.start + 1).rem_euclid(100))
    }

    /// "2025-26" or "2025".
    pub fn parse(s: &str) -> Option<ReportingYear> {
        let s = s.trim();
        let (a, b) = match s.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        if a.len() != 4 {
            return None;
        }
        let start: i32 = a.parse().ok()?;
        if !(1900..=9998).contains(&start) {
            return None;
        }
        if let Some(b) = b {
            let end: i32 = b.parse().ok()?;
            if b.len() != 2 || end != (start + 1).rem_euclid(100) {
                return None;
            }
        }
        Some(ReportingYear { start })
    }
}

impl fmt::Display for ReportingYear {
    /// "1 April 2025 to 31 March 2026".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1 April {} to 31 March {}", self.start, self.start + 1)
    }
}

/// What the figures need to know about one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFacts {
    pub received_on: NaiveDate,
    /// The threshold decision, once made.
    pub threshold_met: Option<bool>,
    /// The review meeting, once held.
    pub meeting_on: Option<NaiveDate>,
    /// Recommendations made by the review.
    pub recommendations: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualFigures {
    /// "2025-26".
    pub year: String,
    pub applications: u32,
    pub threshold_met: u32,
    pub threshold_not_met: u32,
    pub awaiting_decision: u32,
    pub reviews_carried_out: u32,
    pub reviews_with_recommendations: u32,
    pub recommendations: u32,
}

/// The figures for `year`, from every application a partnership holds.
pub fn annual_figures(all: &[ApplicationFacts], year: ReportingYear) -> AnnualFigures {
    let mut f = AnnualFigures {
        year: year.slug(),
        applications: 0,
        threshold_met: 0,
        threshold_not_met: 0,
        awaiting_decision: 0,
        reviews_carried_out: 0,
        reviews_with_recommendations: 0,
        recommendations: 0,
    };
    for a in all.iter().filter(|a| year.contains(a.received_on)) {
        f.applications += 1;
        match a.threshold_met {
            Some(true) => f.threshold_met += 1,
            Some(false) => f.threshold_not_met += 1,
            None => f.awaiting_decision += 1,
        }
        if a.meeting_on.is_some() {
            f.reviews_carried_out += 1;
            if a.recommendations > 0 {
                f.reviews_with_recommendations += 1;
                f.recommendations += a.recommendations;
            }
        }
    }
    f
}

/// Every reporting year from the first application to `today`'s, newest first.
pub fn years_with_figures(all: &[ApplicationFacts], today: NaiveDate) -> Vec<ReportingYear> {
    let last = ReportingYear::containing(today);
    let first = all.iter().map(|a| ReportingYear::containing(a.received_on)).min().unwrap_or(last).min(last);
    (first.start..=last.start).rev().map(|start| ReportingYear { start }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn app(received: &str, met: Option<bool>, meeting: Option<&str>, recs: u32) -> ApplicationFacts {
        ApplicationFacts {
            received_on: d(received),
            threshold_met: met,
            meeting_on: meeting.map(d),
            recommendations: recs,
        }
    }

    #[test]
    fn the_year_runs_april_to_march() {
        assert_eq!(ReportingYear::containing(d("2025-03-31")).start, 2024);
        assert_eq!(ReportingYear::containing(d("2025-04-01")).start, 2025);
        let y = ReportingYear { start: 2025 };
        assert_eq!(y.slug(), "2025-26");
        assert_eq!(y.to_string(), "1 April 2025 to 31 March 2026");
        assert_eq!(ReportingYear { start: 1999 }.slug(), "1999-00");
        assert_eq!(ReportingYear::parse("2025-26"), Some(y));
        assert_eq!(ReportingYear::parse("2025"), Some(y));
        for bad in ["2025-27", "25-26", "twenty", "2025-2026", ""] {
            assert_eq!(ReportingYear::parse(bad), None, "{bad}");
        }
        assert_eq!(y.last_day(), Some(d("2026-03-31")));
        // A leap year's last day of February is inside the year.
        assert!(ReportingYear { start: 2027 }.contains(d("2028-02-29")));
    }

    #[test]
    fn counts_what_the_act_asks_for() {
        let all = [
            app("2025-04-01", Some(true), Some("2025-05-01"), 3),
            app("2025-06-01", Some(true), Some("2025-07-01"), 0),
            app("2025-07-01", Some(true), None, 0),
            app("2025-08-01", Some(false), None, 0),
            app("2026-03-31", None, None, 0),
            app("2025-03-31", Some(true), Some("2025-04-20"), 2), // the year before
            app("2026-04-01", Some(false), None, 0),              // the year after
        ];
        let f = annual_figures(&all, ReportingYear { start: 2025 });
        assert_eq!(
            f,
            AnnualFigures {
                year: "2025-26".into(),
                applications: 5,
                threshold_met: 3,
                threshold_not_met: 1,
                awaiting_decision: 1,
                reviews_carried_out: 2,
                reviews_with_recommendations: 1,
                recommendations: 3,
            }
        );
        let empty = annual_figures(&[], ReportingYear { start: 2025 });
        assert_eq!(empty.applications, 0);
        let years: Vec<_> = years_with_figures(&all, d("2026-05-01")).iter().map(|y| y.slug()).collect();
        assert_eq!(years, ["2026-27", "2025-26", "2024-25"]);
        assert_eq!(years_with_figures(&[], d("2026-05-01")).len(), 1);
    }
}
