//! Community Trigger case reviews in the back office: record an
//! application, see the threshold decision with its reasons and what is due,
//! and record each step. Pages under `/asb/case-reviews`, JSON under
//! `/api/v1/asb/…`; every route needs [`Permission::RunCaseReviews`].
//!
//! Handlers parse, call `peel_store` (which checks the rules of
//! `peel_core::trigger` and writes the audit entries) and render.
//!
//! [`Permission::RunCaseReviews`]: peel_core::access::Permission::RunCaseReviews

pub mod api;
mod form;
pub mod pages;
mod view;

use chrono::NaiveDate;
use peel_store::By;
use peel_store::asb::Viewer;

use super::Backoffice;
use super::auth::Authed;

/// The lawful purpose recorded with every read and change.
pub const PURPOSE: &str = "ASB case review (Anti-social Behaviour, Crime and Policing Act 2014 s104)";

fn by<'a>(a: &'a Authed, bo: &Backoffice) -> By<'a> {
    a.by(PURPOSE, bo.now())
}

/// Today in the back office's clock (UTC).
fn today(bo: &Backoffice) -> NaiveDate {
    bo.now().date_naive()
}

/// The viewer of ASB reports an application cites, with the case review's purpose.
fn report_viewer<'a>(a: &'a Authed, bo: &Backoffice) -> Viewer<'a> {
    a.viewer(PURPOSE, bo.now())
}
