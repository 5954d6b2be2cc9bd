//! Cases: actions, closure with an outcome, and who may see which fields.

use chrono::NaiveDate;

use super::{Problems, parse_date, slugged, text};
use crate::access::Role;

slugged! {
    CaseStatus, "a case status" {
        Open => "open", "Open";
        Closed => "closed", "Closed";
    }
}

slugged! {
    /// What was done on a case (tools and powers are recorded apart, with review dates).
    ActionKind, "the kind of action" {
        ContactVictim => "contact-victim", "Contacted the victim";
        Visit => "visit", "Visit";
        Letter => "letter", "Letter";
        Referral => "referral", "Referral to another service";
        MultiAgencyReview => "multi-agency-review", "Multi-agency review held";
        ToolReview => "tool-review", "Tools and powers reviewed";
        Meeting => "meeting", "Meeting";
        Note => "note", "Note";
    }
}

slugged! {
    ClosureOutcome, "the outcome" {
        Resolved => "resolved", "Resolved: the behaviour has stopped";
        Improved => "improved", "Improved: the victim is satisfied";
        ReferredElsewhere => "referred-elsewhere", "Passed to another agency";
        InsufficientEvidence => "insufficient-evidence", "Not enough evidence to act";
        VictimWithdrew => "victim-withdrew", "The victim withdrew";
        NoContact => "no-contact", "Could not contact the victim";
        NoFurtherAction => "no-further-action", "No further action";
    }
}

/// Checks a case's title: a short line saying what the case is about.
pub fn check_title(title: &str) -> Result<String, Problems> {
    text(title, "title", "a title for the case", true, 200, false).map_err(|e| Problems(vec![e]))
}

/// Most reports one request may put into a case.
pub const MAX_REPORTS_PER_REQUEST: usize = 50;

/// A checked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub kind: ActionKind,
    pub taken_on: NaiveDate,
    pub description: String,
}

impl NewAction {
    pub fn check(kind: &str, taken_on: &str, description: &str, today: NaiveDate) -> Result<NewAction, Problems> {
        let mut p = Vec::new();
        let kind = ActionKind::parse(kind, "kind").map_err(|e| p.push(e)).ok();
        let taken_on = parse_date(taken_on, "taken_on", "the date of the action").map_err(|e| p.push(e)).ok();
        if taken_on.is_some_and(|d| d > today) {
            p.push(super::Invalid::new("taken_on", "The date of the action cannot be in the future."));
        }
        let description =
            text(description, "description", "what was done", true, 4000, true).map_err(|e| p.push(e)).ok();
        match (kind, taken_on, description) {
            (Some(kind), Some(taken_on), Some(description)) if p.is_empty() => {
                Ok(NewAction { kind, taken_on, description })
            }
            _ => Err(Problems(p)),
        }
    }
}

/// A checked closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClosure {
    pub outcome: ClosureOutcome,
    pub notes: String,
}

impl NewClosure {
    pub fn check(outcome: &str, notes: &str) -> Result<NewClosure, Problems> {
        let mut p = Vec::new();
        let outcome = ClosureOutcome::parse(outcome, "outcome").map_err(|e| p.push(e)).ok();
        let notes = text(notes, "notes", "why the case is being closed", true, 4000, true).map_err(|e| p.push(e)).ok();
        match (outcome, notes) {
            (Some(outcome), Some(notes)) if p.is_empty() => Ok(NewClosure { outcome, notes }),
            _ => Err(Problems(p)),
        }
    }
}

/// How much of a case someone may see.
///
/// Everyone who may see a case sees what happened, where, the victims'
/// names and addresses, the risk band and the work done. Only staff of the
/// owning organisation, other than partner caseworkers, also see who
/// reported it, anyone's phone number and email address, and the risk
/// answers: a partner needs to support the victim and act, not to contact
/// the reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldAccess {
    Full,
    Restricted,
}

impl FieldAccess {
    pub fn for_viewer(role: Role, viewer_org: i64, owner_org: i64) -> FieldAccess {
        if role == Role::PartnerCaseworker || viewer_org != owner_org {
            FieldAccess::Restricted
        } else {
            FieldAccess::Full
        }
    }

    pub fn is_full(self) -> bool {
        self == FieldAccess::Full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn actions() {
        let today = d("2026-09-01");
        let a = NewAction::check("visit", "2026-09-01", " Visited ", today).unwrap();
        assert_eq!((a.kind, a.description.as_str()), (ActionKind::Visit, "Visited"));
        let e = NewAction::check("dance", "2026-09-02", "", today).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["kind", "taken_on", "description"]);
    }

    #[test]
    fn closures() {
        assert_eq!(NewClosure::check("resolved", "Stopped").unwrap().outcome, ClosureOutcome::Resolved);
        assert_eq!(NewClosure::check("resolved", " ").unwrap_err().0[0].field, "notes");
        assert_eq!(NewClosure::check("fixed", "x").unwrap_err().0[0].field, "outcome");
    }

    #[test]
    fn field_access() {
        assert_eq!(FieldAccess::for_viewer(Role::Officer, 1, 1), FieldAccess::Full);
        assert_eq!(FieldAccess::for_viewer(Role::AsbCoordinator, 1, 1), FieldAccess::Full);
        assert_eq!(FieldAccess::for_viewer(Role::PartnerCaseworker, 1, 1), FieldAccess::Restricted);
        assert_eq!(FieldAccess::for_viewer(Role::Officer, 2, 1), FieldAccess::Restricted, "a shared case");
    }
}
