//! `/asb/…`: the casework pages. Forms carry the session's CSRF token (the
//! guard in front of every page checks it); bad input re-shows the form
//! with an error summary linked to each field, and stores nothing.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use peel_core::access::Permission;
use peel_core::asb::case::ActionKind;
use peel_core::asb::report::{Category, Channel, MAX_VICTIMS};
use peel_core::asb::tools::RawToolUse;
use peel_core::asb::{Band, ClosureOutcome, Problems, RawPerson, RawReport, RuleSet, Tool};
use peel_store::asb::{AsbError, CaseService, CaseSummary, CaseView, DueReview, ReportSummary, ReportView, Viewer};
use serde::Deserialize;

use super::viewer;
use crate::AppState;
use crate::auth::{Authed, Page, need};
use crate::html::PageError;
use crate::layout::message_page;
pub(super) use crate::layout::{Chrome, render};
use peel_usecases::casework;

/// One form field, rendered by `asb_field.html`.
pub struct Field {
    id: String,
    label: String,
    hint: String,
    /// An input type, or `select`, `textarea`, `checkbox`, `yesno`.
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    error: Option<String>,
    autocomplete: &'static str,
    described_by: String,
}

pub(super) fn field(id: &str, label: &str, kind: &'static str, value: &str) -> Field {
    Field {
        id: id.into(),
        label: label.into(),
        hint: String::new(),
        kind,
        value: value.into(),
        options: Vec::new(),
        error: None,
        autocomplete: "",
        described_by: String::new(),
    }
}

impl Field {
    pub(super) fn hint(mut self, h: &str) -> Field {
        self.hint = h.into();
        self
    }

    pub(super) fn options(mut self, o: Vec<(String, String)>) -> Field {
        self.options = o;
        self
    }

    fn auto(mut self, a: &'static str) -> Field {
        self.autocomplete = a;
        self
    }
}

/// (field id, message) pairs for the error summary.
pub(super) type Errors = Vec<(String, String)>;

pub(super) fn errors_of(p: &Problems, prefix: &str) -> Errors {
    p.0.iter().map(|x| (format!("{prefix}{}", x.field), x.message.clone())).collect()
}

/// Marks each field with its error and links its hint and error for screen readers.
pub(super) fn mark(fields: &mut [Field], errors: &Errors) {
    for f in fields {
        f.error = errors.iter().find(|e| e.0 == f.id).map(|e| e.1.clone());
        let mut ids = Vec::new();
        if !f.hint.is_empty() {
            ids.push(format!("{}-hint", f.id));
        }
        if f.error.is_some() {
            ids.push(format!("{}-error", f.id));
        }
        f.described_by = ids.join(" ");
    }
}

pub(super) fn choices<T: Copy>(
    all: &[T],
    slug: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), "Choose…".to_string())];
    v.extend(all.iter().map(|t| (slug(*t).to_string(), label(*t).to_string())));
    v
}

/// The page for a refusal, a missing record or a conflict.
pub(super) fn refusal(e: AsbError, a: &Authed) -> Result<Response, PageError> {
    Ok(match e {
        AsbError::NotShared(m) => message_page(
            StatusCode::FORBIDDEN,
            "You cannot see or change this",
            Some(a),
            &format!("{}.", capitalise(&m)),
        ),
        AsbError::NotFound(what) => {
            message_page(StatusCode::NOT_FOUND, "Not found", Some(a), &format!("{} was not found.", capitalise(&what)))
        }
        AsbError::Conflict(m) => {
            message_page(StatusCode::CONFLICT, "This cannot be done", Some(a), &format!("{}.", capitalise(&m)))
        }
        AsbError::Invalid(p) => {
            message_page(StatusCode::UNPROCESSABLE_ENTITY, "There is a problem", Some(a), &p.to_string())
        }
        AsbError::Store(s) => return Err(s.into()),
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

pub(super) fn number(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

pub(super) fn not_a_number(a: &Authed, raw: &str) -> Result<Response, PageError> {
    refusal(AsbError::NotFound(format!("{raw:?}")), a)
}

// ---- recording a report ------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    channel: String,
    referred_by: String,
    category: String,
    hate_related: String,
    occurred_at: String,
    location: String,
    location_postcode: String,
    description: String,
    reporter_name: String,
    reporter_phone: String,
    reporter_email: String,
    reporter_address: String,
    reporter_postcode: String,
    reporter_is_victim: String,
    /// How many victim fieldsets the form showed.
    victim_count: String,
    /// Set by the "Add another victim" button: show one more, save nothing.
    add_victim: String,
    /// The victims' fields, `victim{N}_{name,phone,email,address,postcode}`.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

const PERSON_PARTS: [&str; 5] = ["name", "phone", "email", "address", "postcode"];

impl ReportForm {
    /// Victim fieldsets to show: as many as the form had (at least one,
    /// at most [`MAX_VICTIMS`]), and one more when asked.
    fn victim_slots(&self) -> usize {
        let sent = self.victim_count.trim().parse::<usize>().unwrap_or(1);
        let typed = (0..MAX_VICTIMS)
            .filter(|i| PERSON_PARTS.iter().any(|p| !self.victim_field(*i, p).trim().is_empty()))
            .map(|i| i + 1)
            .max()
            .unwrap_or(0);
        let extra = usize::from(!self.add_victim.is_empty());
        (sent.max(typed) + extra).clamp(1, MAX_VICTIMS)
    }

    fn victim_field(&self, i: usize, part: &str) -> &str {
        self.rest.get(&format!("victim{i}_{part}")).map(String::as_str).unwrap_or("")
    }

    fn victim(&self, i: usize) -> RawPerson {
        RawPerson {
            name: self.victim_field(i, "name").to_string(),
            phone: self.victim_field(i, "phone").to_string(),
            email: self.victim_field(i, "email").to_string(),
            address: self.victim_field(i, "address").to_string(),
            postcode: self.victim_field(i, "postcode").to_string(),
        }
    }

    /// The report as typed, and for each victim the fieldset it came from:
    /// fieldsets after the first that were left empty are skipped.
    fn raw(&self) -> (RawReport, Vec<usize>) {
        let reporter = RawPerson {
            name: self.reporter_name.clone(),
            phone: self.reporter_phone.clone(),
            email: self.reporter_email.clone(),
            address: self.reporter_address.clone(),
            postcode: self.reporter_postcode.clone(),
        };
        let mut victims = Vec::new();
        let mut slots = Vec::new();
        for i in 0..self.victim_slots() {
            let v = self.victim(i);
            let empty = v == RawPerson::default();
            if i == 0 && self.reporter_is_victim == "yes" && v.name.trim().is_empty() {
                victims.push(reporter.clone());
            } else if i == 0 || !empty {
                victims.push(v);
            } else {
                continue;
            }
            slots.push(i);
        }
        let raw = RawReport {
            channel: self.channel.clone(),
            referred_by: self.referred_by.clone(),
            category: self.category.clone(),
            hate_related: self.hate_related == "yes",
            occurred_at: self.occurred_at.clone(),
            location: self.location.clone(),
            location_postcode: self.location_postcode.clone(),
            description: self.description.clone(),
            reporter,
            victims,
            media_url: String::new(),
        };
        (raw, slots)
    }
}

/// Renames `victim{K}_…` problems (K counting the victims given) to the
/// fieldset the victim was typed in.
fn victim_errors(errors: Errors, slots: &[usize]) -> Errors {
    errors
        .into_iter()
        .map(|(field, message)| {
            let renamed = field.strip_prefix("victim").and_then(|rest| {
                let (k, part) = rest.split_once('_')?;
                let slot = slots.get(k.parse::<usize>().ok()?)?;
                Some(format!("victim{slot}_{part}"))
            });
            (renamed.unwrap_or(field), message)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "asb_report_form.html")]
struct ReportFormPage {
    chrome: Chrome,
    errors: Errors,
    groups: Vec<(String, Vec<Field>)>,
    /// (heading id, heading, fields) for each victim fieldset.
    victims: Vec<(String, String, Vec<Field>)>,
    victim_count: usize,
    max_victims: usize,
    /// Room for another victim, and the heading id it will have.
    add_victim: Option<String>,
}

fn person_fields(prefix: &str, who: &str, f: [&str; 5]) -> Vec<Field> {
    vec![
        field(&format!("{prefix}_name"), &format!("{who}'s full name"), "text", f[0]).auto("off"),
        field(&format!("{prefix}_phone"), &format!("{who}'s phone number (optional)"), "tel", f[1]).auto("off"),
        field(&format!("{prefix}_email"), &format!("{who}'s email address (optional)"), "email", f[2]).auto("off"),
        field(&format!("{prefix}_address"), &format!("{who}'s address (optional)"), "text", f[3]).auto("off"),
        field(&format!("{prefix}_postcode"), &format!("{who}'s postcode (optional)"), "text", f[4])
            .auto("off")
            .hint("Used with the address to find earlier reports at the same address."),
    ]
}

fn report_form_page(a: &Authed, form: &ReportForm, errors: Errors) -> ReportFormPage {
    let mut incident = vec![
        field("channel", "How was it reported?", "select", &form.channel).options(choices(
            Channel::ALL,
            Channel::slug,
            Channel::label,
        )),
        field("referred_by", "Partner agency that made the report", "text", &form.referred_by)
            .hint("Only for reports from a partner agency."),
        field("category", "Kind of anti-social behaviour", "select", &form.category)
            .options(choices(Category::ALL, Category::slug, Category::label))
            .hint("Personal: aimed at a person or group. Nuisance: the community at large. Environmental: the place."),
        field("hate_related", "It is hate-related", "checkbox", &form.hate_related)
            .hint("The victim or anyone else thinks it was motivated by hostility to who they are."),
        field("occurred_at", "When did it happen?", "datetime-local", &form.occurred_at)
            .hint("For example 2026-09-01T21:30."),
        field("location", "Where did it happen?", "text", &form.location)
            .hint("An address or a description of the place."),
        field("location_postcode", "Postcode where it happened (optional)", "text", &form.location_postcode),
        field("description", "What happened?", "textarea", &form.description),
    ];
    let mut reporter = person_fields(
        "reporter",
        "Reporter",
        [
            &form.reporter_name,
            &form.reporter_phone,
            &form.reporter_email,
            &form.reporter_address,
            &form.reporter_postcode,
        ],
    );
    reporter.push(
        field("reporter_is_victim", "The reporter is the victim", "checkbox", &form.reporter_is_victim)
            .hint("Leave the first victim's details empty and the reporter's are used."),
    );
    for g in [&mut incident, &mut reporter] {
        mark(g, &errors);
    }
    let count = form.victim_slots();
    let victims = (0..count)
        .map(|i| {
            let prefix = format!("victim{i}");
            let who = if count == 1 { "Victim".to_string() } else { format!("Victim {}", i + 1) };
            let parts = PERSON_PARTS.map(|p| form.victim_field(i, p));
            let mut fields = person_fields(&prefix, &who, parts);
            mark(&mut fields, &errors);
            let heading = if i == 0 { who } else { format!("{who} (leave empty if not needed)") };
            (format!("{prefix}-heading"), heading, fields)
        })
        .collect();
    ReportFormPage {
        chrome: Chrome::of(a),
        errors,
        groups: vec![("What happened".into(), incident), ("Who reported it".into(), reporter)],
        victims,
        victim_count: count,
        max_victims: MAX_VICTIMS,
        add_victim: (count < MAX_VICTIMS).then(|| format!("victim{count}-heading")),
    }
}

pub async fn report_form(Page(a, ..): Page<need::RecordReport>) -> Result<Response, PageError> {
    let form = ReportForm { channel: "phone".into(), ..Default::default() };
    render(StatusCode::OK, &report_form_page(&a, &form, Vec::new()))
}

pub async fn record_report(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RecordReport>,
    Form(form): Form<ReportForm>,
) -> Result<Response, PageError> {
    if !form.add_victim.is_empty() {
        // Another victim fieldset: nothing is checked or saved yet.
        return render(StatusCode::OK, &report_form_page(&a, &form, Vec::new()));
    }
    let (raw, slots) = form.raw();
    match casework::record_report(&state.store, &viewer(&a, bo.now()), &raw).await {
        Ok(r) => Ok(Redirect::to(&format!("/asb/reports/{}/risk", r.id)).into_response()),
        Err(AsbError::Invalid(p)) => {
            let errors = victim_errors(errors_of(&p, ""), &slots);
            render(StatusCode::UNPROCESSABLE_ENTITY, &report_form_page(&a, &form, errors))
        }
        Err(e) => refusal(e, &a),
    }
}

// ---- repeat flag and risk ------------------------------------------------------

#[derive(Template)]
#[template(path = "asb_risk.html")]
struct RiskPage {
    chrome: Chrome,
    errors: Errors,
    report: ReportView,
    repeat_rule: String,
    band_label: String,
    rules_version: String,
    bands: String,
    questions: Vec<Field>,
}

/// The questionnaire of the rules in force, with the answers given so far.
fn risk_questions(rules: &RuleSet, answers: &HashMap<String, String>) -> Vec<Field> {
    let questions = rules.questionnaire.questions.iter();
    questions
        .map(|x| {
            let id = format!("answers.{}", x.id);
            let value = answers.get(&id).cloned().unwrap_or_default();
            field(&id, &x.text, "yesno", &value)
        })
        .collect()
}

/// The band the report was last assessed in, in words (empty if never).
fn band_label(report: &ReportView) -> String {
    let band = report.risk.as_ref().and_then(|r| Band::parse(&r.band, "band").ok());
    band.map(|b| b.label().to_string()).unwrap_or_default()
}

async fn risk_page(
    state: &AppState,
    a: &Authed,
    report: ReportView,
    answers: &HashMap<String, String>,
    errors: Errors,
) -> Result<RiskPage, PageError> {
    let rules = state.store.asb().current_asb_rules().await?;
    let decided = state.store.asb().asb_rules_version(&report.rules_version).await?.unwrap_or_else(RuleSet::shipped);
    let q = &rules.questionnaire;
    let mut questions = risk_questions(&rules, answers);
    mark(&mut questions, &errors);
    let band_label = band_label(&report);
    Ok(RiskPage {
        chrome: Chrome::of(a),
        errors,
        repeat_rule: format!(
            "a repeat victim has {} or more reports within {} months",
            decided.repeat.min_reports, decided.repeat.window_months
        ),
        band_label,
        rules_version: rules.version.clone(),
        bands: format!(
            "a score of {} or more is medium risk and {} or more is high risk (highest possible {}).",
            q.bands.medium_from,
            q.bands.high_from,
            q.max_score()
        ),
        report,
        questions,
    })
}

pub async fn risk_form(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RecordReport>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let Some(id) = number(&raw) else { return not_a_number(&a, &raw) };
    let report = match state.store.asb().asb_report(id, &viewer(&a, bo.now())).await {
        Ok(r) => r,
        Err(e) => return refusal(e, &a),
    };
    render(StatusCode::OK, &risk_page(&state, &a, report, &HashMap::new(), Vec::new()).await?)
}

/// The questionnaire's answers (`answers.<question>` = yes or no), and an
/// error for each answer that is neither.
fn yes_no_answers(form: &HashMap<String, String>) -> (BTreeMap<String, bool>, Errors) {
    let mut answers = BTreeMap::new();
    let mut bad = Vec::new();
    for (k, v) in form {
        if let Some(q) = k.strip_prefix("answers.") {
            match v.as_str() {
                "yes" => {
                    answers.insert(q.to_string(), true);
                }
                "no" => {
                    answers.insert(q.to_string(), false);
                }
                _ => bad.push((k.clone(), "Answer yes or no.".to_string())),
            }
        }
    }
    (answers, bad)
}

pub async fn assess_risk(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::RecordReport>,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let Some(id) = number(&raw) else { return not_a_number(&a, &raw) };
    let (answers, bad) = yes_no_answers(&form);
    let v = viewer(&a, bo.now());
    let result = if bad.is_empty() {
        casework::assess_risk(&state.store, &v, id, &answers).await.map(|_| ())
    } else {
        Err(AsbError::Invalid(Problems(Vec::new())))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/asb/reports/{id}/risk")).into_response()),
        Err(AsbError::Invalid(p)) => {
            let mut errors = errors_of(&p, "");
            errors.extend(bad);
            let report = match state.store.asb().asb_report(id, &v).await {
                Ok(r) => r,
                Err(e) => return refusal(e, &a),
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &risk_page(&state, &a, report, &form, errors).await?)
        }
        Err(e) => refusal(e, &a),
    }
}

// ---- reports -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "asb_reports.html")]
struct ReportsPage {
    chrome: Chrome,
    reports: Vec<ReportSummary>,
}

pub async fn reports(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewCases>,
) -> Result<Response, PageError> {
    match state.store.asb().asb_reports(&viewer(&a, bo.now()), 200).await {
        Ok(reports) => render(StatusCode::OK, &ReportsPage { chrome: Chrome::of(&a), reports }),
        Err(e) => refusal(e, &a),
    }
}

#[derive(Template)]
#[template(path = "asb_report.html")]
struct ReportPage {
    chrome: Chrome,
    errors: Errors,
    r: ReportView,
    case_fields: Vec<Field>,
}

fn report_page(a: &Authed, r: ReportView, title: &str, csp: Field, errors: Errors) -> ReportPage {
    let mut case_fields =
        vec![field("title", "Case title", "text", title).hint("A short line saying what the case is about."), csp];
    mark(&mut case_fields, &errors);
    ReportPage { chrome: Chrome::of(a), errors, r, case_fields }
}

pub async fn report(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewCases>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let Some(id) = number(&raw) else { return not_a_number(&a, &raw) };
    match state.store.asb().asb_report(id, &viewer(&a, bo.now())).await {
        Ok(r) => {
            let csp = super::standards::csp_field(&state, &a, id, None).await?;
            render(StatusCode::OK, &report_page(&a, r, "", csp, Vec::new()))
        }
        Err(e) => refusal(e, &a),
    }
}

// ---- cases ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewCaseForm {
    title: String,
    report_id: String,
    /// `force/csp`, or empty for none.
    csp: String,
}

pub async fn create_case(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Form(form): Form<NewCaseForm>,
) -> Result<Response, PageError> {
    let Some(report_id) = number(&form.report_id) else { return not_a_number(&a, &form.report_id) };
    let v = viewer(&a, bo.now());
    match casework::open_case(&state.store, &v, &form.title, &[report_id], &form.csp).await {
        Ok(id) => Ok(Redirect::to(&format!("/asb/cases/{id}")).into_response()),
        Err(AsbError::Invalid(p)) => match state.store.asb().asb_report(report_id, &v).await {
            Ok(r) => {
                let csp = super::standards::csp_field(&state, &a, report_id, Some(&form.csp)).await?;
                render(StatusCode::UNPROCESSABLE_ENTITY, &report_page(&a, r, &form.title, csp, errors_of(&p, "")))
            }
            Err(e) => refusal(e, &a),
        },
        Err(e) => refusal(e, &a),
    }
}

#[derive(Template)]
#[template(path = "asb_cases.html")]
struct CasesPage {
    chrome: Chrome,
    cases: Vec<CaseSummary>,
}

pub async fn cases(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewCases>,
) -> Result<Response, PageError> {
    match state.store.asb().asb_cases(&viewer(&a, bo.now())).await {
        Ok(cases) => render(StatusCode::OK, &CasesPage { chrome: Chrome::of(&a), cases }),
        Err(e) => refusal(e, &a),
    }
}

/// One of the forms on the case page.
pub struct FormView {
    title: String,
    action: &'static str,
    button: &'static str,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "asb_case.html")]
struct CasePage {
    chrome: Chrome,
    errors: Errors,
    c: CaseView,
    forms: Vec<FormView>,
    owner: bool,
    /// The service standards panel (see `super::standards`).
    service: CaseService,
    contact_fields: Vec<Field>,
    /// For the owner of a case with no partnership: the chooser.
    csp_fields: Vec<Field>,
}

/// Everything typed into the case page's forms (each form sends its own fields).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CaseForms {
    action_kind: String,
    action_taken_on: String,
    action_description: String,
    tool_tool: String,
    tool_used_on: String,
    tool_review_on: String,
    tool_notes: String,
    link_report_id: String,
    share_organisation_id: String,
    close_outcome: String,
    close_notes: String,
    organisation_id: String,
    pub(super) contact_contacted_at: String,
    pub(super) contact_method: String,
    pub(super) contact_note: String,
    csp: String,
    reassign_user_id: String,
    reassign_reason: String,
    reopen_reason: String,
}

/// The forms for work on an open case: an action, a tool or power, a report.
fn work_forms(f: &CaseForms) -> Vec<FormView> {
    let tool_hint = Tool::ALL
        .iter()
        .map(|t| format!("{}: {} days", t.label(), t.default_review_days()))
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        FormView {
            title: "Record an action".into(),
            action: "actions",
            button: "Record the action",
            fields: vec![
                field("action_kind", "Action", "select", &f.action_kind).options(choices(
                    ActionKind::ALL,
                    ActionKind::slug,
                    ActionKind::label,
                )),
                field("action_taken_on", "Date", "date", &f.action_taken_on).hint("For example 2026-09-01."),
                field("action_description", "What was done", "textarea", &f.action_description),
            ],
        },
        FormView {
            title: "Record a tool or power".into(),
            action: "tools",
            button: "Record the tool or power",
            fields: vec![
                field("tool_tool", "Tool or power", "select", &f.tool_tool).options(choices(
                    Tool::ALL,
                    Tool::slug,
                    Tool::label,
                )),
                field("tool_used_on", "Date used", "date", &f.tool_used_on),
                field("tool_review_on", "Review by (optional)", "date", &f.tool_review_on)
                    .hint(&format!("Leave empty for the default review period. {tool_hint}.")),
                field("tool_notes", "Notes (optional)", "textarea", &f.tool_notes),
            ],
        },
        FormView {
            title: "Add a report to this case".into(),
            action: "reports",
            button: "Add the report",
            fields: vec![field("link_report_id", "Report number", "text", &f.link_report_id).auto("off")],
        },
    ]
}

fn reopen_form(f: &CaseForms) -> FormView {
    FormView {
        title: "Reopen this case".into(),
        action: "reopen",
        button: "Reopen the case",
        fields: vec![field("reopen_reason", "Why the case is being reopened", "textarea", &f.reopen_reason)],
    }
}

/// Reassignment, for a supervisor of the owning organisation: the choice is
/// the store's list of who may take the case (see `docs/asb.md`).
async fn reassign_form(state: &AppState, v: &Viewer<'_>, c: &CaseView, f: &CaseForms) -> Result<FormView, PageError> {
    let mut people = vec![(String::new(), "Choose…".to_string())];
    match state.store.asb().asb_case_owner_candidates(c.id, v).await {
        Ok(list) => {
            people.extend(list.into_iter().map(|p| (p.user_id.to_string(), format!("{} ({})", p.name, p.organisation))))
        }
        Err(AsbError::Store(e)) => return Err(e.into()),
        Err(_) => {}
    }
    Ok(FormView {
        title: "Reassign this case".into(),
        action: "reassign",
        button: "Reassign the case",
        fields: vec![
            field("reassign_user_id", "New owner", "select", &f.reassign_user_id)
                .options(people)
                .hint("Caseworkers of your organisation and of the organisations the case is shared with."),
            field("reassign_reason", "Why the case is changing hands", "textarea", &f.reassign_reason),
        ],
    })
}

/// Sharing and closing, for the owner of an open case.
async fn owner_forms(state: &AppState, c: &CaseView, f: &CaseForms) -> Result<Vec<FormView>, PageError> {
    let mut orgs = vec![(String::new(), "Choose…".to_string())];
    for o in state.store.accounts().organisations().await? {
        if o.id != c.owner_organisation_id {
            orgs.push((o.id.to_string(), format!("{} ({})", o.name, o.kind.label())));
        }
    }
    let share = FormView {
        title: "Share this case".into(),
        action: "shares",
        button: "Share the case",
        fields: vec![
            field("share_organisation_id", "Organisation", "select", &f.share_organisation_id)
                .options(orgs)
                .hint("Its staff will see the case, the victims' names and addresses, and the work done."),
        ],
    };
    let close = FormView {
        title: "Close this case".into(),
        action: "close",
        button: "Close the case",
        fields: vec![
            field("close_outcome", "Outcome", "select", &f.close_outcome).options(choices(
                ClosureOutcome::ALL,
                ClosureOutcome::slug,
                ClosureOutcome::label,
            )),
            field("close_notes", "Why the case is being closed", "textarea", &f.close_notes),
        ],
    };
    Ok(vec![share, close])
}

/// The forms a case offers this person: work on an open case, more for its
/// owner; a closed case takes no work, and its owner may reopen it.
async fn case_forms(
    state: &AppState,
    a: &Authed,
    v: &Viewer<'_>,
    c: &CaseView,
    f: &CaseForms,
    owner: bool,
) -> Result<Vec<FormView>, PageError> {
    let open = c.status == "open";
    let mut forms = if open { work_forms(f) } else { Vec::new() };
    if !open && owner {
        forms.push(reopen_form(f));
    }
    if open && owner && a.may(Permission::SuperviseCases) {
        forms.push(reassign_form(state, v, c, f).await?);
    }
    if open && owner {
        forms.extend(owner_forms(state, c, f).await?);
    }
    Ok(forms)
}

async fn case_page(
    state: &AppState,
    a: &Authed,
    c: CaseView,
    f: &CaseForms,
    errors: Errors,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CasePage, PageError> {
    let v = viewer(a, now);
    let service = match state.store.asb().asb_case_service(c.id, &v).await {
        Ok(s) => s,
        Err(AsbError::Store(e)) => return Err(crate::JsonError::Store(e).into()),
        Err(e) => return Err(crate::JsonError::Internal(e.to_string()).into()),
    };
    let mut contact_fields = super::standards::contact_fields(f, now);
    mark(&mut contact_fields, &errors);
    let owner = c.owner_organisation_id == a.user.organisation_id;
    let mut csp_fields = match c.reports.first() {
        Some(r) if owner && service.standards.csp_id.is_none() => {
            vec![super::standards::csp_field(state, a, r.id, (!f.csp.is_empty()).then_some(f.csp.as_str())).await?]
        }
        _ => Vec::new(),
    };
    mark(&mut csp_fields, &errors);
    let mut forms = case_forms(state, a, &v, &c, f, owner).await?;
    for form in &mut forms {
        mark(&mut form.fields, &errors);
    }
    Ok(CasePage { chrome: Chrome::of(a), errors, c, forms, owner, service, contact_fields, csp_fields })
}

pub async fn case(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewCases>,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let Some(id) = number(&raw) else { return not_a_number(&a, &raw) };
    match state.store.asb().asb_case(id, &viewer(&a, bo.now())).await {
        Ok(c) => render(StatusCode::OK, &case_page(&state, &a, c, &CaseForms::default(), Vec::new(), bo.now()).await?),
        Err(e) => refusal(e, &a),
    }
}

/// Runs one change to a case from its page: back to the case on success,
/// the case page with the form's errors on bad input.
async fn change_case<'a, F, Fut>(
    state: &AppState,
    a: &'a Authed,
    bo: &crate::Backoffice,
    raw: &str,
    form: &CaseForms,
    prefix: &str,
    change: F,
) -> Result<Response, PageError>
where
    F: FnOnce(i64, peel_store::asb::Viewer<'a>) -> Fut,
    Fut: std::future::Future<Output = Result<(), AsbError>> + 'a,
{
    let Some(id) = number(raw) else { return not_a_number(a, raw) };
    let v = viewer(a, bo.now());
    match change(id, v).await {
        Ok(()) => Ok(Redirect::to(&format!("/asb/cases/{id}")).into_response()),
        Err(AsbError::Invalid(p)) => match state.store.asb().asb_case(id, &v).await {
            Ok(c) => {
                let page = case_page(state, a, c, form, errors_of(&p, prefix), bo.now()).await?;
                render(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Err(e) => refusal(e, a),
        },
        Err(e) => refusal(e, a),
    }
}

pub async fn add_contact(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "contact_", |id, v| async move {
        casework::record_contact(&store, &v, id, &g.contact_contacted_at, &g.contact_method, &g.contact_note)
            .await
            .map(|_| ())
    })
    .await
}

pub async fn set_csp(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "", |id, v| async move {
        casework::set_partnership(&store, &v, id, &g.csp).await
    })
    .await
}

pub async fn add_action(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "action_", |id, v| async move {
        casework::add_action(&store, &v, id, &g.action_kind, &g.action_taken_on, &g.action_description)
            .await
            .map(|_| ())
    })
    .await
}

pub async fn add_tool(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "tool_", |id, v| async move {
        let t =
            RawToolUse { tool: g.tool_tool, used_on: g.tool_used_on, review_on: g.tool_review_on, notes: g.tool_notes };
        casework::add_tool(&store, &v, id, &t).await.map(|_| ())
    })
    .await
}

pub async fn link_report(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "link_", |id, v| async move {
        casework::link_report(&store, &v, id, number(&g.link_report_id)).await
    })
    .await
}

pub async fn share(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "share_", |id, v| async move {
        casework::share(&store, &v, id, number(&g.share_organisation_id)).await.map(|_| ())
    })
    .await
}

pub async fn unshare(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "unshare_", |id, v| async move {
        casework::unshare(&store, &v, id, number(&g.organisation_id)).await.map(|_| ())
    })
    .await
}

pub async fn close(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "close_", |id, v| async move {
        casework::close(&store, &v, id, &g.close_outcome, &g.close_notes).await.map(|_| ())
    })
    .await
}

pub async fn reassign(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SuperviseCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "reassign_", |id, v| async move {
        casework::reassign(&store, &v, id, number(&g.reassign_user_id), None, &g.reassign_reason).await
    })
    .await
}

pub async fn reopen(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageCases>,
    Path(raw): Path<String>,
    Form(f): Form<CaseForms>,
) -> Result<Response, PageError> {
    let store = state.store.clone();
    let g = f.clone();
    change_case(&state, &a, &bo, &raw, &f, "reopen_", |id, v| async move {
        casework::reopen(&store, &v, id, &g.reopen_reason).await
    })
    .await
}

// ---- reviews ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "asb_reviews.html")]
struct ReviewsPage {
    chrome: Chrome,
    errors: Errors,
    due_by: String,
    today: String,
    reviews: Vec<DueReview>,
    fields: Vec<Field>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewParams {
    due_by: String,
}

pub async fn reviews(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SuperviseCases>,
    Query(p): Query<ReviewParams>,
) -> Result<Response, PageError> {
    let now = bo.now();
    let today = now.date_naive();
    let (due, errors, status) = match super::api::due_by(&p.due_by, today) {
        Ok(d) => (d, Vec::new(), StatusCode::OK),
        Err(e) => (today + chrono::Days::new(14), errors_of(&e, ""), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let reviews = match state.store.asb().asb_due_reviews(due, &viewer(&a, now)).await {
        Ok(r) => r,
        Err(e) => return refusal(e, &a),
    };
    let mut fields =
        vec![field("due_by", "Due on or before", "date", &p.due_by).hint("Leave empty for the next 14 days.")];
    mark(&mut fields, &errors);
    let page = ReviewsPage {
        chrome: Chrome::of(&a),
        errors,
        due_by: due.format("%Y-%m-%d").to_string(),
        today: today.format("%Y-%m-%d").to_string(),
        reviews,
        fields,
    };
    render(status, &page)
}
