//! A versioned rule set: the repeat-victim rule and the risk questionnaire,
//! loaded from a JSON document. peel ships a default (`data/asb/rules-default.json`,
//! with its sources and what is peel's own choice); an ASB coordinator may
//! load a new version, and every decision records the version that made it.

use serde::{Deserialize, Serialize};

use super::repeat::RepeatRule;
use super::risk::Questionnaire;
use super::{Invalid, Problems};

/// The document shipped with peel.
pub const DEFAULT_RULES_JSON: &str = include_str!("../../../../data/asb/rules-default.json");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Unique and never reused: decisions are stored with it.
    pub version: String,
    pub title: String,
    /// Where the rules come from.
    pub sources: Vec<String>,
    /// What is local or peel's own choice, and why.
    #[serde(default)]
    pub notes: Vec<String>,
    pub repeat: RepeatRule,
    /// A high-risk assessment asks for a multi-agency review within this many days.
    pub high_risk_review_days: u32,
    pub questionnaire: Questionnaire,
}

impl RuleSet {
    /// Parses and checks a rule-set document.
    pub fn parse(json: &str) -> Result<RuleSet, Problems> {
        let r: RuleSet = serde_json::from_str(json)
            .map_err(|e| Problems::one("rules", format!("The rules are not a valid rule-set document: {e}.")))?;
        r.check()?;
        Ok(r)
    }

    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Vec::new();
        let v = &self.version;
        if v.is_empty() || v.len() > 60 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            p.push(Invalid::new("version", "The version must be 1 to 60 characters: letters, digits, - _ and ."));
        }
        if self.title.trim().is_empty() {
            p.push(Invalid::new("title", "Give the rule set a title."));
        }
        if self.sources.iter().all(|s| s.trim().is_empty()) {
            p.push(Invalid::new("sources", "Name at least one source for the rules."));
        }
        if let Err(e) = self.repeat.check() {
            p.push(e);
        }
        if !(1..=90).contains(&self.high_risk_review_days) {
            p.push(Invalid::new("high_risk_review_days", "The review period must be from 1 to 90 days."));
        }
        if let Err(Problems(q)) = self.questionnaire.check() {
            p.extend(q);
        }
        if p.is_empty() { Ok(()) } else { Err(Problems(p)) }
    }

    /// The rule set shipped with peel.
    pub fn shipped() -> RuleSet {
        // The shipped document is checked by a test, so this cannot fail in a release.
        RuleSet::parse(DEFAULT_RULES_JSON).unwrap_or_else(|e| panic!("data/asb/rules-default.json: {e}"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asb::risk::Band;
    use std::collections::BTreeMap;

    #[test]
    fn the_shipped_rules_are_valid_and_documented() {
        let r = RuleSet::parse(DEFAULT_RULES_JSON).unwrap();
        assert_eq!(r.version, "peel-default-1");
        assert_eq!(r.repeat, RepeatRule { min_reports: 3, window_months: 3 });
        assert!(r.sources.len() >= 3);
        assert!(r.notes.iter().any(|n| n.contains("peel's own choice")));
        let q = &r.questionnaire;
        assert_eq!(q.max_score(), 26);
        // The DASH bands (10 and 14 of 24) scaled to 26 and rounded up.
        assert_eq!((q.bands.medium_from, q.bands.high_from), (11, 16));
        let none: BTreeMap<String, bool> = q.questions.iter().map(|x| (x.id.clone(), false)).collect();
        assert_eq!(q.assess(&r.version, &none).unwrap().band, Band::Standard);
        let all: BTreeMap<String, bool> = q.questions.iter().map(|x| (x.id.clone(), true)).collect();
        assert_eq!(q.assess(&r.version, &all).unwrap().score, 26);
        assert_eq!(RuleSet::parse(&r.to_json()).unwrap(), r, "round-trips");
    }

    #[test]
    fn bad_documents_are_refused_with_reasons() {
        assert!(RuleSet::parse("{").unwrap_err().to_string().contains("not a valid rule-set document"));
        let mut r = RuleSet::shipped();
        r.version = "has spaces".into();
        r.sources.clear();
        r.high_risk_review_days = 0;
        r.repeat.window_months = 0;
        let e = RuleSet::parse(&r.to_json()).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["version", "sources", "repeat.window_months", "high_risk_review_days"]);
        let unknown = DEFAULT_RULES_JSON.replacen("\"title\"", "\"colour\": 1, \"title\"", 1);
        assert!(RuleSet::parse(&unknown).is_err(), "unknown fields are refused, not ignored");
    }
}
