//! Reading the application and step forms, and naming each problem by the
//! id of the form field that holds it (so error summaries link to it).

use chrono::NaiveDate;
use peel_core::trigger::application::Problem;
use peel_core::trigger::{Complaint, Discretion, NewApplication, Recommendation, Step};
use peel_store::StepInput;
use peel_usecases::case_reviews::NewStep;

/// Blank complaint rows shown on the application form.
pub const COMPLAINT_ROWS: usize = 8;
/// The most complaint rows the form takes (an application's limit).
pub const MAX_ROWS: usize = peel_core::trigger::application::MAX_COMPLAINTS;

/// How many complaint rows to show: the rows in use, two spare, at least
/// [`COMPLAINT_ROWS`].
pub fn rows_to_show(f: &Fields) -> usize {
    let used = (1..=MAX_ROWS)
        .filter(|n| f.0.iter().any(|(k, v)| k.starts_with(&format!("c{n}-")) && !v.trim().is_empty()))
        .max()
        .unwrap_or(0);
    (used + 2).clamp(COMPLAINT_ROWS, MAX_ROWS)
}
/// Blank recommendation rows shown on the recommendations form.
pub const RECOMMENDATION_ROWS: usize = 5;

/// A submitted form, as name/value pairs.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn ticked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), message: message.into() }
}

/// A date typed as year-month-day (what `<input type="date">` sends).
pub fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The partnership chosen on the form, as (force, csp).
pub fn csp_choice(s: &str) -> Option<(String, String)> {
    let (f, c) = s.trim().split_once('/')?;
    (!f.is_empty() && !c.is_empty()).then(|| (f.to_string(), c.to_string()))
}

/// The application on the form, or every problem with how it was typed.
/// Also returns, for each complaint, the form row it came from.
pub fn application(f: &Fields) -> Result<(NewApplication, Vec<usize>), Vec<Problem>> {
    let mut problems = Vec::new();
    let received_on = date(f.get("received_on"));
    if received_on.is_none() {
        problems.push(problem("received_on", "Enter the date the application was received, like 2026-03-31"));
    }
    let mut complaints = Vec::new();
    let mut rows = Vec::new();
    for n in 1..=MAX_ROWS {
        let g = |x: &str| f.get(&format!("c{n}-{x}")).trim().to_string();
        let texts = [g("complainant"), g("agency"), g("incident"), g("behaviour_on"), g("complained_on")];
        if texts.iter().all(String::is_empty) {
            continue;
        }
        let report_text = g("report_id");
        let report_id = if report_text.is_empty() {
            None
        } else {
            let id = report_text.parse::<i64>().ok().filter(|id| *id > 0);
            if id.is_none() {
                problems.push(problem(
                    format!("c{n}-incident"),
                    format!(
                        "Complaint {n}: the ASB report it cites is not a report number; remove the row and add it again"
                    ),
                ));
            }
            id
        };
        let behaviour_on = date(&texts[3]);
        let complained_on = date(&texts[4]);
        if behaviour_on.is_none() {
            problems.push(problem(
                format!("c{n}-behaviour_on"),
                format!("Complaint {n}: enter the date of the behaviour, like 2026-03-31"),
            ));
        }
        if complained_on.is_none() {
            problems.push(problem(
                format!("c{n}-complained_on"),
                format!("Complaint {n}: enter the date the complaint was made, like 2026-03-31"),
            ));
        }
        if let (Some(behaviour_on), Some(complained_on)) = (behaviour_on, complained_on) {
            let [complainant, agency, incident, _, _] = texts;
            complaints.push(Complaint {
                complainant,
                agency,
                incident,
                behaviour_on,
                complained_on,
                hate_related: f.ticked(&format!("c{n}-hate")),
                report_id,
            });
            rows.push(n);
        }
    }
    let discretion_by = f.get("discretion_by").trim();
    let discretion_reason = f.get("discretion_reason").trim();
    let discretion = (!discretion_by.is_empty() || !discretion_reason.is_empty())
        .then(|| Discretion { by: discretion_by.into(), reason: discretion_reason.into() });
    match received_on {
        Some(received_on) if problems.is_empty() => Ok((
            NewApplication {
                received_on,
                applicant_name: f.get("applicant_name").into(),
                applicant_contact: f.get("applicant_contact").into(),
                on_behalf_of: Some(f.get("on_behalf_of").to_string()),
                consent: f.ticked("consent"),
                summary: f.get("summary").into(),
                vulnerable: f.ticked("vulnerable"),
                discretion,
                complaints,
            },
            rows,
        )),
        _ => Err(problems),
    }
}

/// Renames `complaints[N].x` (N counting the complaints given) to the form
/// field `cR-x` (R the row it was typed in).
pub fn form_field(field: &str, rows: &[usize]) -> String {
    if let Some(rest) = field.strip_prefix("complaints[")
        && let Some((n, name)) = rest.split_once("].")
        && let Ok(n) = n.parse::<usize>()
        && let Some(row) = n.checked_sub(1).and_then(|i| rows.get(i))
    {
        // The cited report is a hidden field: point at the incident it fills.
        let name = if name == "report_id" { "incident" } else { name };
        return format!("c{row}-{name}");
    }
    if field == "complaints" {
        return "c1-complainant".into();
    }
    field.to_string()
}

/// The step named on a step form, and what was typed for it.
pub fn step(f: &Fields) -> Result<NewStep, Problem> {
    let step = Step::from_slug(f.get("step")).ok_or_else(|| problem("step", "Choose a step to record"))?;
    let on_text = f.get("on");
    let on = date(on_text);
    if on.is_none() {
        return Err(problem("on", "Enter the date as year-month-day, like 2026-03-31"));
    }
    let threshold_met = match f.get("threshold_met") {
        "met" => Some(true),
        "not-met" => Some(false),
        _ => None,
    };
    let recommendations = (1..=RECOMMENDATION_ROWS)
        .map(|n| Recommendation {
            recipient: f.get(&format!("r{n}-recipient")).into(),
            action: f.get(&format!("r{n}-action")).into(),
        })
        .collect();
    let outcome = Some(f.get("outcome").to_string()).filter(|s| !s.trim().is_empty());
    Ok(NewStep {
        step,
        input: StepInput { on, notes: f.get("notes").into(), outcome, recommendations },
        threshold_met,
        reason: f.get("reason").into(),
    })
}

/// The id of the field on the step's form that a problem is about.
pub fn step_field(step: &str, field: &str) -> String {
    if let Some(rest) = field.strip_prefix("recommendations[")
        && let Some((n, name)) = rest.split_once("].")
    {
        return format!("{step}-r{n}-{name}");
    }
    match field {
        "step" | "recommendations" => format!("{step}-on"),
        f => format!("{step}-{f}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect())
    }

    #[test]
    fn blank_rows_are_skipped_and_problems_name_the_row() {
        let f = fields(&[
            ("received_on", "2025-06-02"),
            ("applicant_name", "Jo"),
            ("c3-complainant", "Jo"),
            ("c3-agency", "Council"),
            ("c3-incident", "1"),
            ("c3-behaviour_on", "2025-05-01"),
            ("c3-complained_on", "2025-05-02"),
            ("c3-hate", "yes"),
        ]);
        let (app, rows) = application(&f).unwrap();
        assert_eq!(app.complaints.len(), 1);
        assert!(app.complaints[0].hate_related);
        assert_eq!(rows, [3]);
        assert_eq!(form_field("complaints[1].agency", &rows), "c3-agency");
        assert_eq!(form_field("applicant_name", &rows), "applicant_name");
        let bad = fields(&[("received_on", "2/6/2025"), ("c2-agency", "Council"), ("c2-behaviour_on", "yesterday")]);
        let p: Vec<_> = application(&bad).unwrap_err().into_iter().map(|p| p.field).collect();
        assert_eq!(p, ["received_on", "c2-behaviour_on", "c2-complained_on"]);
    }

    #[test]
    fn step_forms() {
        let s = step(&fields(&[("step", "decided"), ("on", "2025-06-03"), ("threshold_met", "not-met")])).unwrap();
        assert_eq!(s.step, Step::Decided);
        assert_eq!(s.threshold_met, Some(false));
        assert_eq!(step(&fields(&[("step", "party"), ("on", "2025-06-03")])).unwrap_err().field, "step");
        assert_eq!(step(&fields(&[("step", "meeting"), ("on", "")])).unwrap_err().field, "on");
        assert_eq!(step_field("recommendations", "recommendations[2].action"), "recommendations-r2-action");
        assert_eq!(step_field("meeting", "on"), "meeting-on");
        assert_eq!(csp_choice("bedfordshire/luton"), Some(("bedfordshire".into(), "luton".into())));
        assert_eq!(csp_choice("luton"), None);
    }
}
