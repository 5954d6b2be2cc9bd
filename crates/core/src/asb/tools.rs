//! The tools and powers used on a case, and when each use is next reviewed.
//!
//! The statutory ones are in the Anti-social Behaviour, Crime and Policing
//! Act 2014; warning letters and acceptable behaviour contracts are
//! voluntary. The default review periods are peel's own choice (a short
//! review for powers that last hours, otherwise before the usual end of the
//! measure); a review date may always be given instead.

use chrono::{Days, NaiveDate};

use super::{Invalid, Problems, parse_date, slugged, text};

slugged! {
    Tool, "a tool or power" {
        WarningLetter => "warning-letter", "Warning letter";
        AcceptableBehaviourContract => "acceptable-behaviour-contract", "Acceptable behaviour contract";
        CommunityProtectionNotice => "community-protection-notice", "Community protection notice";
        CivilInjunction => "civil-injunction", "Civil injunction";
        CriminalBehaviourOrder => "criminal-behaviour-order", "Criminal behaviour order";
        ClosureNotice => "closure-notice", "Closure notice";
        ClosureOrder => "closure-order", "Closure order";
        DispersalDirection => "dispersal-direction", "Dispersal direction";
        PublicSpacesProtectionOrder => "public-spaces-protection-order", "Public spaces protection order";
    }
}

impl Tool {
    /// Where the power comes from.
    pub fn basis(self) -> &'static str {
        match self {
            Tool::WarningLetter | Tool::AcceptableBehaviourContract => "voluntary (no statute)",
            Tool::CivilInjunction => "ASB, Crime and Policing Act 2014, Part 1 (s1)",
            Tool::CriminalBehaviourOrder => "ASB, Crime and Policing Act 2014, s22",
            Tool::DispersalDirection => "ASB, Crime and Policing Act 2014, s35",
            Tool::CommunityProtectionNotice => "ASB, Crime and Policing Act 2014, s43",
            Tool::PublicSpacesProtectionOrder => "ASB, Crime and Policing Act 2014, s59",
            Tool::ClosureNotice => "ASB, Crime and Policing Act 2014, s76",
            Tool::ClosureOrder => "ASB, Crime and Policing Act 2014, s80",
        }
    }

    /// Days from use to the default review (peel's own choice).
    pub fn default_review_days(self) -> u64 {
        match self {
            Tool::DispersalDirection | Tool::ClosureNotice => 2,
            Tool::WarningLetter => 28,
            Tool::AcceptableBehaviourContract | Tool::CommunityProtectionNotice | Tool::ClosureOrder => 90,
            Tool::CivilInjunction => 182,
            Tool::CriminalBehaviourOrder => 365,
            Tool::PublicSpacesProtectionOrder => 1095,
        }
    }
}

/// A use of a tool or power, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RawToolUse {
    pub tool: String,
    pub used_on: String,
    /// Empty: the tool's default review period from `used_on`.
    pub review_on: String,
    pub notes: String,
}

/// A checked use of a tool or power.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToolUse {
    pub tool: Tool,
    pub used_on: NaiveDate,
    pub review_on: NaiveDate,
    pub notes: String,
}

impl RawToolUse {
    /// `today` bounds the date of use (it cannot be in the future).
    pub fn check(&self, today: NaiveDate) -> Result<NewToolUse, Problems> {
        let mut p = Vec::new();
        let tool = Tool::parse(&self.tool, "tool").map_err(|e| p.push(e)).ok();
        let used_on = parse_date(&self.used_on, "used_on", "the date it was used").map_err(|e| p.push(e)).ok();
        if used_on.is_some_and(|d| d > today) {
            p.push(Invalid::new("used_on", "The date it was used cannot be in the future."));
        }
        let review_on = if self.review_on.trim().is_empty() {
            match (tool, used_on) {
                (Some(t), Some(d)) => d.checked_add_days(Days::new(t.default_review_days())),
                _ => None,
            }
        } else {
            parse_date(&self.review_on, "review_on", "the review date").map_err(|e| p.push(e)).ok()
        };
        if let (Some(u), Some(r)) = (used_on, review_on) {
            if r < u {
                p.push(Invalid::new("review_on", "The review date must be on or after the date it was used."));
            } else if r > u.checked_add_days(Days::new(3 * 366)).unwrap_or(NaiveDate::MAX) {
                p.push(Invalid::new("review_on", "The review date must be within 3 years of the date it was used."));
            }
        }
        let notes = text(&self.notes, "notes", "the notes", false, 4000, true).map_err(|e| p.push(e)).ok();
        match (tool, used_on, review_on, notes) {
            (Some(tool), Some(used_on), Some(review_on), Some(notes)) if p.is_empty() => {
                Ok(NewToolUse { tool, used_on, review_on, notes })
            }
            _ => Err(Problems(p)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn raw(tool: &str, used: &str, review: &str) -> RawToolUse {
        RawToolUse { tool: tool.into(), used_on: used.into(), review_on: review.into(), notes: String::new() }
    }

    #[test]
    fn every_tool_has_a_basis_and_a_review_period() {
        assert_eq!(Tool::ALL.len(), 9);
        for t in Tool::ALL {
            assert!(!t.basis().is_empty());
            assert!(t.default_review_days() >= 1);
            assert_eq!(Tool::parse(t.slug(), "tool").unwrap(), *t);
        }
    }

    #[test]
    fn default_and_given_review_dates() {
        let today = d("2026-09-01");
        let u = raw("warning-letter", "2026-09-01", "").check(today).unwrap();
        assert_eq!(u.review_on, d("2026-09-29"));
        let u = raw("dispersal-direction", "2026-08-31", "").check(today).unwrap();
        assert_eq!(u.review_on, d("2026-09-02"));
        let u = raw("civil-injunction", "2026-08-01", "2026-08-01").check(today).unwrap();
        assert_eq!(u.review_on, d("2026-08-01"), "a review on the day of use is allowed");
    }

    #[test]
    fn bad_uses_are_refused() {
        let today = d("2026-09-01");
        let field = |r: RawToolUse| r.check(today).unwrap_err().0[0].field.clone();
        assert_eq!(field(raw("asbo", "2026-09-01", "")), "tool");
        assert_eq!(field(raw("warning-letter", "2026-09-02", "")), "used_on");
        assert_eq!(field(raw("warning-letter", "1/9/2026", "")), "used_on");
        assert_eq!(field(raw("warning-letter", "2026-09-01", "2026-08-31")), "review_on");
        assert_eq!(field(raw("warning-letter", "2026-09-01", "2030-01-01")), "review_on");
        assert_eq!(field(raw("warning-letter", "2026-09-01", "soon")), "review_on");
    }
}
