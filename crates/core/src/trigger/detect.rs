//! From stored ASB reports to the Community Trigger: the complaints a case
//! review application cites when it points at reports peel holds, and the
//! proactive check of whether a victim's reports may already meet a
//! threshold.
//!
//! The check is advice, not a decision: only an application starts a review,
//! and the partnership's adopted procedure decides it. So the result always
//! carries the version of the rules it used.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::complaint::{Complaint, key};
use super::evaluate::{Evaluation, ThresholdInput, evaluate};
use super::procedure::Procedure;

/// What a stored ASB report contributes to a case review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    pub id: i64,
    /// The organisation that recorded it: the agency complained to.
    pub agency: String,
    /// Who made the report.
    pub complainant: String,
    /// When the behaviour happened.
    pub occurred_at: NaiveDateTime,
    /// When the report was recorded: the day the complaint was made.
    pub recorded_on: NaiveDate,
    pub hate_related: bool,
    /// Where it happened, as typed.
    pub location: String,
    /// The normalised address of the place (empty without a postcode).
    pub location_key: String,
}

impl StoredReport {
    /// Two reports are about the same incident when the behaviour happened
    /// on the same day at the same place, whoever recorded them. A report
    /// names only a day and a place, so this is the nearest the records get
    /// to "the same incident"; two separate incidents at one place on one
    /// day count once, which errs towards the applicant being asked rather
    /// than told.
    fn incident_key(&self) -> (NaiveDate, String) {
        let place = if self.location_key.is_empty() { key(&self.location) } else { self.location_key.clone() };
        (self.occurred_at.date(), place)
    }
}

/// The label a cited report's incident gets: the earliest report of it.
pub fn incident_label(report_id: i64) -> String {
    format!("ASB report {report_id}")
}

/// One complaint row per report, in the order given. Reports of the same
/// incident (see [`StoredReport`]) name the same incident, the earliest
/// report's, so the threshold check counts them once however many agencies
/// recorded them.
pub fn complaints_from_reports(reports: &[StoredReport]) -> Vec<Complaint> {
    let mut first: BTreeMap<(NaiveDate, String), i64> = BTreeMap::new();
    for r in reports {
        first.entry(r.incident_key()).and_modify(|id| *id = (*id).min(r.id)).or_insert(r.id);
    }
    reports
        .iter()
        .map(|r| Complaint {
            complainant: r.complainant.clone(),
            agency: r.agency.clone(),
            incident: incident_label(first.get(&r.incident_key()).copied().unwrap_or(r.id)),
            behaviour_on: r.occurred_at.date(),
            complained_on: r.recorded_on,
            hate_related: r.hate_related,
            report_id: Some(r.id),
        })
        .collect()
}

/// Whether a victim's reports may meet a threshold today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// A rule of the procedure is met: the victim may be entitled to a case review.
    pub may_be_entitled: bool,
    /// The procedure the reports were checked against.
    pub rules_version: String,
    /// One sentence, naming the rule met or the number of qualifying incidents.
    pub summary: String,
    /// The reports checked (the victim's reports recorded in the application window).
    pub reports: Vec<i64>,
    /// The reports that count towards the threshold (one per incident).
    pub qualifying_reports: Vec<i64>,
    pub evaluation: Evaluation,
}

/// Checks a victim's reports as if they applied for a case review `today`.
/// Reports recorded after `today` are not complaints yet and are left out.
pub fn detect(procedure: &Procedure, reports: &[StoredReport], today: NaiveDate) -> Detection {
    let mut reports: Vec<StoredReport> = reports.iter().filter(|r| r.recorded_on <= today).cloned().collect();
    reports.sort_by_key(|r| (r.recorded_on, r.id));
    let complaints = complaints_from_reports(&reports);
    let evaluation = evaluate(
        procedure,
        &ThresholdInput { received_on: today, complaints: &complaints, vulnerable: false, discretion: None },
    );
    let qualifying_reports = evaluation
        .complaints
        .iter()
        .filter(|v| v.counts)
        .filter_map(|v| reports.get(v.number - 1).map(|r| r.id))
        .collect();
    Detection {
        may_be_entitled: evaluation.met,
        rules_version: evaluation.procedure_version.clone(),
        summary: evaluation.summary(),
        reports: reports.iter().map(|r| r.id).collect(),
        qualifying_reports,
        evaluation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn report(id: i64, agency: &str, occurred: &str, recorded: &str, place: &str) -> StoredReport {
        StoredReport {
            id,
            agency: agency.into(),
            complainant: "Jane Smith".into(),
            occurred_at: d(occurred).and_hms_opt(21, 30, 0).unwrap(),
            recorded_on: d(recorded),
            hate_related: false,
            location: place.into(),
            location_key: String::new(),
        }
    }

    fn national() -> Procedure {
        Procedure::national_default()
    }

    #[test]
    fn rows_come_from_the_report() {
        let mut r = report(7, "Luton Borough Council", "2026-03-01", "2026-03-02", "12 High Street");
        r.hate_related = true;
        let c = &complaints_from_reports(&[r])[0];
        assert_eq!(c.agency, "Luton Borough Council");
        assert_eq!(c.complainant, "Jane Smith");
        assert_eq!(c.incident, "ASB report 7");
        assert_eq!((c.behaviour_on, c.complained_on), (d("2026-03-01"), d("2026-03-02")));
        assert!(c.hate_related);
        assert_eq!(c.report_id, Some(7));
    }

    #[test]
    fn three_reports_in_six_months_may_meet_the_national_threshold() {
        let rs = [
            report(1, "Police", "2026-01-10", "2026-01-10", "12 High Street"),
            report(2, "Council", "2026-02-10", "2026-02-11", "12 High Street"),
            report(3, "Police", "2026-03-10", "2026-03-10", "12 High Street"),
        ];
        let x = detect(&national(), &rs, d("2026-03-10"));
        assert!(x.may_be_entitled, "{x:?}");
        assert_eq!(x.rules_version, national().version);
        assert_eq!(x.qualifying_reports, [1, 2, 3]);
        assert!(x.summary.starts_with("Threshold met"));
        assert!(!detect(&national(), &rs[..2], d("2026-03-10")).may_be_entitled, "two are not enough");
    }

    #[test]
    fn six_months_from_the_complaint_inclusive() {
        let rs = [
            report(1, "Police", "2026-01-10", "2026-01-10", "12 High Street"),
            report(2, "Council", "2026-02-10", "2026-02-11", "12 High Street"),
            report(3, "Police", "2026-03-10", "2026-03-10", "12 High Street"),
        ];
        // 10 July is 6 months after 10 January: report 1 still counts.
        assert!(detect(&national(), &rs, d("2026-07-10")).may_be_entitled);
        // A day later it does not, and two incidents remain.
        let x = detect(&national(), &rs, d("2026-07-11"));
        assert!(!x.may_be_entitled);
        assert_eq!(x.qualifying_reports, [2, 3]);
        assert!(x.evaluation.complaints[0].reason.contains("more than 6 months before"));
    }

    #[test]
    fn one_month_from_the_behaviour_inclusive() {
        let on_time = [
            report(1, "Police", "2026-01-15", "2026-02-15", "12 High Street"),
            report(2, "Council", "2026-02-20", "2026-02-20", "12 High Street"),
            report(3, "Police", "2026-03-01", "2026-03-01", "12 High Street"),
        ];
        assert!(detect(&national(), &on_time, d("2026-03-02")).may_be_entitled);
        let mut late = on_time.clone();
        late[0].recorded_on = d("2026-02-16");
        let x = detect(&national(), &late, d("2026-03-02"));
        assert!(!x.may_be_entitled);
        assert!(x.evaluation.complaints[0].reason.contains("more than 1 month after the behaviour"));
        // From 31 January one month runs to 28 February.
        let mut end = on_time.clone();
        end[0].occurred_at = d("2026-01-31").and_hms_opt(23, 0, 0).unwrap();
        end[0].recorded_on = d("2026-02-28");
        assert!(detect(&national(), &end, d("2026-03-02")).may_be_entitled);
    }

    #[test]
    fn one_incident_told_to_two_agencies_counts_once() {
        let rs = [
            report(1, "Police", "2026-01-10", "2026-01-10", "12 High Street"),
            report(2, "Council", "2026-01-10", "2026-01-12", "12, High Street"),
            report(3, "Police", "2026-03-10", "2026-03-10", "12 High Street"),
        ];
        let x = detect(&national(), &rs, d("2026-03-10"));
        assert!(!x.may_be_entitled, "three reports but two incidents");
        assert_eq!(x.qualifying_reports, [1, 3]);
        assert!(x.evaluation.complaints[1].reason.contains("Counted once with complaint 1"));
        let rows = complaints_from_reports(&rs);
        assert_eq!(rows[1].incident, "ASB report 1");
        // The same place on another day is another incident.
        let mut other_day = rs.clone();
        other_day[1].occurred_at = d("2026-01-11").and_hms_opt(9, 0, 0).unwrap();
        assert!(detect(&national(), &other_day, d("2026-03-10")).may_be_entitled);
        // A normalised address decides the place when there is one.
        let mut keyed = rs.clone();
        keyed[0].location_key = "12 high street lu1 1aa".into();
        keyed[1].location_key = "12 high street lu1 1aa".into();
        keyed[1].location = "Outside number 12".into();
        assert!(!detect(&national(), &keyed, d("2026-03-10")).may_be_entitled);
    }

    #[test]
    fn reports_after_today_are_not_yet_complaints() {
        let rs = [
            report(1, "Police", "2026-01-10", "2026-01-10", "a"),
            report(2, "Police", "2026-01-11", "2026-01-11", "b"),
            report(3, "Police", "2026-01-12", "2026-03-12", "c"),
        ];
        let x = detect(&national(), &rs, d("2026-01-12"));
        assert_eq!(x.reports, [1, 2]);
    }
}
