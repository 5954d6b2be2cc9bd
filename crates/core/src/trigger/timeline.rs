//! The steps of a case review, in order, and when each is due.
//!
//! Received → acknowledged → threshold decided → (if met) review meeting →
//! recommendations; where the local procedure allows it, an applicant may
//! appeal a decision. Each step is recorded once, never before the step it
//! follows, and never in the future. Due dates come from the procedure's
//! deadlines, counted in working days (England and Wales) or calendar days.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::calendar::{BankHolidays, CalendarError};
use super::evaluate::long_date;
use super::procedure::{Period, Procedure, Start, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Acknowledged,
    Decided,
    Meeting,
    Recommendations,
    AppealLodged,
    AppealDecided,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Acknowledged,
        Step::Decided,
        Step::Meeting,
        Step::Recommendations,
        Step::AppealLodged,
        Step::AppealDecided,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Step::Acknowledged => "acknowledged",
            Step::Decided => "decided",
            Step::Meeting => "meeting",
            Step::Recommendations => "recommendations",
            Step::AppealLodged => "appeal-lodged",
            Step::AppealDecided => "appeal-decided",
        }
    }

    pub fn from_slug(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.slug() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Acknowledged => "Acknowledge the application",
            Step::Decided => "Decide whether the threshold is met",
            Step::Meeting => "Hold the review meeting",
            Step::Recommendations => "Make recommendations",
            Step::AppealLodged => "Appeal received",
            Step::AppealDecided => "Decide the appeal",
        }
    }
}

/// A review's recommendation and the body it is made to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    pub recipient: String,
    pub action: String,
}

/// What has happened so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub received: Option<NaiveDate>,
    pub acknowledged: Option<NaiveDate>,
    pub decided: Option<NaiveDate>,
    /// The decision: was the threshold met?
    pub threshold_met: Option<bool>,
    pub meeting: Option<NaiveDate>,
    pub recommendations: Option<NaiveDate>,
    pub appeal_lodged: Option<NaiveDate>,
    pub appeal_decided: Option<NaiveDate>,
}

/// Why a step cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("this was already recorded, on {0}")]
    AlreadyRecorded(String),
    #[error("record {0} first")]
    NeedsEarlier(&'static str),
    #[error("the date cannot be before {what} ({on})")]
    TooEarly { what: &'static str, on: String },
    #[error("the date cannot be in the future")]
    Future,
    #[error("the threshold was not met, so there is no review meeting or recommendations")]
    NoReview,
    #[error("this partnership's procedure has no appeal")]
    NoAppeal,
}

impl Timeline {
    pub fn date(&self, step: Step) -> Option<NaiveDate> {
        match step {
            Step::Acknowledged => self.acknowledged,
            Step::Decided => self.decided,
            Step::Meeting => self.meeting,
            Step::Recommendations => self.recommendations,
            Step::AppealLodged => self.appeal_lodged,
            Step::AppealDecided => self.appeal_decided,
        }
    }

    fn start(&self, s: Start) -> Option<NaiveDate> {
        match s {
            Start::Received => self.received,
            Start::Acknowledged => self.acknowledged,
            Start::Decided => self.decided,
            Start::Meeting => self.meeting,
            Start::AppealLodged => self.appeal_lodged,
        }
    }

    /// Checks that `step` may be recorded as happening `on`, given what has
    /// happened so far. `today` is the last date allowed.
    pub fn check(&self, procedure: &Procedure, step: Step, on: NaiveDate, today: NaiveDate) -> Result<(), StepError> {
        if let Some(done) = self.date(step) {
            return Err(StepError::AlreadyRecorded(long_date(done)));
        }
        if on > today {
            return Err(StepError::Future);
        }
        let after = |what: &'static str, earlier: Option<NaiveDate>| -> Result<(), StepError> {
            match earlier {
                None => Err(StepError::NeedsEarlier(what)),
                Some(e) if on < e => Err(StepError::TooEarly { what, on: long_date(e) }),
                Some(_) => Ok(()),
            }
        };
        match step {
            Step::Acknowledged => after("the date the application was received", self.received),
            Step::Decided => after("the acknowledgement", self.acknowledged),
            Step::Meeting => {
                after("the threshold decision", self.decided)?;
                if self.threshold_met == Some(false) {
                    return Err(StepError::NoReview);
                }
                Ok(())
            }
            Step::Recommendations => {
                if self.threshold_met == Some(false) {
                    return Err(StepError::NoReview);
                }
                after("the review meeting", self.meeting)
            }
            Step::AppealLodged => {
                if !procedure.has_appeal() {
                    return Err(StepError::NoAppeal);
                }
                after("the threshold decision", self.decided)
            }
            Step::AppealDecided => {
                if !procedure.has_appeal() {
                    return Err(StepError::NoAppeal);
                }
                after("the appeal", self.appeal_lodged)
            }
        }
    }
}

/// Where a step stands today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    /// Done; `late` when after its due date.
    Done { on: NaiveDate, late: bool },
    /// Due on `on` (today or later).
    Due { on: NaiveDate },
    /// Was due on `on`, not yet done.
    Overdue { on: NaiveDate },
    /// Waits for an earlier step, so no date yet.
    Waiting,
    /// Not needed (the threshold was not met; no appeal was made).
    NotNeeded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueItem {
    pub step: Step,
    pub label: &'static str,
    /// "10 working days after the application was received".
    pub rule: String,
    pub due: Option<NaiveDate>,
    #[serde(flatten)]
    pub status: Status,
}

/// The date `period` ends, counted from `start`.
pub fn due_date(period: &Period, start: NaiveDate, holidays: &BankHolidays) -> Result<NaiveDate, CalendarError> {
    match period.unit {
        Unit::WorkingDays => holidays.add_working_days(start, period.within),
        Unit::CalendarDays => Ok(start.checked_add_days(Days::new(u64::from(period.within))).unwrap_or(start)),
    }
}

/// Each step's due date and standing on `today`.
pub fn schedule(
    procedure: &Procedure,
    t: &Timeline,
    today: NaiveDate,
    holidays: &BankHolidays,
) -> Result<Vec<DueItem>, CalendarError> {
    let d = &procedure.deadlines;
    let no_review = t.threshold_met == Some(false);
    let mut steps: Vec<(Step, Option<&Period>, bool)> = vec![
        (Step::Acknowledged, Some(&d.acknowledge), false),
        (Step::Decided, Some(&d.decide), false),
        (Step::Meeting, Some(&d.meeting), no_review),
        (Step::Recommendations, Some(&d.recommendations), no_review),
    ];
    if procedure.has_appeal() && t.appeal_lodged.is_some() {
        steps.push((Step::AppealDecided, procedure.appeal.as_ref(), false));
    }
    let mut out = Vec::new();
    for (step, period, not_needed) in steps {
        let Some(period) = period else { continue };
        let due = match t.start(period.from) {
            Some(start) => Some(due_date(period, start, holidays)?),
            None => None,
        };
        let status = match (t.date(step), due) {
            (Some(on), due) => Status::Done { on, late: due.is_some_and(|due| on > due) },
            (None, _) if not_needed => Status::NotNeeded,
            (None, Some(due)) if due < today => Status::Overdue { on: due },
            (None, Some(due)) => Status::Due { on: due },
            (None, None) => Status::Waiting,
        };
        out.push(DueItem { step, label: step.label(), rule: period.describe(), due, status });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn hol() -> &'static BankHolidays {
        BankHolidays::england_and_wales().unwrap()
    }

    fn received(on: &str) -> Timeline {
        Timeline { received: Some(d(on)), ..Timeline::default() }
    }

    #[test]
    fn national_due_dates_across_easter() {
        let p = Procedure::national_default();
        // Thursday 17 April 2025: Good Friday and Easter Monday follow.
        let items = schedule(&p, &received("2025-04-17"), d("2025-04-17"), hol()).unwrap();
        let due: Vec<_> = items.iter().map(|i| (i.step, i.due)).collect();
        assert_eq!(
            due,
            [
                (Step::Acknowledged, Some(d("2025-05-06"))),
                (Step::Decided, Some(d("2025-05-13"))),
                (Step::Meeting, Some(d("2025-05-20"))),
                (Step::Recommendations, Some(d("2025-06-11"))),
            ]
        );
        assert!(items.iter().all(|i| matches!(i.status, Status::Due { .. })));
    }

    #[test]
    fn overdue_done_late_and_waiting() {
        let p = Procedure::local_example();
        // Received Wed 23 Dec 2026: 3 working days skip Christmas and the
        // substitute Boxing Day, Mon 28 December.
        let mut t = received("2026-12-23");
        let items = schedule(&p, &t, d("2026-12-31"), hol()).unwrap();
        assert_eq!(items[0].due, Some(d("2026-12-30")));
        assert_eq!(items[0].status, Status::Overdue { on: d("2026-12-30") });
        // The meeting runs from the decision, which has not happened.
        assert_eq!(items[2].status, Status::Waiting);
        assert_eq!(items[2].due, None);
        t.acknowledged = Some(d("2026-12-31"));
        let items = schedule(&p, &t, d("2026-12-31"), hol()).unwrap();
        assert_eq!(items[0].status, Status::Done { on: d("2026-12-31"), late: true });
        t.decided = Some(d("2027-01-05"));
        t.threshold_met = Some(true);
        let items = schedule(&p, &t, d("2027-01-05"), hol()).unwrap();
        // 21 calendar days from the decision.
        assert_eq!(items[2].due, Some(d("2027-01-26")));
        assert_eq!(items[1].status, Status::Done { on: d("2027-01-05"), late: false });
    }

    #[test]
    fn no_review_steps_when_the_threshold_is_not_met() {
        let p = Procedure::national_default();
        let mut t = received("2025-06-02");
        t.acknowledged = Some(d("2025-06-03"));
        t.decided = Some(d("2025-06-04"));
        t.threshold_met = Some(false);
        let items = schedule(&p, &t, d("2025-12-01"), hol()).unwrap();
        assert_eq!(items[2].status, Status::NotNeeded);
        assert_eq!(items[3].status, Status::NotNeeded);
        assert_eq!(t.check(&p, Step::Meeting, d("2025-06-05"), d("2025-12-01")), Err(StepError::NoReview));
        assert_eq!(t.check(&p, Step::Recommendations, d("2025-06-05"), d("2025-12-01")), Err(StepError::NoReview));
        assert_eq!(t.check(&p, Step::AppealLodged, d("2025-06-05"), d("2025-12-01")), Err(StepError::NoAppeal));
    }

    #[test]
    fn steps_go_in_order_once_and_never_in_the_future() {
        let p = Procedure::local_example();
        let today = d("2025-07-01");
        let mut t = received("2025-06-02");
        assert_eq!(
            t.check(&p, Step::Decided, d("2025-06-03"), today),
            Err(StepError::NeedsEarlier("the acknowledgement"))
        );
        assert!(matches!(t.check(&p, Step::Acknowledged, d("2025-06-01"), today), Err(StepError::TooEarly { .. })));
        assert_eq!(t.check(&p, Step::Acknowledged, d("2025-07-02"), today), Err(StepError::Future));
        assert_eq!(t.check(&p, Step::Acknowledged, d("2025-06-02"), today), Ok(()), "same day is fine");
        t.acknowledged = Some(d("2025-06-02"));
        assert_eq!(
            t.check(&p, Step::Acknowledged, d("2025-06-03"), today),
            Err(StepError::AlreadyRecorded("2 June 2025".into()))
        );
        assert_eq!(
            t.check(&p, Step::Meeting, d("2025-06-03"), today),
            Err(StepError::NeedsEarlier("the threshold decision"))
        );
        t.decided = Some(d("2025-06-10"));
        t.threshold_met = Some(true);
        assert!(t.check(&p, Step::Meeting, d("2025-06-09"), today).is_err());
        assert_eq!(
            t.check(&p, Step::Recommendations, d("2025-06-20"), today),
            Err(StepError::NeedsEarlier("the review meeting"))
        );
        t.meeting = Some(d("2025-06-20"));
        assert_eq!(t.check(&p, Step::Recommendations, d("2025-06-20"), today), Ok(()));
        assert_eq!(
            t.check(&p, Step::AppealDecided, d("2025-06-20"), today),
            Err(StepError::NeedsEarlier("the appeal"))
        );
        assert_eq!(t.check(&p, Step::AppealLodged, d("2025-06-12"), today), Ok(()));
    }

    #[test]
    fn an_appeal_is_due_from_when_it_is_made() {
        let p = Procedure::local_example();
        let mut t = received("2025-06-02");
        t.acknowledged = Some(d("2025-06-02"));
        t.decided = Some(d("2025-06-05"));
        t.threshold_met = Some(false);
        t.appeal_lodged = Some(d("2025-06-06"));
        let items = schedule(&p, &t, d("2025-06-06"), hol()).unwrap();
        let appeal = items.iter().find(|i| i.step == Step::AppealDecided).unwrap();
        assert_eq!(appeal.due, Some(d("2025-06-27")), "15 working days");
        assert_eq!(appeal.rule, "15 working days after the appeal was made");
    }

    #[test]
    fn steps_have_stable_slugs() {
        for s in Step::ALL {
            assert_eq!(Step::from_slug(s.slug()), Some(s));
        }
        assert_eq!(Step::from_slug("party"), None);
    }
}
