//! An application for a case review, and what makes one acceptable.
//!
//! Anyone may apply: the victim, or someone on their behalf with their
//! consent (a relative, a councillor, a business or group). Applications are
//! never anonymous, because the review must go back to a person.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::complaint::{Complaint, Discretion, is_anonymous};

/// The most complaints one application may cite.
pub const MAX_COMPLAINTS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub received_on: NaiveDate,
    /// The person applying.
    pub applicant_name: String,
    /// How to reach them: phone, email or address.
    pub applicant_contact: String,
    /// The victim, when someone else applies for them.
    #[serde(default)]
    pub on_behalf_of: Option<String>,
    /// The victim agreed to the application made for them.
    #[serde(default)]
    pub consent: bool,
    /// What the behaviour is, in the applicant's words.
    pub summary: String,
    #[serde(default)]
    pub vulnerable: bool,
    #[serde(default)]
    pub discretion: Option<Discretion>,
    #[serde(default)]
    pub complaints: Vec<Complaint>,
}

/// One thing wrong with an application: the field (as the form and the API
/// name it) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), message: message.into() }
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl NewApplication {
    /// Trims text fields and drops an empty "on behalf of".
    pub fn normalised(mut self) -> NewApplication {
        let t = |s: &mut String| *s = s.trim().to_string();
        t(&mut self.applicant_name);
        t(&mut self.applicant_contact);
        t(&mut self.summary);
        self.on_behalf_of = self.on_behalf_of.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if let Some(d) = &mut self.discretion {
            t(&mut d.by);
            t(&mut d.reason);
        }
        for c in &mut self.complaints {
            t(&mut c.complainant);
            t(&mut c.agency);
            t(&mut c.incident);
        }
        self
    }

    /// Every problem, so a form can show them all at once. Complaint fields
    /// are named `complaints[N].field`, N counting from 1.
    pub fn problems(&self, today: NaiveDate) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.received_on > today {
            out.push(problem("received_on", "The date received cannot be in the future"));
        }
        if is_anonymous(&self.applicant_name) {
            out.push(problem(
                "applicant_name",
                "Enter the applicant's name: applications for a case review cannot be anonymous",
            ));
        } else if too_long(&self.applicant_name, 200) {
            out.push(problem("applicant_name", "The applicant's name must be 200 characters or fewer"));
        }
        if self.applicant_contact.trim().is_empty() {
            out.push(problem(
                "applicant_contact",
                "Enter how to contact the applicant: a phone number, email or address",
            ));
        } else if too_long(&self.applicant_contact, 500) {
            out.push(problem("applicant_contact", "The contact details must be 500 characters or fewer"));
        }
        match &self.on_behalf_of {
            Some(v) if is_anonymous(v) => out.push(problem(
                "on_behalf_of",
                "Enter the name of the person the application is for, or leave it empty if they are applying themselves",
            )),
            Some(v) if too_long(v, 200) => {
                out.push(problem("on_behalf_of", "The name must be 200 characters or fewer"))
            }
            Some(_) if !self.consent => out.push(problem(
                "consent",
                "Confirm that the person the application is for has agreed to it",
            )),
            _ => {}
        }
        if self.summary.trim().is_empty() {
            out.push(problem("summary", "Describe the behaviour the application is about"));
        } else if too_long(&self.summary, 4000) {
            out.push(problem("summary", "The description must be 4,000 characters or fewer"));
        }
        if let Some(d) = &self.discretion {
            if d.by.trim().is_empty() {
                out.push(problem("discretion_by", "Enter the senior manager who decided to trigger a review"));
            }
            if d.reason.trim().is_empty() {
                out.push(problem("discretion_reason", "Enter why the senior manager decided to trigger a review"));
            }
        }
        if self.complaints.is_empty() && self.discretion.is_none() {
            out.push(problem(
                "complaints",
                "Add at least one complaint the application cites, or record a senior manager's decision",
            ));
        }
        if self.complaints.len() > MAX_COMPLAINTS {
            out.push(problem("complaints", format!("An application can cite at most {MAX_COMPLAINTS} complaints")));
        }
        for (i, c) in self.complaints.iter().enumerate() {
            let n = i + 1;
            let f = |name: &str| format!("complaints[{n}].{name}");
            if c.complainant.trim().is_empty() || too_long(&c.complainant, 200) {
                out.push(problem(f("complainant"), format!("Complaint {n}: enter who complained")));
            }
            if c.agency.trim().is_empty() || too_long(&c.agency, 200) {
                out.push(problem(f("agency"), format!("Complaint {n}: enter the agency the complaint was made to")));
            }
            if super::complaint::key(&c.incident).is_empty() || too_long(&c.incident, 300) {
                out.push(problem(
                    f("incident"),
                    format!("Complaint {n}: enter the incident's reference or a short description"),
                ));
            }
            if c.behaviour_on > self.received_on {
                out.push(problem(
                    f("behaviour_on"),
                    format!("Complaint {n}: the behaviour cannot be after the application was received"),
                ));
            }
            if c.complained_on < c.behaviour_on {
                out.push(problem(
                    f("complained_on"),
                    format!("Complaint {n}: the complaint cannot be before the behaviour it is about"),
                ));
            } else if c.complained_on > self.received_on {
                out.push(problem(
                    f("complained_on"),
                    format!("Complaint {n}: the complaint cannot be after the application was received"),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn good() -> NewApplication {
        NewApplication {
            received_on: d("2025-05-01"),
            applicant_name: "Jo Bloggs".into(),
            applicant_contact: "07700 900123".into(),
            on_behalf_of: None,
            consent: false,
            summary: "Loud music and threats from the flat above".into(),
            vulnerable: false,
            discretion: None,
            complaints: vec![Complaint {
                complainant: "Jo Bloggs".into(),
                agency: "Luton Borough Council".into(),
                incident: "LBC-1".into(),
                behaviour_on: d("2025-04-01"),
                complained_on: d("2025-04-02"),
                hate_related: false,
                report_id: None,
            }],
        }
    }

    fn fields(a: &NewApplication) -> Vec<String> {
        a.problems(d("2025-05-01")).into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_complete_application_has_no_problems() {
        assert!(fields(&good()).is_empty());
    }

    #[test]
    fn anonymous_applications_are_refused() {
        for name in ["", "Anonymous", "withheld"] {
            let mut a = good();
            a.applicant_name = name.into();
            let p = a.problems(d("2025-05-01"));
            assert_eq!(p[0].field, "applicant_name");
            assert!(p[0].message.contains("cannot be anonymous"));
        }
        let mut a = good();
        a.applicant_contact = " ".into();
        assert_eq!(fields(&a), ["applicant_contact"]);
    }

    #[test]
    fn applying_for_someone_else_needs_their_consent() {
        let mut a = good();
        a.on_behalf_of = Some("Sam Bloggs".into());
        assert_eq!(fields(&a), ["consent"]);
        a.consent = true;
        assert!(fields(&a).is_empty());
        a.on_behalf_of = Some("anonymous".into());
        assert_eq!(fields(&a), ["on_behalf_of"]);
        let a = NewApplication { on_behalf_of: Some("  ".into()), ..good() }.normalised();
        assert_eq!(a.on_behalf_of, None, "an empty name means the applicant is the victim");
    }

    #[test]
    fn complaints_are_checked_field_by_field() {
        let mut a = good();
        a.complaints[0].agency = "".into();
        a.complaints[0].incident = "--".into();
        a.complaints[0].complained_on = d("2025-03-31");
        assert_eq!(fields(&a), ["complaints[1].agency", "complaints[1].incident", "complaints[1].complained_on"]);
        let mut a = good();
        a.complaints[0].behaviour_on = d("2025-05-02");
        a.complaints[0].complained_on = d("2025-05-02");
        assert_eq!(fields(&a), ["complaints[1].behaviour_on", "complaints[1].complained_on"]);
        let mut a = good();
        a.complaints.clear();
        assert_eq!(fields(&a), ["complaints"]);
        a.discretion = Some(Discretion { by: "Pat Lee".into(), reason: "".into() });
        assert_eq!(fields(&a), ["discretion_reason"]);
        let mut a = good();
        a.complaints = vec![a.complaints[0].clone(); MAX_COMPLAINTS + 1];
        assert_eq!(fields(&a), ["complaints"]);
    }

    #[test]
    fn dates_cannot_be_in_the_future() {
        let a = NewApplication { received_on: d("2025-05-02"), ..good() };
        assert_eq!(fields(&a), ["received_on"]);
    }

    #[test]
    fn reads_from_json_and_refuses_unknown_fields() {
        let v = serde_json::to_value(good()).unwrap();
        let back: NewApplication = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, good());
        let mut extra = v;
        extra["nickname"] = "x".into();
        assert!(serde_json::from_value::<NewApplication>(extra).unwrap_err().to_string().contains("unknown field"));
    }
}
