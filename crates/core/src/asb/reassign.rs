//! Handing a case to another owner, and reopening a closed one.
//!
//! Both change who answers for a case or whether work goes on, so both need
//! a reason, written to the case's timeline for whoever picks it up next.

use super::{Invalid, Problems, text};
use crate::access::{Permission, Role};

/// A checked request to give a case a new owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassignment {
    pub user_id: i64,
    /// When given, the organisation the person must belong to: a guard
    /// against handing a case to the wrong organisation by a slip of the id.
    pub organisation_id: Option<i64>,
    pub reason: String,
}

/// Checks a reason for a change to a case.
pub fn check_reason(reason: &str, field: &str, what: &str) -> Result<String, Invalid> {
    text(reason, field, what, true, 2000, true)
}

impl Reassignment {
    pub fn check(user_id: Option<i64>, organisation_id: Option<i64>, reason: &str) -> Result<Reassignment, Problems> {
        let mut p = Vec::new();
        let user_id = user_id.filter(|id| *id > 0);
        if user_id.is_none() {
            p.push(Invalid::new("user_id", "Choose the person who will own the case."));
        }
        let reason = check_reason(reason, "reason", "why the case is changing hands").map_err(|e| p.push(e)).ok();
        match (user_id, reason) {
            (Some(user_id), Some(reason)) if p.is_empty() => Ok(Reassignment { user_id, organisation_id, reason }),
            _ => Err(Problems(p)),
        }
    }
}

/// Whether someone in `role` may own a case: the owner works it, so they
/// need the permission to change cases.
pub fn may_own(role: Role) -> bool {
    Permission::ManageCases.roles().contains(&role)
}

/// Checks the reason for reopening a closed case.
pub fn check_reopening(reason: &str) -> Result<String, Problems> {
    check_reason(reason, "reason", "why the case is being reopened").map_err(|e| Problems(vec![e]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reassignment_needs_a_person_and_a_reason() {
        let ok = Reassignment::check(Some(4), None, "  Moving to the council's team ").unwrap();
        assert_eq!((ok.user_id, ok.reason.as_str()), (4, "Moving to the council's team"));
        let fields =
            |r: Result<Reassignment, Problems>| r.unwrap_err().0.into_iter().map(|p| p.field).collect::<Vec<_>>();
        assert_eq!(fields(Reassignment::check(None, None, "")), ["user_id", "reason"]);
        assert_eq!(fields(Reassignment::check(Some(0), Some(2), "why")), ["user_id"]);
        assert_eq!(fields(Reassignment::check(Some(1), None, &"x".repeat(2001))), ["reason"]);
    }

    #[test]
    fn only_caseworking_roles_may_own() {
        assert!(may_own(Role::Officer) && may_own(Role::PartnerCaseworker) && may_own(Role::AsbCoordinator));
        assert!(!may_own(Role::CallHandler) && !may_own(Role::Auditor) && !may_own(Role::Administrator));
    }

    #[test]
    fn reopening_needs_a_reason() {
        assert_eq!(check_reopening(" New reports since closure ").unwrap(), "New reports since closure");
        assert_eq!(check_reopening(" ").unwrap_err().0[0].field, "reason");
    }
}
