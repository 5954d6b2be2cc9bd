//! Anti-social behaviour casework: each action once, for the pages, the
//! JSON API and Open311 alike. Each takes what a person typed (or a program
//! sent) as text, checks it with `peel_core::asb`, and has the store check
//! the viewer's reach and write the change with its audit entry. A refusal
//! or a problem with the input changes nothing.

use std::collections::BTreeMap;

use peel_core::asb::standards::NewContact;
use peel_core::asb::tools::RawToolUse;
use peel_core::asb::{Assessment, ClosureOutcome, NewAction, NewClosure, Problems, RawReport, Reassignment, RuleSet};
use peel_core::open311::RawRequest;
use peel_store::Store;
use peel_store::asb::{AsbError, ReportView, RiskView, Viewer};

/// A partnership given as `force/csp`, or why it is not one.
pub fn partnership(given: &str) -> Result<(&str, &str), Problems> {
    given.trim().split_once('/').filter(|(f, c)| !f.is_empty() && !c.is_empty()).ok_or_else(|| {
        Problems::one(
            "csp",
            "Choose a community safety partnership, given as force/partnership, like bedfordshire/luton.",
        )
    })
}

/// Records a report as typed (repeat victims judged by the current rules).
pub async fn record_report(store: &Store, v: &Viewer<'_>, raw: &RawReport) -> Result<ReportView, AsbError> {
    let checked = raw.check(v.at)?;
    store.asb().record_asb_report(&checked, v).await
}

/// Records a report sent through Open311 (GeoReport v2): the form is read
/// as a report and checked as one typed on the page would be, then stored
/// with the `token` by which the sender can follow it.
pub async fn record_open311_report(
    store: &Store,
    v: &Viewer<'_>,
    form: &[(String, String)],
    token: &str,
) -> Result<(ReportView, Option<String>), AsbError> {
    let report = RawRequest::from_form(form).to_report(v.at).and_then(|r| r.check(v.at))?;
    store.open311().record_open311_report(&report, token, v).await
}

/// Scores a report's risk from yes/no answers with the current rules.
pub async fn assess_risk(
    store: &Store,
    v: &Viewer<'_>,
    report_id: i64,
    answers: &BTreeMap<String, bool>,
) -> Result<(Assessment, RiskView, RuleSet), AsbError> {
    store.asb().assess_asb_risk(report_id, answers, v).await
}

/// Opens a case holding `report_ids`, handled under the partnership `csp`
/// (`force/csp`; empty for none).
pub async fn open_case(
    store: &Store,
    v: &Viewer<'_>,
    title: &str,
    report_ids: &[i64],
    csp: &str,
) -> Result<i64, AsbError> {
    let csp = if csp.trim().is_empty() { None } else { Some(partnership(csp)?) };
    store.asb().create_asb_case_under(title, report_ids, csp, v).await
}

/// A number the form must carry, or the problem naming its `field`.
fn given(value: Option<i64>, field: &str, message: &str) -> Result<i64, AsbError> {
    value.ok_or_else(|| Problems::one(field, message).into())
}

/// Adds a stored report to a case.
pub async fn link_report(store: &Store, v: &Viewer<'_>, case_id: i64, report_id: Option<i64>) -> Result<(), AsbError> {
    let report_id = given(report_id, "report_id", "Enter the report's number, like 12.")?;
    store.asb().link_asb_report(case_id, report_id, v).await
}

/// Shares a case with an organisation; whether it was newly shared.
pub async fn share(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    organisation_id: Option<i64>,
) -> Result<bool, AsbError> {
    let org = given(organisation_id, "organisation_id", "Choose the organisation to share the case with.")?;
    store.asb().share_asb_case(case_id, org, v).await
}

/// Stops sharing a case with an organisation; whether it had been shared.
pub async fn unshare(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    organisation_id: Option<i64>,
) -> Result<bool, AsbError> {
    let org = given(organisation_id, "organisation_id", "Choose the organisation to stop sharing with.")?;
    store.asb().unshare_asb_case(case_id, org, v).await
}

/// Records an action taken on a case; the action's id.
pub async fn add_action(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    kind: &str,
    taken_on: &str,
    description: &str,
) -> Result<i64, AsbError> {
    let action = NewAction::check(kind, taken_on, description, v.at.date_naive())?;
    store.asb().add_asb_action(case_id, &action, v).await
}

/// Records a tool or power used on a case; its id and the date it is to be
/// reviewed by.
pub async fn add_tool(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    raw: &RawToolUse,
) -> Result<(i64, chrono::NaiveDate), AsbError> {
    let t = raw.check(v.at.date_naive())?;
    let id = store.asb().add_asb_tool(case_id, &t, v).await?;
    Ok((id, t.review_on))
}

/// Closes a case with its outcome; the outcome recorded.
pub async fn close(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    outcome: &str,
    notes: &str,
) -> Result<ClosureOutcome, AsbError> {
    let c = NewClosure::check(outcome, notes)?;
    store.asb().close_asb_case(case_id, &c, v).await?;
    Ok(c.outcome)
}

/// Hands a case to another caseworker of an organisation that holds it.
pub async fn reassign(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    user_id: Option<i64>,
    organisation_id: Option<i64>,
    reason: &str,
) -> Result<(), AsbError> {
    let r = Reassignment::check(user_id, organisation_id, reason)?;
    store.asb().reassign_asb_case(case_id, &r, v).await
}

/// Reopens a closed case, saying why.
pub async fn reopen(store: &Store, v: &Viewer<'_>, case_id: i64, reason: &str) -> Result<(), AsbError> {
    store.asb().reopen_asb_case(case_id, reason, v).await
}

/// Records a contact with, or update to, the victim; its id.
pub async fn record_contact(
    store: &Store,
    v: &Viewer<'_>,
    case_id: i64,
    contacted_at: &str,
    method: &str,
    note: &str,
) -> Result<i64, AsbError> {
    let c = NewContact::check(contacted_at, method, note, v.at)?;
    store.asb().record_victim_contact(case_id, &c, v).await
}

/// Gives a case opened without a partnership its partnership (`force/csp`).
pub async fn set_partnership(store: &Store, v: &Viewer<'_>, case_id: i64, csp: &str) -> Result<(), AsbError> {
    let (force, csp) = partnership(csp)?;
    store.asb().set_asb_case_csp(case_id, force, csp, v).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partnerships_are_force_slash_csp() {
        assert_eq!(partnership(" bedfordshire/luton ").unwrap(), ("bedfordshire", "luton"));
        for bad in ["", "luton", "/luton", "bedfordshire/"] {
            assert_eq!(partnership(bad).unwrap_err().0[0].field, "csp", "{bad:?}");
        }
    }
}
