//! `/asb/case-reviews`: the list, the application form, one review with its
//! threshold reasons and due dates, and the forms that record each step.

use std::fmt::Write;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use peel_core::access::{Permission, Target};
use peel_core::trigger::application::Problem;
use peel_core::trigger::evaluate::long_date;
use peel_core::trigger::{Complaint, Step};
use peel_store::asb::AsbError;
use peel_store::{CaseReview, CaseReviewError};

use super::form::{self, Fields};
use super::view::{self, status_text};
use super::{by, report_viewer, today};
use crate::AppState;
use crate::auth::{Authed, Page, need};
use crate::html::{FieldError, PageError};
use crate::layout::{Chrome, message_page, render};
use peel_usecases::case_reviews::{self, ApplyError};

fn field_errors(problems: &[Problem], rename: impl Fn(&str) -> String) -> Vec<FieldError> {
    problems.iter().map(|p| FieldError { field: rename(&p.field), message: p.message.clone() }).collect()
}

/// What the store says, as field problems a form can show.
fn store_problems(e: CaseReviewError) -> Result<Vec<Problem>, PageError> {
    match e {
        CaseReviewError::Invalid(p) => Ok(p),
        CaseReviewError::UnknownCsp(..) => Ok(vec![no_partnership()]),
        CaseReviewError::Step(s) => Ok(vec![Problem { field: "step".into(), message: s.to_string() }]),
        CaseReviewError::Procedure(p) => Ok(vec![Problem { field: "csp".into(), message: p.to_string() }]),
        CaseReviewError::NotFound(id) => Err(crate::JsonError::NotFound(format!("Case review {id}")).into()),
        CaseReviewError::Refused(r) => Err(peel_store::StoreError::Refused(r).into()),
        CaseReviewError::Store(s) => Err(s.into()),
    }
}

// ---- the list ------------------------------------------------------------

struct ListRow {
    id: i64,
    csp: String,
    received: String,
    applicant: String,
    threshold: String,
    next: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "case_review_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ListRow>,
}

pub async fn list(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
) -> Result<Response, PageError> {
    let reviews =
        state.store.trigger().case_reviews(None, &by(&a, &bo)).await.map_err(|e| match store_problems(e) {
            Ok(_) => PageError::from(crate::JsonError::Internal("listing case reviews".into())),
            Err(p) => p,
        })?;
    let now = today(&bo);
    let rows = reviews
        .iter()
        .map(|r| {
            let (next, overdue) = match view::due(r, now) {
                Ok(items) => view::next_due(&items).unwrap_or_else(|| ("Nothing due".into(), false)),
                Err(e) => (e, false),
            };
            ListRow {
                id: r.id,
                csp: r.csp_name.clone(),
                received: long_date(r.application.received_on),
                applicant: r.application.applicant_name.clone(),
                threshold: view::threshold_text(r),
                next,
                overdue,
            }
        })
        .collect();
    render(StatusCode::OK, &ListPage { chrome: Chrome::of(&a), rows })
}

// ---- recording an application --------------------------------------------

/// One text field of a complaint row.
struct RowInput {
    id: String,
    label: &'static str,
    kind: &'static str,
    value: String,
}

/// One complaint row of the application form, `c{n}-…`.
struct ComplaintFields {
    n: usize,
    /// The stored ASB report the row came from, if any.
    report: String,
    inputs: Vec<RowInput>,
    hate_id: String,
    hate: bool,
}

impl ComplaintFields {
    fn of(f: &Fields, n: usize) -> ComplaintFields {
        let id = |x: &str| format!("c{n}-{x}");
        let input = |name: &str, label, kind| RowInput { id: id(name), label, kind, value: f.get(&id(name)).into() };
        ComplaintFields {
            n,
            report: f.get(&id("report_id")).trim().to_string(),
            inputs: vec![
                input("complainant", "Who complained", "text"),
                input("agency", "Complained to (council, police, housing provider)", "text"),
                input("incident", "Incident reference or short description", "text"),
                input("behaviour_on", "Date of the behaviour", "date"),
                input("complained_on", "Date the complaint was made", "date"),
            ],
            hate_id: id("hate"),
            hate: f.ticked(&id("hate")),
        }
    }
}

#[derive(Template)]
#[template(path = "case_review_new.html")]
struct NewPage<'a> {
    chrome: Chrome,
    f: &'a Fields,
    errors: &'a [FieldError],
    /// The partnerships that may take the application.
    csps: Vec<(String, String)>,
    rows: Vec<ComplaintFields>,
}

/// Only the partnerships within the caller's reach can take an application.
async fn csp_options(state: &AppState, a: &Authed) -> Result<Vec<(String, String)>, PageError> {
    let csps = state.store.geography().all_csps().await?;
    let mut options = vec![(String::new(), "Choose a partnership".to_string())];
    options.extend(
        csps.iter()
            .filter(|c| {
                let target = Target::Partnership { force_id: &c.force_id, csp_id: &c.id };
                a.caller().authorise(Permission::RunCaseReviews, target).is_ok()
            })
            .map(|c| (format!("{}/{}", c.force_id, c.id), c.name.clone())),
    );
    Ok(options)
}

async fn new_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    f: &Fields,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let page = NewPage {
        chrome: Chrome::of(a),
        f,
        errors,
        csps: csp_options(state, a).await?,
        rows: (1..=form::rows_to_show(f)).map(|n| ComplaintFields::of(f, n)).collect(),
    };
    render(status, &page)
}

/// The form's fields for complaints from stored reports, one row each.
fn complaint_fields(complaints: &[Complaint]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, c) in complaints.iter().enumerate() {
        let n = i + 1;
        let mut put = |name: &str, v: String| out.push((format!("c{n}-{name}"), v));
        put("complainant", c.complainant.clone());
        put("agency", c.agency.clone());
        put("incident", c.incident.clone());
        put("behaviour_on", c.behaviour_on.to_string());
        put("complained_on", c.complained_on.to_string());
        if c.hate_related {
            put("hate", "yes".into());
        }
        if let Some(r) = c.report_id {
            put("report_id", r.to_string());
        }
    }
    out
}

/// `?report=N&report=M`: the stored ASB reports to start the application from.
pub async fn new_form(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut ids = Vec::new();
    for (k, v) in &params {
        if k == "report" {
            match v.trim().parse::<i64>() {
                Ok(id) if id > 0 => ids.push(id),
                _ => {
                    return Ok(message_page(
                        StatusCode::BAD_REQUEST,
                        "There is a problem",
                        Some(&a),
                        &format!("{v:?} is not a report number."),
                    ));
                }
            }
        }
    }
    if ids.len() > form::MAX_ROWS {
        return Ok(message_page(
            StatusCode::BAD_REQUEST,
            "There is a problem",
            Some(&a),
            &format!("An application can cite at most {} reports.", form::MAX_ROWS),
        ));
    }
    let mut fields = vec![("received_on".to_string(), today(&bo).to_string())];
    if !ids.is_empty() {
        match state.store.asb().asb_reports_as_complaints(&ids, &report_viewer(&a, &bo)).await {
            Ok(complaints) => fields.extend(complaint_fields(&complaints)),
            Err(e) => return asb_refusal(e, &a),
        }
    }
    new_page(&state, &a, StatusCode::OK, &Fields(fields), &[]).await
}

/// A refusal to cite stored reports, as a page.
fn asb_refusal(e: AsbError, a: &Authed) -> Result<Response, PageError> {
    let (status, title, text) = match e {
        AsbError::Store(s) => return Err(s.into()),
        AsbError::NotShared(m) => (StatusCode::FORBIDDEN, "You cannot see or change this", m),
        AsbError::NotFound(m) => (StatusCode::NOT_FOUND, "Not found", format!("{m} was not found")),
        AsbError::Invalid(p) => (StatusCode::UNPROCESSABLE_ENTITY, "There is a problem", p.to_string()),
        AsbError::Conflict(m) => (StatusCode::CONFLICT, "This cannot be done", m),
    };
    let mut chars = text.chars();
    let text: String = chars.next().map(|f| f.to_uppercase().chain(chars).collect()).unwrap_or_default();
    Ok(message_page(status, title, Some(a), &format!("{}.", text.trim_end_matches('.'))))
}

fn no_partnership() -> Problem {
    Problem { field: "csp".into(), message: "Choose the partnership the application was made to".into() }
}

/// Applies, or says why not: the problems found and the complaint rows
/// they were numbered against.
async fn apply(
    state: &AppState,
    a: &Authed,
    bo: &crate::Backoffice,
    f: &Fields,
) -> Result<Result<CaseReview, (Vec<Problem>, Vec<usize>)>, PageError> {
    let csp = form::csp_choice(f.get("csp"));
    let mut problems: Vec<Problem> = csp.is_none().then(no_partnership).into_iter().collect();
    let (app, rows) = match form::application(f) {
        Ok(parsed) => parsed,
        Err(p) => {
            problems.extend(p);
            return Ok(Err((problems, Vec::new())));
        }
    };
    let Some((force, csp_id)) = csp.filter(|_| problems.is_empty()) else {
        // Show the application's own problems alongside the missing partnership.
        problems.extend(app.normalised().problems(today(bo)));
        return Ok(Err((problems, rows)));
    };
    let v = report_viewer(a, bo);
    match case_reviews::apply(&state.store, &v, &force, &csp_id, app, &[], today(bo)).await {
        Ok(r) => return Ok(Ok(r)),
        Err(ApplyError::Citation { error: AsbError::Store(s), .. }) => return Err(s.into()),
        Err(ApplyError::Citation { complaint, error }) => {
            let n = complaint.unwrap_or_default();
            problems.push(Problem {
                field: format!("complaints[{n}].report_id"),
                message: format!("Complaint {n}: {error}"),
            });
        }
        Err(ApplyError::Review(e)) => problems.extend(store_problems(e)?),
    }
    Ok(Err((problems, rows)))
}

pub async fn create(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(pairs);
    match apply(&state, &a, &bo, &f).await? {
        Ok(r) => Ok(Redirect::to(&format!("/asb/case-reviews/{}", r.id)).into_response()),
        Err((problems, rows)) => {
            let errors = field_errors(&problems, |field| form::form_field(field, &rows));
            new_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, &f, &errors).await
        }
    }
}

// ---- one review ------------------------------------------------------------

struct ComplaintRow {
    number: usize,
    complainant: String,
    agency: String,
    incident: String,
    /// The stored ASB report this complaint is, if any.
    report: Option<i64>,
    behaviour: String,
    complained: String,
    hate: &'static str,
    verdict: String,
}

struct DueRow {
    label: &'static str,
    rule: String,
    status: String,
    overdue: bool,
}

struct ReviewView {
    csp: String,
    received: String,
    applicant: String,
    contact: String,
    on_behalf_of: String,
    vulnerable: &'static str,
    discretion: Option<String>,
    procedure: String,
    version: String,
    about: String,
    threshold: String,
    decision: Vec<String>,
    /// (description, met, explanation)
    rules: Vec<(String, bool, String)>,
    complaints: Vec<ComplaintRow>,
    due: Vec<DueRow>,
    due_problem: Option<String>,
    done: Vec<String>,
    recommendations: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "case_review_show.html")]
struct ShowPage<'a> {
    chrome: Chrome,
    id: i64,
    errors: &'a [FieldError],
    v: ReviewView,
    forms: Vec<StepForm>,
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

fn review_view(r: &CaseReview, now: NaiveDate) -> ReviewView {
    let a = &r.application;
    let (due, due_problem) = match view::due(r, now) {
        Ok(items) => (items, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let evaluation = r.decision.as_ref().map(|d| &d.evaluation).unwrap_or(&r.evaluation);
    let mut decision = Vec::new();
    if let Some(d) = &r.decision {
        if let Some(rule) = d.met_by.as_ref().and_then(|id| r.procedure.procedure.rule(id)) {
            decision.push(format!("Met by the rule: {}.", rule.description));
        }
        if !d.reason.is_empty() {
            decision.push(format!("Reason given: {}", d.reason));
        }
        decision.push(format!("Recorded by {} under procedure version {}.", d.recorded_by, d.procedure_version));
    }
    ReviewView {
        csp: r.csp_name.clone(),
        received: long_date(a.received_on),
        applicant: a.applicant_name.clone(),
        contact: a.applicant_contact.clone(),
        on_behalf_of: match &a.on_behalf_of {
            Some(v) => format!("{v} (consent given: {})", yes_no(a.consent)),
            None => "No: the applicant is the victim".into(),
        },
        vulnerable: yes_no(a.vulnerable),
        discretion: a.discretion.as_ref().map(|d| format!("{}: {}", d.by, d.reason)),
        procedure: format!("{} (version {})", r.procedure.procedure.name, r.procedure.procedure.version),
        version: evaluation.procedure_version.clone(),
        about: a.summary.clone(),
        threshold: view::threshold_text(r),
        decision,
        rules: evaluation.rules.iter().map(|x| (x.description.clone(), x.met, x.explanation.clone())).collect(),
        complaints: a
            .complaints
            .iter()
            .enumerate()
            .map(|(i, c)| ComplaintRow {
                number: i + 1,
                complainant: c.complainant.clone(),
                agency: c.agency.clone(),
                incident: c.incident.clone(),
                report: c.report_id,
                behaviour: long_date(c.behaviour_on),
                complained: long_date(c.complained_on),
                hate: yes_no(c.hate_related),
                verdict: evaluation
                    .complaints
                    .iter()
                    .find(|v| v.number == i + 1)
                    .map(|v| v.reason.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        due: due
            .iter()
            .map(|d| DueRow {
                label: d.label,
                rule: d.rule.clone(),
                status: status_text(&d.status),
                overdue: matches!(d.status, peel_core::trigger::Status::Overdue { .. }),
            })
            .collect(),
        due_problem,
        done: {
            let mut done: Vec<(NaiveDate, String)> = r
                .steps
                .iter()
                .map(|s| {
                    let mut line = format!("{}: {}", view::step_label(s.step), long_date(s.on));
                    if let Some(o) = &s.outcome {
                        let _ = write!(line, " ({})", if o == "upheld" { "upheld" } else { "not upheld" });
                    }
                    if !s.notes.is_empty() {
                        let _ = write!(line, ". {}", s.notes);
                    }
                    (s.on, line)
                })
                .chain(r.decision.iter().map(|d| {
                    let met = if d.threshold_met { "met" } else { "not met" };
                    (d.decided_on, format!("{}: {} ({met})", view::step_label(Step::Decided), long_date(d.decided_on)))
                }))
                .collect();
            // In the order they happened (a stable sort keeps same-day steps in step order).
            done.sort_by_key(|(on, _)| *on);
            done.into_iter().map(|(_, line)| line).collect()
        },
        recommendations: r.recommendations.iter().map(|x| (x.recipient.clone(), x.action.clone())).collect(),
    }
}

/// The decision's own fields: the threshold as the rules say or overridden.
struct Decided {
    chosen: String,
    rules_say: &'static str,
    reason: String,
}

/// One recommendation's fields, `r{n}-…`.
struct RecommendationFields {
    n: usize,
    recipient_id: String,
    recipient_name: String,
    recipient: String,
    action_id: String,
    action_name: String,
    action: String,
}

/// The form recording one step: every step has a date and notes; the
/// decision, the recommendations and the appeal's outcome have more.
struct StepForm {
    slug: &'static str,
    label: &'static str,
    on: String,
    decided: Option<Decided>,
    recommendations: Vec<RecommendationFields>,
    /// The appeal's outcome as chosen (empty if none yet).
    appeal: Option<String>,
    notes: String,
}

impl StepForm {
    /// A field's id: the step's slug first, as every step's form is on one page.
    fn field(&self, name: &str) -> String {
        format!("{}-{name}", self.slug)
    }
}

fn step_form(r: &CaseReview, step: Step, f: &Fields) -> StepForm {
    let s = step.slug();
    let posted = f.get("step") == s;
    let value = |name: &str| if posted { f.get(name).to_string() } else { String::new() };
    let recommendations = match step {
        Step::Recommendations => (1..=form::RECOMMENDATION_ROWS)
            .map(|n| RecommendationFields {
                n,
                recipient_id: format!("{s}-r{n}-recipient"),
                recipient_name: format!("r{n}-recipient"),
                recipient: value(&format!("r{n}-recipient")),
                action_id: format!("{s}-r{n}-action"),
                action_name: format!("r{n}-action"),
                action: value(&format!("r{n}-action")),
            })
            .collect(),
        _ => Vec::new(),
    };
    StepForm {
        slug: s,
        label: step.label(),
        on: value("on"),
        decided: (step == Step::Decided).then(|| Decided {
            chosen: value("threshold_met"),
            rules_say: if r.evaluation.met { "met" } else { "not met" },
            reason: value("reason"),
        }),
        recommendations,
        appeal: (step == Step::AppealDecided).then(|| value("outcome")),
        notes: value("notes"),
    }
}

/// The forms for each step that can be recorded now.
fn step_forms(r: &CaseReview, now: NaiveDate, f: &Fields) -> Vec<StepForm> {
    let t = r.timeline();
    let p = &r.procedure.procedure;
    Step::ALL.into_iter().filter(|step| t.check(p, *step, now, now).is_ok()).map(|step| step_form(r, step, f)).collect()
}

async fn show_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    bo: &crate::Backoffice,
    id: i64,
    f: &Fields,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let review = state.store.trigger().case_review(id, &by(a, bo)).await.map_err(|e| match store_problems(e) {
        Ok(_) => PageError::from(crate::JsonError::Internal("reading a case review".into())),
        Err(p) => p,
    })?;
    let Some(r) = review else { return Err(crate::JsonError::NotFound(format!("Case review {id}")).into()) };
    let now = today(bo);
    let page = ShowPage { chrome: Chrome::of(a), id, errors, v: review_view(&r, now), forms: step_forms(&r, now, f) };
    render(status, &page)
}

pub async fn show(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_page(&state, &a, StatusCode::OK, &bo, id, &Fields(vec![]), &[]).await
}

pub async fn record_step(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(pairs);
    let result = match form::step(&f) {
        Err(p) => Err(CaseReviewError::Invalid(vec![p])),
        Ok(s) => case_reviews::record_step(&state.store, &by(&a, &bo), id, &s, today(&bo)).await,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/asb/case-reviews/{id}")).into_response()),
        Err(e) => {
            let problems = store_problems(e)?;
            let step = f.get("step").to_string();
            let step = if Step::from_slug(&step).is_some() { step } else { "acknowledged".into() };
            let errors = field_errors(&problems, |field| form::step_field(&step, field));
            show_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, &bo, id, &f, &errors).await
        }
    }
}
