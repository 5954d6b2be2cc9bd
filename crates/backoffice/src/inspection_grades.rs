//! `/admin/inspection-grades`: a force's administrators enter the grades
//! HMICFRS's PEEL inspections gave their force, copied from the published
//! report, so the public report card can show them beside peel's own. The
//! store checks the caller's role and force and audit-logs every change.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use peel_core::access::{Permission, Target};
use peel_core::report_card::inspection::{HMICFRS_GRADES, InspectionGrade};
use serde::Deserialize;

use super::auth::{Authed, Page, need, percent_encode};
use super::html::{FieldError, PageError};
use super::layout::{Chrome, render};
use crate::AppState;

const PATH: &str = "/admin/inspection-grades";
/// Why these changes are made, for the audit log.
const PURPOSE: &str = "publishing HMICFRS's grades beside the report card";

#[derive(Debug, Deserialize, Default)]
pub struct Scope {
    #[serde(default)]
    force: String,
    #[serde(default)]
    saved: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct GradeForm {
    #[serde(default)]
    force: String,
    #[serde(default)]
    inspection: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    published_on: String,
    #[serde(default)]
    source_url: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    force: String,
    #[serde(default)]
    inspection: String,
    #[serde(default)]
    question: String,
}

#[derive(Template)]
#[template(path = "inspection_grades.html")]
struct GradesPage<'a> {
    chrome: Chrome,
    force: String,
    force_name: String,
    force_options: Vec<(String, String)>,
    grades: Vec<InspectionGrade>,
    grade_options: Vec<(String, String)>,
    saved: &'a str,
    f: &'a GradeForm,
    errors: &'a [FieldError],
}

/// The forces whose grades this person may enter: their own.
fn own_forces(a: &Authed) -> Vec<(String, String)> {
    peel_core::force::FORCES
        .iter()
        .filter(|f| a.caller().authorise(Permission::RecordInspectionGrades, Target::Force(f.id)).is_ok())
        .map(|f| (f.id.to_string(), f.name.to_string()))
        .collect()
}

/// The force asked for if this person may enter its grades (a refusal is
/// audit-logged by the store's check), else their own.
async fn chosen(state: &AppState, a: &Authed, at: DateTime<Utc>, asked: &str) -> Result<(String, String), PageError> {
    let asked = asked.trim();
    if asked.is_empty() {
        return own_forces(a).into_iter().next().ok_or_else(|| {
            crate::JsonError::Forbidden(
                "Your organisation is not placed in a police force, so there are no grades for you to enter.".into(),
            )
            .into()
        });
    }
    let name = peel_core::force::by_id(asked)
        .map(|f| f.name.to_string())
        .ok_or_else(|| crate::JsonError::NotFound(format!("a police force called “{asked}”")))?;
    state.store.authorise(&a.by(PURPOSE, at), Permission::RecordInspectionGrades, Target::Force(asked)).await?;
    Ok((asked.to_string(), name))
}

async fn show_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    (force, force_name): (String, String),
    saved: &str,
    f: &GradeForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let grades = state.store.inspections().grades(&force).await?;
    let mut grade_options = vec![(String::new(), "Choose a grade".to_string())];
    grade_options.extend(HMICFRS_GRADES.iter().map(|g| (g.to_string(), g.to_string())));
    let page = GradesPage {
        chrome: Chrome::of(a),
        force_options: own_forces(a),
        force,
        force_name,
        grades,
        grade_options,
        saved,
        f,
        errors,
    };
    render(status, &page)
}

pub async fn show(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RecordInspectionGrades>,
    Query(q): Query<Scope>,
) -> Result<Response, PageError> {
    let force = chosen(&state, &a, bo.now(), &q.force).await?;
    show_page(&state, &a, StatusCode::OK, force, &q.saved, &GradeForm::default(), &[]).await
}

fn again(force: &str, saved: &str) -> Response {
    Redirect::to(&format!("{PATH}?force={}&saved={}", percent_encode(force), percent_encode(saved))).into_response()
}

pub async fn save(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RecordInspectionGrades>,
    Form(f): Form<GradeForm>,
) -> Result<Response, PageError> {
    let force = chosen(&state, &a, bo.now(), &f.force).await?;
    let today = bo.now().date_naive();
    match InspectionGrade::check(&force.0, &f.inspection, &f.question, &f.grade, &f.published_on, &f.source_url, today)
    {
        Ok(g) => {
            state.store.inspections().put_grade(&g, &a.by(PURPOSE, bo.now())).await?;
            Ok(again(&force.0, &format!("{}: {}", g.question, g.grade)))
        }
        Err(e) => {
            let errors = [FieldError { field: e.field.to_string(), message: e.message }];
            show_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, force, "", &f, &errors).await
        }
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RecordInspectionGrades>,
    Form(w): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let force = chosen(&state, &a, bo.now(), &w.force).await?;
    state.store.inspections().withdraw_grade(&force.0, &w.inspection, &w.question, &a.by(PURPOSE, bo.now())).await?;
    Ok(again(&force.0, &format!("{} withdrawn", w.question)))
}
