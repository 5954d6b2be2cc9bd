//! A partnership's published case review procedure, as data: the threshold
//! rules, the local deadlines, any appeal, and the single point of contact.
//!
//! Every area words its threshold differently and none of the timescales are
//! statutory, so nothing here is a constant in code. Each procedure carries a
//! version, and every decision records the version that produced it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::url::SafeUrl;

const NATIONAL_DEFAULT: &str = include_str!("data/national-default.json");
const LOCAL_EXAMPLE: &str = include_str!("data/local-example.json");

/// Why a procedure document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    #[error("the procedure is not valid JSON of the expected shape: {0}")]
    Json(String),
    #[error("the procedure's {field} {problem}")]
    Invalid { field: String, problem: String },
}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> ProcedureError {
    ProcedureError::Invalid { field: field.into(), problem: problem.into() }
}

/// What makes a complaint qualifying (s104(11)): made within
/// `complaint_within_months` of the behaviour, with the application made
/// within `application_within_months` of the complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualifying {
    pub complaint_within_months: u32,
    pub application_within_months: u32,
}

/// Whose complaints a counting rule adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Complainants {
    /// Anyone's: the national default.
    #[default]
    Any,
    /// All from the same person (Bristol, Gosport, West Mercia).
    OnePerson,
    /// From more than one person about the same problem (Cleveland, Wales).
    SeveralPeople,
}

/// How a rule is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RuleKind {
    /// At least `min` qualifying incidents from `complainants`, of which at
    /// least `min_hate_related` were hate-related.
    Complaints {
        min: u32,
        #[serde(default)]
        complainants: Complainants,
        #[serde(default)]
        min_hate_related: u32,
    },
    /// A senior manager's decision to review, for a vulnerable victim
    /// (Lincolnshire), whatever the number of complaints.
    Discretionary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable within the procedure: stored with each decision.
    pub id: String,
    /// Plain English, as the partnership publishes it.
    pub description: String,
    #[serde(flatten)]
    pub kind: RuleKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    WorkingDays,
    CalendarDays,
}

/// The event a deadline runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    Received,
    Acknowledged,
    Decided,
    Meeting,
    AppealLodged,
}

impl Start {
    pub fn label(self) -> &'static str {
        match self {
            Start::Received => "the application was received",
            Start::Acknowledged => "the application was acknowledged",
            Start::Decided => "the threshold decision",
            Start::Meeting => "the review meeting",
            Start::AppealLodged => "the appeal was made",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub within: u32,
    pub unit: Unit,
    pub from: Start,
}

impl Period {
    /// "10 working days after the application was received".
    pub fn describe(&self) -> String {
        let unit = match (self.unit, self.within) {
            (Unit::WorkingDays, 1) => "working day",
            (Unit::WorkingDays, _) => "working days",
            (Unit::CalendarDays, 1) => "day",
            (Unit::CalendarDays, _) => "days",
        };
        format!("{} {unit} after {}", self.within, self.from.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub acknowledge: Period,
    pub decide: Period,
    pub meeting: Period,
    pub recommendations: Period,
}

/// The single point of contact and how to apply (s104(3)), as published.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub team: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The published procedure's page: an http, https, mailto or tel link.
    #[serde(default)]
    pub web: Option<SafeUrl>,
    pub how_to_apply: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub version: String,
    pub name: String,
    #[serde(default)]
    pub source: String,
    pub qualifying: Qualifying,
    pub rules: Vec<Rule>,
    pub deadlines: Deadlines,
    /// How quickly an appeal is answered, where the local procedure has one.
    #[serde(default)]
    pub appeal: Option<Period>,
    #[serde(default)]
    pub contact: Option<Contact>,
}

impl Procedure {
    /// Reads and checks a procedure document.
    pub fn from_json(text: &str) -> Result<Procedure, ProcedureError> {
        let p: Procedure = serde_json::from_str(text).map_err(|e| ProcedureError::Json(e.to_string()))?;
        p.check()?;
        Ok(p)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The Act's threshold with timescales from published local procedures.
    pub fn national_default() -> Procedure {
        Procedure::from_json(NATIONAL_DEFAULT).unwrap_or_else(unreachable_default)
    }

    /// Every documented local variant in one procedure, as a starting point.
    pub fn local_example() -> Procedure {
        Procedure::from_json(LOCAL_EXAMPLE).unwrap_or_else(unreachable_default)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Whether an applicant may appeal a decision under this procedure.
    pub fn has_appeal(&self) -> bool {
        self.appeal.is_some()
    }

    /// Checks what the types cannot: the statutory ceiling, sane numbers,
    /// unique rule ids.
    pub fn check(&self) -> Result<(), ProcedureError> {
        let text_ok = |s: &str, max: usize| !s.trim().is_empty() && s.chars().count() <= max;
        if !text_ok(&self.version, 64) {
            return Err(invalid("version", "must be given (at most 64 characters)"));
        }
        if !self.version.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
            return Err(invalid("version", "may use only letters, digits, '-', '.' and '_'"));
        }
        if !text_ok(&self.name, 200) {
            return Err(invalid("name", "must be given (at most 200 characters)"));
        }
        let q = &self.qualifying;
        if !(1..=24).contains(&q.complaint_within_months) {
            return Err(invalid("qualifying.complaint_within_months", "must be between 1 and 24"));
        }
        if !(1..=24).contains(&q.application_within_months) {
            return Err(invalid("qualifying.application_within_months", "must be between 1 and 24"));
        }
        if self.rules.is_empty() {
            return Err(invalid("rules", "must list at least one rule"));
        }
        let mut ids = HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let field = format!("rules[{i}]");
            if !text_ok(&r.id, 64) || !r.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(invalid(format!("{field}.id"), "must be given, using letters, digits and '-'"));
            }
            if !ids.insert(r.id.as_str()) {
                return Err(invalid(format!("{field}.id"), format!("{:?} is used twice", r.id)));
            }
            if !text_ok(&r.description, 300) {
                return Err(invalid(format!("{field}.description"), "must be given (at most 300 characters)"));
            }
            if let RuleKind::Complaints { min, min_hate_related, complainants } = r.kind {
                if !(1..=50).contains(&min) {
                    return Err(invalid(format!("{field}.min"), "must be between 1 and 50"));
                }
                if min_hate_related > min {
                    return Err(invalid(format!("{field}.min_hate_related"), "cannot be more than min"));
                }
                if complainants == Complainants::SeveralPeople && min < 2 {
                    return Err(invalid(format!("{field}.min"), "must be at least 2 when several people complain"));
                }
            }
        }
        // s104(4) and its explanatory notes: the automatic threshold is 3
        // qualifying complaints or fewer.
        let statutory = self.rules.iter().any(|r| {
            matches!(r.kind, RuleKind::Complaints { min, min_hate_related: 0, complainants }
                if min <= 3 && complainants != Complainants::SeveralPeople)
        });
        if !statutory {
            return Err(invalid(
                "rules",
                "must include a rule met by at most 3 qualifying complaints with no other condition \
                 (the Act sets the threshold no higher than 3)",
            ));
        }
        for (name, p) in [
            ("deadlines.acknowledge", Some(&self.deadlines.acknowledge)),
            ("deadlines.decide", Some(&self.deadlines.decide)),
            ("deadlines.meeting", Some(&self.deadlines.meeting)),
            ("deadlines.recommendations", Some(&self.deadlines.recommendations)),
            ("appeal", self.appeal.as_ref()),
        ] {
            if let Some(p) = p
                && !(1..=365).contains(&p.within)
            {
                return Err(invalid(format!("{name}.within"), "must be between 1 and 365"));
            }
        }
        let d = &self.deadlines;
        let bad_from = [
            ("deadlines.acknowledge.from", d.acknowledge.from, &[Start::Received][..]),
            ("deadlines.decide.from", d.decide.from, &[Start::Received, Start::Acknowledged][..]),
            ("deadlines.meeting.from", d.meeting.from, &[Start::Received, Start::Acknowledged, Start::Decided][..]),
            (
                "deadlines.recommendations.from",
                d.recommendations.from,
                &[Start::Received, Start::Acknowledged, Start::Decided, Start::Meeting][..],
            ),
        ];
        for (field, from, allowed) in bad_from {
            if !allowed.contains(&from) {
                return Err(invalid(field, "must be an earlier step of the review"));
            }
        }
        if let Some(a) = &self.appeal
            && a.from != Start::AppealLodged
        {
            return Err(invalid("appeal.from", "must be \"appeal-lodged\""));
        }
        if let Some(c) = &self.contact {
            if !text_ok(&c.team, 200) {
                return Err(invalid("contact.team", "must be given"));
            }
            if !text_ok(&c.how_to_apply, 2000) {
                return Err(invalid("contact.how_to_apply", "must be given (at most 2000 characters)"));
            }
            if c.email.is_none() && c.phone.is_none() && c.web.is_none() {
                return Err(invalid("contact", "must give an email address, a phone number or a web page"));
            }
        }
        Ok(())
    }
}

/// The shipped procedures are checked by the tests below; should one ever
/// fail to read, the build that shipped it failed its tests.
fn unreachable_default(e: ProcedureError) -> Procedure {
    panic!("a shipped Community Trigger procedure is invalid: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_procedures_are_valid() {
        let n = Procedure::national_default();
        assert_eq!(n.version, "national-default-1");
        assert_eq!(n.rules.len(), 1);
        assert_eq!(
            n.rules[0].kind,
            RuleKind::Complaints { min: 3, complainants: Complainants::Any, min_hate_related: 0 }
        );
        assert_eq!(n.qualifying, Qualifying { complaint_within_months: 1, application_within_months: 6 });
        assert!(!n.has_appeal());
        let l = Procedure::local_example();
        assert_eq!(l.rules.len(), 5);
        assert!(l.has_appeal());
        assert!(l.contact.is_some());
        assert_eq!(Procedure::from_json(&l.to_json()).unwrap(), l, "round trip");
        assert_eq!(n.deadlines.acknowledge.describe(), "10 working days after the application was received");
        assert_eq!(l.deadlines.meeting.describe(), "21 days after the threshold decision");
    }

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Procedure, ProcedureError> {
        let mut v: serde_json::Value = serde_json::from_str(LOCAL_EXAMPLE).unwrap();
        edit(&mut v);
        Procedure::from_json(&v.to_string())
    }

    fn problem(r: Result<Procedure, ProcedureError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn refuses_a_threshold_above_three() {
        let e = problem(with(|v| {
            v["rules"] = serde_json::json!([{ "id": "five", "kind": "complaints", "min": 5, "description": "5" }]);
        }));
        assert!(e.contains("no higher than 3"), "{e}");
        // Several people's reports alone are not the statutory rule either.
        let e = problem(with(|v| {
            v["rules"] = serde_json::json!([{ "id": "x", "kind": "complaints", "min": 2,
                "complainants": "several-people", "description": "x" }]);
        }));
        assert!(e.contains("no higher than 3"), "{e}");
        // A lower number is allowed.
        assert!(
            with(|v| {
                v["rules"] = serde_json::json!([{ "id": "two", "kind": "complaints", "min": 2, "description": "2" }]);
            })
            .is_ok()
        );
    }

    #[test]
    fn explains_each_bad_field() {
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|v| v["version"] = "".into()), "version must be given"),
            (Box::new(|v| v["version"] = "v 1".into()), "version may use only"),
            (Box::new(|v| v["qualifying"]["complaint_within_months"] = 0.into()), "complaint_within_months"),
            (Box::new(|v| v["rules"] = serde_json::json!([])), "at least one rule"),
            (Box::new(|v| v["rules"][1]["id"] = "one-person-three".into()), "used twice"),
            (Box::new(|v| v["rules"][0]["min"] = 0.into()), "rules[0].min"),
            (Box::new(|v| v["rules"][3]["min_hate_related"] = 3.into()), "cannot be more than min"),
            (Box::new(|v| v["deadlines"]["decide"]["within"] = 0.into()), "deadlines.decide.within"),
            (Box::new(|v| v["deadlines"]["acknowledge"]["from"] = "meeting".into()), "earlier step"),
            (Box::new(|v| v["appeal"]["from"] = "received".into()), "appeal-lodged"),
            (Box::new(|v| v["contact"]["email"] = serde_json::Value::Null), "email address, a phone"),
            (Box::new(|v| v["deadlines"]["decide"]["unit"] = "weeks".into()), "unknown variant"),
            (Box::new(|v| v["rules"][0]["kind"] = "vibes".into()), "unknown variant"),
            (Box::new(|v| v["surprise"] = 1.into()), "unknown field"),
            (Box::new(|v| v["contact"]["web"] = "javascript:alert('x')".into()), "is a javascript: link"),
        ];
        for (edit, says) in cases {
            let e = problem(with(|v| {
                v["contact"]["phone"] = serde_json::Value::Null;
                v["contact"]["web"] = serde_json::Value::Null;
                if says != "email address, a phone" {
                    v["contact"]["email"] = "x@example.org".into();
                }
                edit(v)
            }));
            assert!(e.contains(says), "{says}: {e}");
        }
        assert!(problem(Procedure::from_json("not json")).contains("not valid JSON"));
    }
}
