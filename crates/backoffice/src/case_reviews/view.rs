//! A stored case review as pages and the API show it: plain-English dates
//! and statuses, what is due and what is overdue.

use chrono::NaiveDate;
use peel_core::trigger::evaluate::long_date;
use peel_core::trigger::{BankHolidays, DueItem, Status, Step, schedule};
use peel_store::CaseReview;
use serde_json::{Value, json};

/// Each step's due date and standing, or why they cannot be worked out.
pub fn due(r: &CaseReview, today: NaiveDate) -> Result<Vec<DueItem>, String> {
    let holidays = BankHolidays::england_and_wales().map_err(|e| e.to_string())?;
    schedule(&r.procedure.procedure, &r.timeline(), today, holidays).map_err(|e| e.to_string())
}

pub fn status_text(s: &Status) -> String {
    match s {
        Status::Done { on, late: false } => format!("Done on {}", long_date(*on)),
        Status::Done { on, late: true } => format!("Done late, on {}", long_date(*on)),
        Status::Due { on } => format!("Due by {}", long_date(*on)),
        Status::Overdue { on } => format!("Overdue: it was due by {}", long_date(*on)),
        Status::Waiting => "Waits for an earlier step".into(),
        Status::NotNeeded => "Not needed".into(),
    }
}

/// The threshold in one sentence: the decision if made, else the rules' answer.
pub fn threshold_text(r: &CaseReview) -> String {
    match &r.decision {
        Some(d) if d.threshold_met => format!("Threshold met (decided {})", long_date(d.decided_on)),
        Some(d) if r.appeal_upheld() => {
            format!("Threshold met on appeal (first decided not met, {})", long_date(d.decided_on))
        }
        Some(d) => format!("Threshold not met (decided {})", long_date(d.decided_on)),
        None => format!("Not decided yet. The rules say: {}", r.evaluation.summary()),
    }
}

/// The first step due or overdue, for lists: (text, overdue).
pub fn next_due(items: &[DueItem]) -> Option<(String, bool)> {
    items.iter().find_map(|i| match i.status {
        Status::Overdue { .. } => Some((format!("{}: {}", i.label, status_text(&i.status)), true)),
        Status::Due { .. } => Some((format!("{}: {}", i.label, status_text(&i.status)), false)),
        _ => None,
    })
}

pub fn step_label(s: Step) -> &'static str {
    match s {
        Step::Acknowledged => "Application acknowledged",
        Step::Decided => "Threshold decided",
        Step::Meeting => "Review meeting held",
        Step::Recommendations => "Recommendations made",
        Step::AppealLodged => "Appeal received",
        Step::AppealDecided => "Appeal decided",
    }
}

/// The whole review as JSON, for the API (personal data: audited by the caller).
pub fn review_json(r: &CaseReview, today: NaiveDate) -> Value {
    let a = &r.application;
    let (due, due_problem) = match due(r, today) {
        Ok(items) => (serde_json::to_value(items).unwrap_or(Value::Null), None),
        Err(e) => (Value::Null, Some(e)),
    };
    json!({
        "id": r.id,
        "csp": { "force": r.force_id, "id": r.csp_id, "name": r.csp_name },
        "procedure_version": r.procedure.procedure.version,
        "received_on": a.received_on,
        "applicant": { "name": a.applicant_name, "contact": a.applicant_contact },
        "on_behalf_of": a.on_behalf_of,
        "consent": a.consent,
        "summary": a.summary,
        "vulnerable": a.vulnerable,
        "discretion": a.discretion,
        "complaints": a.complaints,
        "evaluation": r.evaluation,
        "decision": r.decision.as_ref().map(|d| json!({
            "decided_on": d.decided_on,
            "threshold_met": d.threshold_met,
            "met_by": d.met_by,
            "procedure_version": d.procedure_version,
            "reason": d.reason,
            "recorded_by": d.recorded_by,
        })),
        "appeal_upheld": r.appeal_upheld(),
        "steps": r.steps.iter().map(|s| json!({
            "step": s.step.slug(),
            "on": s.on,
            "outcome": s.outcome,
            "notes": s.notes,
            "recorded_by": s.recorded_by,
        })).collect::<Vec<_>>(),
        "recommendations": r.recommendations,
        "due": due,
        "due_problem": due_problem,
        "created_at": r.created_at,
    })
}
