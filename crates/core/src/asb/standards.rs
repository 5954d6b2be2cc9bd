//! A partnership's local ASB service standards, as data: how soon the victim
//! is contacted and assessed, how often they hear about progress, what they
//! are told at closure, and the redress offered when a standard is missed.
//!
//! The 2009 white paper asked every CDRP/CSP to publish its own standards,
//! so no number here is a constant in code. Each document carries a version,
//! and every judgement of a case names the version that made it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Invalid, Problems, slugged, text};

/// The document shipped with peel, used by cases with no partnership or
/// whose partnership had adopted none when the case was opened.
pub const DEFAULT_STANDARDS_JSON: &str = include_str!("../../../../data/asb/standards-default.json");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// While the case is open, the victim hears from the case at least this often.
    pub every_days: u32,
    /// Stricter, for a victim whose latest risk assessment is high risk.
    #[serde(default)]
    pub high_risk_every_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    pub tell_within_days: u32,
    pub what_the_victim_is_told: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Redress {
    /// What is offered to the victim when a standard is missed.
    pub offer: String,
    /// Where to complain if that is not enough.
    pub complain_to: String,
    /// Whether to tell the victim about the ASB case review (Community Trigger).
    #[serde(default)]
    pub community_trigger: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Standards {
    /// Unique within a partnership and never reused: judgements name it.
    pub version: String,
    pub name: String,
    pub sources: Vec<String>,
    /// What is local or peel's own choice, and why.
    #[serde(default)]
    pub notes: Vec<String>,
    /// How to report ASB, as the partnership publishes it.
    #[serde(default)]
    pub single_point_of_contact: Option<String>,
    /// The victim is contacted within this many hours of the first report.
    pub first_contact_hours: u32,
    /// The victim's risk is assessed within this many hours of the first report.
    #[serde(default)]
    pub risk_assessment_hours: Option<u32>,
    #[serde(default)]
    pub updates: Option<Updates>,
    /// Whether each tool or power must be reviewed by its review date.
    #[serde(default)]
    pub tool_reviews: bool,
    #[serde(default)]
    pub closure: Option<Closure>,
    pub redress: Redress,
}

impl Standards {
    /// Parses and checks a standards document, listing every problem.
    pub fn parse(json: &str) -> Result<Standards, Problems> {
        let s: Standards = serde_json::from_str(json).map_err(|e| {
            Problems::one("standards", format!("The standards are not a valid standards document: {e}."))
        })?;
        s.check()?;
        Ok(s)
    }

    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Vec::new();
        let v = &self.version;
        if v.is_empty() || v.len() > 60 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            p.push(Invalid::new("version", "The version must be 1 to 60 characters: letters, digits, - _ and ."));
        }
        let mut need = |value: &str, field: &str, what: &str, max: usize| {
            if let Err(e) = text(value, field, what, true, max, true) {
                p.push(e);
            }
        };
        need(&self.name, "name", "a name for the standards", 200);
        need(&self.redress.offer, "redress.offer", "the redress offered when a standard is missed", 2000);
        need(&self.redress.complain_to, "redress.complain_to", "where the victim may complain", 2000);
        if let Some(c) = &self.closure {
            need(&c.what_the_victim_is_told, "closure.what_the_victim_is_told", "what the victim is told", 2000);
        }
        if let Some(s) = &self.single_point_of_contact {
            need(s, "single_point_of_contact", "how to report anti-social behaviour", 2000);
        }
        if self.sources.iter().all(|s| s.trim().is_empty()) {
            p.push(Invalid::new("sources", "Name at least one source for the standards."));
        }
        if !(1..=720).contains(&self.first_contact_hours) {
            p.push(Invalid::new("first_contact_hours", "First contact must be due within 1 to 720 hours."));
        }
        if self.risk_assessment_hours.is_some_and(|h| !(1..=720).contains(&h)) {
            p.push(Invalid::new("risk_assessment_hours", "The risk assessment must be due within 1 to 720 hours."));
        }
        if let Some(u) = &self.updates {
            if !(1..=90).contains(&u.every_days) {
                p.push(Invalid::new("updates.every_days", "Updates must be due every 1 to 90 days."));
            }
            if let Some(h) = u.high_risk_every_days
                && (h == 0 || h > u.every_days)
            {
                p.push(Invalid::new(
                    "updates.high_risk_every_days",
                    "Updates for a high-risk victim must be due every day or more often than for others.",
                ));
            }
        }
        if let Some(c) = &self.closure
            && !(1..=90).contains(&c.tell_within_days)
        {
            p.push(Invalid::new("closure.tell_within_days", "The victim must be told within 1 to 90 days of closing."));
        }
        if p.is_empty() { Ok(()) } else { Err(Problems(p)) }
    }

    /// The standards shipped with peel.
    pub fn national_default() -> Standards {
        // The shipped document is checked by a test, so this cannot fail in a release.
        Standards::parse(DEFAULT_STANDARDS_JSON).unwrap_or_else(|e| panic!("data/asb/standards-default.json: {e}"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Each standard in plain English, as the public page and the case page show it.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![format!("We contact the victim within {}.", hours(self.first_contact_hours))];
        if let Some(h) = self.risk_assessment_hours {
            out.push(format!("We assess the victim's risk within {} of the report.", hours(h)));
        }
        if let Some(u) = &self.updates {
            let mut s = format!("While the case is open we update the victim at least every {}", days(u.every_days));
            if let Some(h) = u.high_risk_every_days {
                s.push_str(&format!(", and at least every {} when they are at high risk", days(h)));
            }
            s.push('.');
            out.push(s);
        }
        if self.tool_reviews {
            out.push(
                "We review every tool or power used (a warning, a notice, an injunction) by its review date.".into(),
            );
        }
        if let Some(c) = &self.closure {
            out.push(format!(
                "When we close the case we tell the victim within {}: {}",
                days(c.tell_within_days),
                c.what_the_victim_is_told
            ));
        }
        out
    }
}

fn hours(n: u32) -> String {
    if n == 1 { "1 hour".into() } else { format!("{n} hours") }
}

fn days(n: u32) -> String {
    if n == 1 { "day".into() } else { format!("{n} days") }
}

slugged! {
    /// How the victim was contacted or updated.
    ContactMethod, "how the victim was contacted" {
        Phone => "phone", "Phone call";
        Visit => "visit", "Visit";
        Letter => "letter", "Letter";
        Email => "email", "Email";
    }
}

/// The stored and form shape of [`NewContact::contacted_at`].
pub const CONTACT_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// A checked record of contact with the victim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub contacted_at: DateTime<Utc>,
    pub method: ContactMethod,
    pub note: String,
}

impl NewContact {
    pub fn check(contacted_at: &str, method: &str, note: &str, now: DateTime<Utc>) -> Result<NewContact, Problems> {
        let mut p = Vec::new();
        let at = match NaiveDateTime::parse_from_str(contacted_at.trim(), CONTACT_FORMAT) {
            Ok(t) if t.and_utc() > now + Duration::minutes(5) => {
                p.push(Invalid::new("contacted_at", "The time of the contact cannot be in the future."));
                None
            }
            Ok(t) => Some(t.and_utc()),
            Err(_) => {
                p.push(Invalid::new(
                    "contacted_at",
                    "Enter when the victim was contacted as a date and time, like 2026-09-01T14:30.",
                ));
                None
            }
        };
        let method = ContactMethod::parse(method, "method").map_err(|e| p.push(e)).ok();
        let note = text(note, "note", "what the victim was told", true, 4000, true).map_err(|e| p.push(e)).ok();
        match (at, method, note) {
            (Some(contacted_at), Some(method), Some(note)) if p.is_empty() => {
                Ok(NewContact { contacted_at, method, note })
            }
            _ => Err(Problems(p)),
        }
    }
}

/// A tool or power's review date, for [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolReview {
    pub what: String,
    pub used_on: NaiveDate,
    pub review_on: NaiveDate,
}

/// What [`evaluate`] needs to know about a case: nothing personal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// When the case's first report was recorded: the clock starts here.
    pub reported_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The first risk assessment of any of the case's reports.
    pub first_assessed_at: Option<DateTime<Utc>>,
    /// Whether the latest assessment of any report is high risk.
    pub high_risk: bool,
    /// Every recorded contact with or update to the victim.
    pub contacts: Vec<DateTime<Utc>>,
    pub tool_reviews: Vec<ToolReview>,
    /// The days a review of the case's tools and powers was recorded (a
    /// `tool-review` action): one review covers every tool in use then.
    pub tool_reviews_held: Vec<NaiveDate>,
}

/// Where one standard stands. Durations are whole seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum State {
    /// Done in time.
    Met {
        at: DateTime<Utc>,
    },
    /// Done, but after it was due: redress applies.
    Late {
        due_at: DateTime<Utc>,
        at: DateTime<Utc>,
        late_by_seconds: i64,
    },
    /// Not done yet, and not yet late.
    Due {
        due_at: DateTime<Utc>,
    },
    /// Not done, and late.
    Overdue {
        due_at: DateTime<Utc>,
        overdue_by_seconds: i64,
    },
    /// Not done before the case closed: it can no longer be met.
    Missed {
        due_at: DateTime<Utc>,
    },
    NotApplicable {
        why: String,
    },
}

impl State {
    pub fn slug(&self) -> &'static str {
        match self {
            State::Met { .. } => "met",
            State::Late { .. } => "late",
            State::Due { .. } => "due",
            State::Overdue { .. } => "overdue",
            State::Missed { .. } => "missed",
            State::NotApplicable { .. } => "not-applicable",
        }
    }

    /// Whether the victim is owed redress for this standard.
    pub fn failed(&self) -> bool {
        matches!(self, State::Late { .. } | State::Overdue { .. } | State::Missed { .. })
    }

    /// In plain English, for the pages.
    pub fn describe(&self) -> String {
        let t = |d: &DateTime<Utc>| d.format("%-d %B %Y at %H:%M").to_string();
        match self {
            State::Met { at } => format!("Met: done {}", t(at)),
            State::Late { due_at, at, late_by_seconds } => {
                format!("Late: due {}, done {} ({} late)", t(due_at), t(at), duration(*late_by_seconds))
            }
            State::Due { due_at } => format!("Due by {}", t(due_at)),
            State::Overdue { due_at, overdue_by_seconds } => {
                format!("Overdue by {}: it was due {}", duration(*overdue_by_seconds), t(due_at))
            }
            State::Missed { due_at } => format!("Missed: due {}, not done before the case closed", t(due_at)),
            State::NotApplicable { why } => format!("Not applicable: {why}"),
        }
    }
}

/// "2 days 3 hours", "45 minutes", "10 seconds": the largest two units.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let parts = [(s / 86_400, "day"), (s % 86_400 / 3600, "hour"), (s % 3600 / 60, "minute"), (s % 60, "second")];
    let shown: Vec<String> = parts
        .iter()
        .skip_while(|(n, _)| *n == 0)
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if shown.is_empty() { "0 seconds".into() } else { shown.join(" ") }
}

/// One standard's state for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardState {
    /// `first-contact`, `risk-assessment`, `updates`, `tool-review`, `closure`.
    pub standard: String,
    /// The standard, or for a tool review the tool, in plain English.
    pub what: String,
    #[serde(flatten)]
    pub state: State,
}

/// Every standard's state for one case, with the version that judged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub standards_version: String,
    pub states: Vec<StandardState>,
}

impl Judgement {
    /// Whether redress should be offered: some standard was missed or is late.
    pub fn redress_due(&self) -> bool {
        self.states.iter().any(|s| s.state.failed())
    }

    /// How late the latest-running overdue standard is, for sorting.
    pub fn most_overdue_seconds(&self) -> Option<i64> {
        self.states
            .iter()
            .filter_map(|s| match s.state {
                State::Overdue { overdue_by_seconds, .. } => Some(overdue_by_seconds),
                _ => None,
            })
            .max()
    }

    /// The soonest time something is due, for sorting what is not yet overdue.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.states
            .iter()
            .filter_map(|s| match s.state {
                State::Due { due_at } => Some(due_at),
                _ => None,
            })
            .min()
    }
}

/// A deadline `due_at` for something first done at `done` (if at all),
/// judged at `now` on a case closed at `closed_at` (if it is).
fn deadline(
    due_at: DateTime<Utc>,
    done: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> State {
    match (done, closed_at) {
        (Some(at), _) if at <= due_at => State::Met { at },
        (Some(at), _) => State::Late { due_at, at, late_by_seconds: (at - due_at).num_seconds() },
        (None, Some(_)) => State::Missed { due_at },
        (None, None) if now <= due_at => State::Due { due_at },
        (None, None) => State::Overdue { due_at, overdue_by_seconds: (now - due_at).num_seconds() },
    }
}

/// Judges a case against a version of the standards at `now`.
///
/// A deadline met exactly on time is met; one second later is late. Updates
/// run from the latest contact (the first contact starts them) and use the
/// high-risk frequency while the latest assessment is high risk. A tool or
/// power is due by the end of its review date, met by the first review
/// recorded on or after the day it was used, and stops counting when the
/// case closes unreviewed, as there is nothing left to review.
pub fn evaluate(standards: &Standards, facts: &CaseFacts, now: DateTime<Utc>) -> Judgement {
    let mut contacts = facts.contacts.clone();
    contacts.sort();
    let mut states = Vec::new();
    let first_due = facts.reported_at + Duration::hours(i64::from(standards.first_contact_hours));
    states.push(StandardState {
        standard: "first-contact".into(),
        what: format!("Contact the victim within {} of the report", hours(standards.first_contact_hours)),
        state: deadline(first_due, contacts.first().copied(), facts.closed_at, now),
    });
    if let Some(h) = standards.risk_assessment_hours {
        let due = facts.reported_at + Duration::hours(i64::from(h));
        states.push(StandardState {
            standard: "risk-assessment".into(),
            what: format!("Assess the victim's risk within {} of the report", hours(h)),
            state: deadline(due, facts.first_assessed_at, facts.closed_at, now),
        });
    }
    if let Some(u) = &standards.updates {
        let every = match u.high_risk_every_days {
            Some(h) if facts.high_risk => h,
            _ => u.every_days,
        };
        let end = facts.closed_at.unwrap_or(now);
        let last = contacts.iter().copied().filter(|c| *c <= end).max();
        let what = format!(
            "Update the victim at least every {}{}",
            days(every),
            if facts.high_risk && u.high_risk_every_days.is_some() { " (high risk)" } else { "" }
        );
        let state = match last {
            None => State::NotApplicable { why: "updates start from the first contact".into() },
            Some(last) => {
                let due_at = last + Duration::days(i64::from(every));
                match facts.closed_at {
                    Some(closed) if closed <= due_at => State::Met { at: last },
                    Some(_) => State::Missed { due_at },
                    None if now <= due_at => State::Due { due_at },
                    None => State::Overdue { due_at, overdue_by_seconds: (now - due_at).num_seconds() },
                }
            }
        };
        states.push(StandardState { standard: "updates".into(), what, state });
    }
    if standards.tool_reviews {
        for t in &facts.tool_reviews {
            let due_at = t.review_on.and_hms_opt(23, 59, 59).map(|d| d.and_utc()).unwrap_or(now);
            // The first review on or after the day the tool was used.
            let held = facts.tool_reviews_held.iter().copied().filter(|d| *d >= t.used_on).min();
            let state = match (held, facts.closed_at) {
                (Some(d), _) => deadline(due_at, Some(d.and_time(chrono::NaiveTime::MIN).and_utc()), None, now),
                (None, Some(_)) => State::NotApplicable { why: "the case is closed".into() },
                (None, None) if now <= due_at => State::Due { due_at },
                (None, None) => State::Overdue { due_at, overdue_by_seconds: (now - due_at).num_seconds() },
            };
            states.push(StandardState {
                standard: "tool-review".into(),
                what: format!("Review the {} by {}", t.what, t.review_on),
                state,
            });
        }
    }
    if let Some(c) = &standards.closure {
        let what = format!("Tell the victim the case is closed within {}", days(c.tell_within_days));
        let state = match facts.closed_at {
            None => State::NotApplicable { why: "the case is open".into() },
            Some(closed) => {
                let due_at = closed + Duration::days(i64::from(c.tell_within_days));
                let told = contacts.iter().copied().find(|t| *t >= closed);
                deadline(due_at, told, None, now)
            }
        };
        states.push(StandardState { standard: "closure".into(), what, state });
    }
    Judgement { standards_version: standards.version.clone(), states }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, d, h, m, s).unwrap()
    }

    fn facts() -> CaseFacts {
        CaseFacts {
            reported_at: at(1, 10, 0, 0),
            closed_at: None,
            first_assessed_at: None,
            high_risk: false,
            contacts: vec![],
            tool_reviews: vec![],
            tool_reviews_held: vec![],
        }
    }

    fn state(j: &Judgement, standard: &str) -> State {
        j.states.iter().find(|s| s.standard == standard).map(|s| s.state.clone()).unwrap()
    }

    #[test]
    fn the_shipped_standards_are_valid_and_documented() {
        let s = Standards::parse(DEFAULT_STANDARDS_JSON).unwrap();
        assert_eq!(s.version, "national-default-1");
        assert_eq!(s.first_contact_hours, 24);
        assert_eq!(s.updates, Some(Updates { every_days: 28, high_risk_every_days: Some(7) }));
        assert!(s.sources.iter().any(|x| x.contains("Protecting the Public")));
        assert!(s.notes.iter().any(|n| n.contains("peel's own choice")));
        assert!(s.redress.community_trigger);
        assert_eq!(Standards::parse(&s.to_json()).unwrap(), s, "round-trips");
        assert_eq!(s.describe()[0], "We contact the victim within 24 hours.");
    }

    #[test]
    fn bad_documents_are_refused_with_every_reason() {
        assert!(Standards::parse("{").unwrap_err().to_string().contains("not a valid standards document"));
        let mut s = Standards::national_default();
        s.version = "has spaces".into();
        s.name = " ".into();
        s.sources.clear();
        s.first_contact_hours = 0;
        s.updates = Some(Updates { every_days: 7, high_risk_every_days: Some(14) });
        s.closure = Some(Closure { tell_within_days: 0, what_the_victim_is_told: "x".into() });
        s.redress.offer = String::new();
        let e = Standards::parse(&s.to_json()).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "version",
                "name",
                "redress.offer",
                "sources",
                "first_contact_hours",
                "updates.high_risk_every_days",
                "closure.tell_within_days"
            ]
        );
        let unknown = DEFAULT_STANDARDS_JSON.replacen("\"name\"", "\"colour\": 1, \"name\"", 1);
        assert!(Standards::parse(&unknown).is_err(), "unknown fields are refused, not ignored");
    }

    #[test]
    fn first_contact_exactly_on_time_is_met_and_a_second_later_is_late() {
        let s = Standards::national_default();
        let mut f = facts();
        f.contacts = vec![at(2, 10, 0, 0)];
        assert_eq!(state(&evaluate(&s, &f, at(3, 0, 0, 0)), "first-contact"), State::Met { at: at(2, 10, 0, 0) });
        f.contacts = vec![at(2, 10, 0, 1)];
        let j = evaluate(&s, &f, at(3, 0, 0, 0));
        assert_eq!(
            state(&j, "first-contact"),
            State::Late { due_at: at(2, 10, 0, 0), at: at(2, 10, 0, 1), late_by_seconds: 1 }
        );
        assert!(j.redress_due());
    }

    #[test]
    fn first_contact_not_yet_made_is_due_then_overdue() {
        let s = Standards::national_default();
        let f = facts();
        assert_eq!(state(&evaluate(&s, &f, at(2, 10, 0, 0)), "first-contact"), State::Due { due_at: at(2, 10, 0, 0) });
        let j = evaluate(&s, &f, at(2, 10, 0, 1));
        assert_eq!(state(&j, "first-contact"), State::Overdue { due_at: at(2, 10, 0, 0), overdue_by_seconds: 1 });
        assert_eq!(j.most_overdue_seconds(), Some(1));
        assert_eq!(state(&j, "updates"), State::NotApplicable { why: "updates start from the first contact".into() });
        assert_eq!(state(&j, "closure").slug(), "not-applicable");
        assert_eq!(j.standards_version, "national-default-1");
    }

    #[test]
    fn updates_run_from_the_latest_contact_and_are_stricter_for_high_risk() {
        let s = Standards::national_default();
        let mut f = facts();
        f.contacts = vec![at(1, 12, 0, 0), at(5, 9, 0, 0)];
        assert_eq!(
            state(&evaluate(&s, &f, at(6, 0, 0, 0)), "updates"),
            State::Due { due_at: at(5, 9, 0, 0) + Duration::days(28) }
        );
        f.high_risk = true;
        assert_eq!(state(&evaluate(&s, &f, at(12, 9, 0, 0)), "updates"), State::Due { due_at: at(12, 9, 0, 0) });
        assert_eq!(
            state(&evaluate(&s, &f, at(12, 9, 0, 1)), "updates"),
            State::Overdue { due_at: at(12, 9, 0, 0), overdue_by_seconds: 1 }
        );
        // Closed in time: met; closed after the update was due: missed.
        f.closed_at = Some(at(12, 9, 0, 0));
        assert_eq!(state(&evaluate(&s, &f, at(20, 0, 0, 0)), "updates"), State::Met { at: at(5, 9, 0, 0) });
        f.closed_at = Some(at(12, 9, 0, 1));
        assert_eq!(state(&evaluate(&s, &f, at(20, 0, 0, 0)), "updates"), State::Missed { due_at: at(12, 9, 0, 0) });
    }

    #[test]
    fn risk_assessment_tool_reviews_and_closure() {
        let s = Standards::national_default();
        let mut f = facts();
        f.contacts = vec![at(1, 11, 0, 0)];
        f.first_assessed_at = Some(at(2, 10, 0, 0));
        f.tool_reviews = vec![ToolReview {
            what: "warning letter".into(),
            used_on: NaiveDate::from_ymd_opt(2026, 9, 3).unwrap(),
            review_on: NaiveDate::from_ymd_opt(2026, 9, 10).unwrap(),
        }];
        let j = evaluate(&s, &f, at(10, 23, 59, 59));
        assert_eq!(state(&j, "risk-assessment"), State::Met { at: at(2, 10, 0, 0) });
        assert_eq!(state(&j, "tool-review"), State::Due { due_at: at(10, 23, 59, 59) });
        assert_eq!(state(&evaluate(&s, &f, at(11, 0, 0, 0)), "tool-review").slug(), "overdue");
        // Closed on the 11th: nothing left to review; the victim must be told by the 16th.
        f.closed_at = Some(at(11, 0, 0, 0));
        let j = evaluate(&s, &f, at(16, 0, 0, 0));
        assert_eq!(state(&j, "tool-review").slug(), "not-applicable");
        assert_eq!(state(&j, "closure"), State::Due { due_at: at(16, 0, 0, 0) });
        assert_eq!(
            state(&evaluate(&s, &f, at(16, 0, 0, 1)), "closure"),
            State::Overdue { due_at: at(16, 0, 0, 0), overdue_by_seconds: 1 }
        );
        f.contacts.push(at(16, 0, 0, 0));
        assert_eq!(state(&evaluate(&s, &f, at(20, 0, 0, 0)), "closure"), State::Met { at: at(16, 0, 0, 0) });
        // Never assessed before closing: missed.
        f.first_assessed_at = None;
        assert_eq!(
            state(&evaluate(&s, &f, at(20, 0, 0, 0)), "risk-assessment"),
            State::Missed { due_at: at(2, 10, 0, 0) }
        );
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, d).unwrap()
    }

    #[test]
    fn a_review_held_by_the_review_date_meets_the_standard() {
        let s = Standards::national_default();
        let mut f = facts();
        f.tool_reviews = vec![ToolReview { what: "warning letter".into(), used_on: day(3), review_on: day(10) }];
        // A review before the tool was used does not count for it.
        f.tool_reviews_held = vec![day(2)];
        assert_eq!(state(&evaluate(&s, &f, at(11, 0, 0, 0)), "tool-review").slug(), "overdue");
        // On the review date itself: met.
        f.tool_reviews_held = vec![day(2), day(10)];
        assert_eq!(state(&evaluate(&s, &f, at(20, 0, 0, 0)), "tool-review"), State::Met { at: at(10, 0, 0, 0) });
        // The day after: late, by the seconds past the end of the review date.
        f.tool_reviews_held = vec![day(11)];
        assert_eq!(
            state(&evaluate(&s, &f, at(20, 0, 0, 0)), "tool-review"),
            State::Late { due_at: at(10, 23, 59, 59), at: at(11, 0, 0, 0), late_by_seconds: 1 }
        );
        // A review held stays met after the case closes.
        f.tool_reviews_held = vec![day(9)];
        f.closed_at = Some(at(12, 0, 0, 0));
        assert_eq!(state(&evaluate(&s, &f, at(20, 0, 0, 0)), "tool-review").slug(), "met");
    }

    #[test]
    fn optional_standards_are_left_out() {
        let mut s = Standards::national_default();
        s.risk_assessment_hours = None;
        s.updates = None;
        s.closure = None;
        s.tool_reviews = false;
        let mut f = facts();
        f.tool_reviews = vec![ToolReview { what: "x".into(), used_on: day(1), review_on: day(10) }];
        let j = evaluate(&s, &f, at(1, 10, 0, 0));
        assert_eq!(j.states.iter().map(|s| s.standard.as_str()).collect::<Vec<_>>(), ["first-contact"]);
    }

    #[test]
    fn contacts_are_checked() {
        let now = at(5, 12, 0, 0);
        let c = NewContact::check("2026-09-05T11:30", "phone", " Told her the letter was sent ", now).unwrap();
        assert_eq!(
            (c.contacted_at, c.method, c.note.as_str()),
            (at(5, 11, 30, 0), ContactMethod::Phone, "Told her the letter was sent")
        );
        let e = NewContact::check("2026-09-06T11:30", "pigeon", "", now).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["contacted_at", "method", "note"]);
        assert!(
            NewContact::check("tomorrow", "visit", "x", now).unwrap_err().0[0]
                .message
                .contains("like 2026-09-01T14:30")
        );
    }

    #[test]
    fn durations_read_plainly() {
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(3600 * 26 + 60), "1 day 2 hours");
        assert_eq!(duration(2700), "45 minutes");
        assert_eq!(duration(86_400 + 5), "1 day");
        assert_eq!(duration(0), "0 seconds");
    }
}
