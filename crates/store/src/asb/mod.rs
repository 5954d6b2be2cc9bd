//! Anti-social behaviour casework: reports, cases, risk assessments and the
//! rule sets behind them.
//!
//! Each write is one transaction with its audit entry. Each read of personal
//! data takes a [`Viewer`] (who, with what purpose) and writes its audit
//! entry before the data is returned; a viewer only reaches reports and
//! cases their organisation owns or was given, and partners get the
//! restricted view ([`FieldAccess`]).

mod case_review_links;
mod cases;
mod ownership;
mod reports;
mod rules;
mod standards;

use chrono::{DateTime, Utc};
use peel_core::access::{Caller, Refusal, Role};
use peel_core::asb::{FieldAccess, Problems};

use crate::StoreError;
use crate::audit::By;

pub use case_review_links::CaseReviewCheck;
pub use cases::{ActionView, CaseSummary, CaseView, DueReview, EventView, ShareView, ToolView};
pub use ownership::OwnerCandidate;
pub use reports::{PersonView, ReportSummary, ReportView, RiskView};
pub use rules::RuleSetRecord;
pub use standards::{AppliedStandards, CaseService, ContactView, DueCase, StoredStandards};

/// Who is reading or changing casework, why, and when: always a person's
/// account (casework belongs to organisations), never the command line.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub caller: &'a Caller,
    pub user_id: i64,
    pub org_id: i64,
    pub role: Role,
    /// The audit log's name for them (`user:<email>`).
    pub actor: &'a str,
    /// Why: recorded with every read and change.
    pub purpose: &'a str,
    pub at: DateTime<Utc>,
}

impl<'a> Viewer<'a> {
    /// The viewer `caller` is, for `purpose`; refused for the command line,
    /// which holds no organisation's casework.
    pub fn new(caller: &'a Caller, purpose: &'a str, at: DateTime<Utc>) -> Result<Viewer<'a>, Refusal> {
        let a = caller.account().ok_or_else(|| {
            Refusal("casework is read and changed by a person of an organisation, not from the command line".into())
        })?;
        Ok(Viewer {
            caller,
            user_id: a.user_id,
            org_id: a.organisation_id,
            role: a.role,
            actor: a.actor(),
            purpose,
            at,
        })
    }

    /// The same person making a change, for the same purpose.
    pub fn by(&self) -> By<'a> {
        By { caller: self.caller, purpose: self.purpose, at: self.at }
    }

    pub(crate) fn access(&self, owner_org: i64) -> FieldAccess {
        FieldAccess::for_viewer(self.role, self.org_id, owner_org)
    }
}

/// Why a casework operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AsbError {
    /// Bad input; nothing was stored.
    #[error(transparent)]
    Invalid(#[from] Problems),
    #[error("{0} was not found")]
    NotFound(String),
    /// It exists, but is not owned by or shared with the viewer's organisation
    /// (or only its owner may do this).
    #[error("{0}")]
    NotShared(String),
    /// The change conflicts with the record's state (a closed case, a report
    /// already in another case, a rule-set version already used).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AsbError {
    /// A refusal by role or reach, answered as one by ownership (403).
    pub fn refused(e: StoreError) -> AsbError {
        match e {
            StoreError::Refused(r) => AsbError::NotShared(r.0),
            e => AsbError::Store(e),
        }
    }
}

/// A refusal by role or reach is answered as one by ownership: 403.
impl From<Refusal> for AsbError {
    fn from(r: Refusal) -> AsbError {
        AsbError::NotShared(r.0)
    }
}

impl From<sqlx::Error> for AsbError {
    fn from(e: sqlx::Error) -> AsbError {
        AsbError::Store(StoreError::Sqlx(e))
    }
}

impl From<serde_json::Error> for AsbError {
    fn from(e: serde_json::Error) -> AsbError {
        AsbError::Store(StoreError::Corrupt(e.to_string()))
    }
}

/// SQL: the case `c` is owned by or shared with organisation `$1`.
pub(crate) const CASE_VISIBLE: &str = "(c.owner_org_id = $1 OR EXISTS (SELECT 1 FROM asb_case_shares s \
     WHERE s.case_id = c.id AND s.organisation_id = $1))";

/// SQL: the report `r` was recorded by organisation `$1`, or is in a case visible to it.
pub(crate) const REPORT_VISIBLE: &str = "(r.recorded_by_org_id = $1 OR EXISTS (SELECT 1 FROM asb_cases c \
     WHERE c.id = r.case_id AND (c.owner_org_id = $1 OR EXISTS (SELECT 1 FROM asb_case_shares s \
     WHERE s.case_id = c.id AND s.organisation_id = $1))))";
