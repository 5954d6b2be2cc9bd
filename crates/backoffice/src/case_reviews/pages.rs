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
use peel_core::trigger::{Complaint, NewApplication, Step};
use peel_store::asb::AsbError;
use peel_store::{CaseReview, CaseReviewError};

use super::form::{self, Fields};
use super::view::{self, status_text};
use super::{by, report_viewer, today};
use crate::AppState;
use crate::auth::{Authed, Page, need};
use crate::html::{self, FieldError, PageError, esc};
use peel_usecases::case_reviews::{self, ApplyError};

fn render(t: &impl Template) -> Result<String, PageError> {
    t.render().map_err(|e| PageError(crate::WebError::Internal(e.to_string())))
}

fn field_errors(problems: &[Problem], rename: impl Fn(&str) -> String) -> Vec<FieldError> {
    problems.iter().map(|p| FieldError { field: rename(&p.field), message: p.message.clone() }).collect()
}

/// A labelled text area, with its error when it has one.
fn textarea(id: &str, label: &str, hint: &str, value: &str, errors: &[FieldError]) -> String {
    let err = errors.iter().find(|e| e.field == id);
    let hint_html = if hint.is_empty() {
        String::new()
    } else {
        format!("<p id=\"{0}-hint\" class=\"hint\">{1}</p>", esc(id), esc(hint))
    };
    let described: Vec<String> = [(!hint.is_empty()).then(|| format!("{id}-hint")), err.map(|_| format!("{id}-error"))]
        .into_iter()
        .flatten()
        .collect();
    let described = if described.is_empty() {
        String::new()
    } else {
        format!(" aria-describedby=\"{}\"", esc(&described.join(" ")))
    };
    let msg = err
        .map(|e| {
            format!(
                "<p id=\"{}-error\" class=\"error-message\"><strong>Error:</strong> {}</p>",
                esc(id),
                esc(&e.message)
            )
        })
        .unwrap_or_default();
    let invalid = if err.is_some() { " aria-invalid=\"true\"" } else { "" };
    format!(
        "<div class=\"form-group\"><label class=\"label\" for=\"{0}\">{1}</label>{hint_html}{msg}\
         <textarea class=\"input\" id=\"{0}\" name=\"{0}\" rows=\"4\"{described}{invalid}>{2}</textarea></div>",
        esc(id),
        esc(label),
        esc(value)
    )
}

/// A checkbox, with its error when it has one.
fn checkbox(id: &str, label: &str, checked: bool, errors: &[FieldError]) -> String {
    let err = errors.iter().find(|e| e.field == id);
    let msg = err
        .map(|e| {
            format!(
                "<p id=\"{}-error\" class=\"error-message\"><strong>Error:</strong> {}</p>",
                esc(id),
                esc(&e.message)
            )
        })
        .unwrap_or_default();
    let extra =
        if err.is_some() { format!(" aria-describedby=\"{id}-error\" aria-invalid=\"true\"") } else { String::new() };
    format!(
        "<div class=\"form-group\">{msg}<input type=\"checkbox\" id=\"{0}\" name=\"{0}\" value=\"yes\"{1}{extra}> \
         <label for=\"{0}\">{2}</label></div>",
        esc(id),
        if checked { " checked" } else { "" },
        esc(label)
    )
}

fn respond(status: StatusCode, title: &str, a: &Authed, body: String) -> Response {
    html::respond(status, html::page(title, Some(a), &body))
}

/// What the store says, as field problems a form can show.
fn store_problems(e: CaseReviewError) -> Result<Vec<Problem>, PageError> {
    match e {
        CaseReviewError::Invalid(p) => Ok(p),
        CaseReviewError::UnknownCsp(..) => Ok(vec![Problem {
            field: "csp".into(),
            message: "Choose the partnership the application was made to".into(),
        }]),
        CaseReviewError::Step(s) => Ok(vec![Problem { field: "step".into(), message: s.to_string() }]),
        CaseReviewError::Procedure(p) => Ok(vec![Problem { field: "csp".into(), message: p.to_string() }]),
        CaseReviewError::NotFound(id) => Err(crate::WebError::NotFound(format!("Case review {id}")).into()),
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
    rows: Vec<ListRow>,
}

pub async fn list(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
) -> Result<Response, PageError> {
    let reviews = state.store.case_reviews(None, &by(&a, &bo)).await.map_err(|e| match store_problems(e) {
        Ok(_) => PageError(crate::WebError::Internal("listing case reviews".into())),
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
    Ok(respond(StatusCode::OK, "Case reviews (Community Trigger)", &a, render(&ListPage { rows })?))
}

// ---- recording an application --------------------------------------------

#[derive(Template)]
#[template(path = "case_review_new.html")]
struct NewPage {
    summary: String,
    csrf: String,
    csp: String,
    received: String,
    applicant_name: String,
    applicant_contact: String,
    on_behalf_of: String,
    consent: String,
    summary_field: String,
    vulnerable: String,
    /// (row number, the row's fields)
    rows: Vec<(usize, String)>,
    discretion_by: String,
    discretion_reason: String,
}

async fn new_page(state: &AppState, a: &Authed, f: &Fields, errors: &[FieldError]) -> Result<String, PageError> {
    // Only the partnerships within the caller's reach can take an application.
    let csps = state.store.all_csps().await?;
    let mut options = vec![(String::new(), "Choose a partnership".to_string())];
    options.extend(
        csps.iter()
            .filter(|c| {
                let target = Target::Partnership { force_id: &c.force_id, csp_id: &c.id };
                a.caller().authorise(Permission::RunCaseReviews, target).is_ok()
            })
            .map(|c| (format!("{}/{}", c.force_id, c.id), c.name.clone())),
    );
    let input = |id: &str, label: &str, kind: &str| html::input(id, label, kind, f.get(id), "off", errors);
    let rows = (1..=form::rows_to_show(f))
        .map(|n| {
            let id = |x: &str| format!("c{n}-{x}");
            let mut s = String::new();
            let report = f.get(&id("report_id")).trim();
            if !report.is_empty() {
                let _ = write!(
                    s,
                    "<p class=\"hint\">From stored ASB report {0}.</p>\
                     <input type=\"hidden\" name=\"{1}\" value=\"{0}\">",
                    esc(report),
                    esc(&id("report_id"))
                );
            }
            s.push_str(&input(&id("complainant"), "Who complained", "text"));
            s.push_str(&input(&id("agency"), "Complained to (council, police, housing provider)", "text"));
            s.push_str(&input(&id("incident"), "Incident reference or short description", "text"));
            s.push_str(&input(&id("behaviour_on"), "Date of the behaviour", "date"));
            s.push_str(&input(&id("complained_on"), "Date the complaint was made", "date"));
            s.push_str(&checkbox(
                &id("hate"),
                "The complainant said it was hate-related",
                f.ticked(&id("hate")),
                errors,
            ));
            (n, s)
        })
        .collect();
    render(&NewPage {
        summary: html::error_summary(errors),
        csrf: html::csrf_field(a.csrf()),
        csp: html::select("csp", "Community safety partnership", &options, f.get("csp"), errors),
        received: input("received_on", "Date the application was received", "date"),
        applicant_name: input("applicant_name", "Applicant's full name", "text"),
        applicant_contact: textarea(
            "applicant_contact",
            "How to contact the applicant",
            "A phone number, email address or postal address",
            f.get("applicant_contact"),
            errors,
        ),
        on_behalf_of: input("on_behalf_of", "Applying for someone else? Their name (leave empty if not)", "text"),
        consent: checkbox(
            "consent",
            "They have agreed to this application being made for them",
            f.ticked("consent"),
            errors,
        ),
        summary_field: textarea(
            "summary",
            "What is the behaviour?",
            "In the applicant's words",
            f.get("summary"),
            errors,
        ),
        vulnerable: checkbox("vulnerable", "The victim is vulnerable", f.ticked("vulnerable"), errors),
        rows,
        discretion_by: input("discretion_by", "Senior manager's name and post", "text"),
        discretion_reason: textarea(
            "discretion_reason",
            "Why they decided to trigger a review",
            "",
            f.get("discretion_reason"),
            errors,
        ),
    })
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
                    return Ok(html::message_page(
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
        return Ok(html::message_page(
            StatusCode::BAD_REQUEST,
            "There is a problem",
            Some(&a),
            &format!("An application can cite at most {} reports.", form::MAX_ROWS),
        ));
    }
    let mut fields = vec![("received_on".to_string(), today(&bo).to_string())];
    if !ids.is_empty() {
        match state.store.asb_reports_as_complaints(&ids, &report_viewer(&a, &bo)).await {
            Ok(complaints) => fields.extend(complaint_fields(&complaints)),
            Err(e) => return asb_refusal(e, &a),
        }
    }
    let body = new_page(&state, &a, &Fields(fields), &[]).await?;
    Ok(respond(StatusCode::OK, "Record an application for a case review", &a, body))
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
    Ok(html::message_page(status, title, Some(a), &format!("{}.", text.trim_end_matches('.'))))
}

pub async fn create(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(pairs);
    let mut problems = Vec::new();
    let csp = form::csp_choice(f.get("csp"));
    if csp.is_none() {
        problems.push(Problem {
            field: "csp".into(),
            message: "Choose the partnership the application was made to".into(),
        });
    }
    let parsed: Result<(NewApplication, Vec<usize>), Vec<Problem>> = form::application(&f);
    let rows = match (&parsed, &csp) {
        (Ok((app, rows)), Some((force, csp_id))) if problems.is_empty() => {
            let v = report_viewer(&a, &bo);
            match case_reviews::apply(&state.store, &v, force, csp_id, app.clone(), &[], today(&bo)).await {
                Ok(r) => return Ok(Redirect::to(&format!("/asb/case-reviews/{}", r.id)).into_response()),
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
            rows.clone()
        }
        (Ok((app, rows)), _) => {
            // Show the application's own problems alongside the missing partnership.
            problems.extend(app.clone().normalised().problems(today(&bo)));
            rows.clone()
        }
        (Err(p), _) => {
            problems.extend(p.iter().cloned());
            Vec::new()
        }
    };
    let errors = field_errors(&problems, |field| form::form_field(field, &rows));
    let body = new_page(&state, &a, &f, &errors).await?;
    Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, "Record an application for a case review", &a, body))
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
struct ShowPage {
    summary: String,
    v: ReviewView,
    forms: Vec<String>,
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

/// The forms for each step that can be recorded now.
fn step_forms(r: &CaseReview, a: &Authed, now: NaiveDate, f: &Fields, errors: &[FieldError]) -> Vec<String> {
    let t = r.timeline();
    let p = &r.procedure.procedure;
    let posted = f.get("step");
    let value = |step: Step, name: &str| if posted == step.slug() { f.get(name).to_string() } else { String::new() };
    let mut out = Vec::new();
    for step in Step::ALL {
        if t.check(p, step, now, now).is_err() {
            continue;
        }
        let s = step.slug();
        let id = |name: &str| format!("{s}-{name}");
        let mut fields = html::input(&id("on"), "Date", "date", &value(step, "on"), "off", errors)
            .replace(&format!("name=\"{s}-on\""), "name=\"on\"");
        match step {
            Step::Decided => {
                let chosen = value(step, "threshold_met");
                let _ = write!(
                    fields,
                    "<fieldset><legend>Is the threshold met?</legend>\
                     <div><input type=\"radio\" id=\"{s}-as-rules\" name=\"threshold_met\" value=\"\"{}> <label for=\"{s}-as-rules\">As the rules say: {}</label></div>\
                     <div><input type=\"radio\" id=\"{s}-met\" name=\"threshold_met\" value=\"met\"{}> <label for=\"{s}-met\">Met</label></div>\
                     <div><input type=\"radio\" id=\"{s}-not-met\" name=\"threshold_met\" value=\"not-met\"{}> <label for=\"{s}-not-met\">Not met</label></div></fieldset>",
                    if chosen.is_empty() { " checked" } else { "" },
                    esc(if r.evaluation.met { "met" } else { "not met" }),
                    if chosen == "met" { " checked" } else { "" },
                    if chosen == "not-met" { " checked" } else { "" },
                );
                fields.push_str(
                    &textarea(
                        &id("reason"),
                        "Reason",
                        "Required when the decision differs from the rules",
                        &value(step, "reason"),
                        errors,
                    )
                    .replace(&format!("name=\"{s}-reason\""), "name=\"reason\""),
                );
            }
            Step::Recommendations => {
                for n in 1..=form::RECOMMENDATION_ROWS {
                    let rid = |x: &str| format!("{s}-r{n}-{x}");
                    let _ = write!(
                        fields,
                        "<fieldset><legend>Recommendation {n}</legend>{}{}</fieldset>",
                        html::input(
                            &rid("recipient"),
                            "Made to (organisation)",
                            "text",
                            &value(step, &format!("r{n}-recipient")),
                            "off",
                            errors
                        )
                        .replace(&format!("name=\"{s}-r{n}-recipient\""), &format!("name=\"r{n}-recipient\"")),
                        html::input(
                            &rid("action"),
                            "What is recommended",
                            "text",
                            &value(step, &format!("r{n}-action")),
                            "off",
                            errors
                        )
                        .replace(&format!("name=\"{s}-r{n}-action\""), &format!("name=\"r{n}-action\"")),
                    );
                }
            }
            Step::AppealDecided => {
                let chosen = value(step, "outcome");
                let _ = write!(
                    fields,
                    "<fieldset id=\"{s}-outcome\"><legend>Outcome of the appeal</legend>\
                     <div><input type=\"radio\" id=\"{s}-upheld\" name=\"outcome\" value=\"upheld\"{}> <label for=\"{s}-upheld\">Upheld: the review goes ahead</label></div>\
                     <div><input type=\"radio\" id=\"{s}-not-upheld\" name=\"outcome\" value=\"not-upheld\"{}> <label for=\"{s}-not-upheld\">Not upheld</label></div></fieldset>",
                    if chosen == "upheld" { " checked" } else { "" },
                    if chosen == "not-upheld" { " checked" } else { "" },
                );
            }
            _ => {}
        }
        fields.push_str(
            &textarea(&id("notes"), "Notes", "Optional", &value(step, "notes"), errors)
                .replace(&format!("name=\"{s}-notes\""), "name=\"notes\""),
        );
        out.push(format!(
            "<section aria-labelledby=\"{s}-heading\"><h3 id=\"{s}-heading\">{label}</h3>\
             <form method=\"post\" action=\"/asb/case-reviews/{id}/steps\" novalidate>{csrf}\
             <input type=\"hidden\" name=\"step\" value=\"{s}\">{fields}\
             <button type=\"submit\" class=\"button\">Record: {label}</button></form></section>",
            label = esc(step.label()),
            id = r.id,
            csrf = html::csrf_field(a.csrf()),
        ));
    }
    out
}

async fn show_page(
    state: &AppState,
    a: &Authed,
    bo: &crate::Backoffice,
    id: i64,
    f: &Fields,
    errors: &[FieldError],
) -> Result<(String, String), PageError> {
    let review = state.store.case_review(id, &by(a, bo)).await.map_err(|e| match store_problems(e) {
        Ok(_) => PageError(crate::WebError::Internal("reading a case review".into())),
        Err(p) => p,
    })?;
    let Some(r) = review else { return Err(crate::WebError::NotFound(format!("Case review {id}")).into()) };
    let now = today(bo);
    let page = ShowPage {
        summary: html::error_summary(errors),
        v: review_view(&r, now),
        forms: step_forms(&r, a, now, f, errors),
    };
    Ok((format!("Case review {id}"), render(&page)?))
}

pub async fn show(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RunCaseReviews>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (title, body) = show_page(&state, &a, &bo, id, &Fields(vec![]), &[]).await?;
    Ok(respond(StatusCode::OK, &title, &a, body))
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
            let (title, body) = show_page(&state, &a, &bo, id, &f, &errors).await?;
            Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, &title, &a, body))
        }
    }
}
