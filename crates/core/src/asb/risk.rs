//! The victim risk assessment: yes/no questions with weights, a score, and
//! bands (standard, medium, high). The questions, weights and cut-offs are
//! data (see [`super::rules::RuleSet`]); this module only applies them.
//!
//! The score is the sum of the weights of the questions answered yes. The
//! band is high from `high_from`, medium from `medium_from`, else standard;
//! a yes to any question marked `always_high` makes it high whatever the score.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{Invalid, Problems, slugged};

slugged! {
    Band, "a risk band" {
        Standard => "standard", "Standard risk";
        Medium => "medium", "Medium risk";
        High => "high", "High risk";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable: answers are stored against it.
    pub id: String,
    pub text: String,
    pub weight: u32,
    #[serde(default)]
    pub always_high: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    pub medium_from: u32,
    pub high_from: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    pub bands: Bands,
    pub questions: Vec<Question>,
}

/// A scored questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// The rule set that scored it.
    pub rules_version: String,
    /// Every question's answer, by question id.
    pub answers: BTreeMap<String, bool>,
    pub score: u32,
    pub band: Band,
    /// Ids of `always_high` questions answered yes.
    pub escalated_by: Vec<String>,
}

impl Questionnaire {
    pub fn max_score(&self) -> u32 {
        self.questions.iter().map(|q| q.weight).sum()
    }

    pub fn band_for(&self, score: u32) -> Band {
        if score >= self.bands.high_from {
            Band::High
        } else if score >= self.bands.medium_from {
            Band::Medium
        } else {
            Band::Standard
        }
    }

    /// Checks a new version is usable: ids unique and simple, text present,
    /// weights 1 to 100, and bands that standard, medium and high can all reach.
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Vec::new();
        if self.questions.is_empty() {
            p.push(Invalid::new("questionnaire.questions", "There must be at least one question."));
        }
        if self.questions.len() > 100 {
            p.push(Invalid::new("questionnaire.questions", "There may be at most 100 questions."));
        }
        let mut seen = HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let f = format!("questionnaire.questions[{i}]");
            let id_ok = !q.id.is_empty()
                && q.id.len() <= 40
                && q.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !id_ok {
                p.push(Invalid::new(&f, "Each question id must be 1 to 40 characters: a-z, 0-9 and _."));
            } else if !seen.insert(q.id.as_str()) {
                p.push(Invalid::new(&f, format!("The question id {:?} is used twice.", q.id)));
            }
            if q.text.trim().is_empty() || q.text.chars().count() > 500 {
                p.push(Invalid::new(&f, "Each question needs text of at most 500 characters."));
            }
            if !(1..=100).contains(&q.weight) {
                p.push(Invalid::new(&f, "Each weight must be from 1 to 100."));
            }
        }
        let b = self.bands;
        if !(b.medium_from >= 1 && b.medium_from < b.high_from && b.high_from <= self.max_score()) {
            p.push(Invalid::new(
                "questionnaire.bands",
                format!(
                    "The bands must satisfy 1 <= medium_from < high_from <= the highest possible score ({}).",
                    self.max_score()
                ),
            ));
        }
        if p.is_empty() { Ok(()) } else { Err(Problems(p)) }
    }

    /// Scores a complete set of answers. Every question must be answered,
    /// and no answer may name a question this version does not have.
    pub fn assess(&self, version: &str, answers: &BTreeMap<String, bool>) -> Result<Assessment, Problems> {
        let mut p = Vec::new();
        for id in answers.keys() {
            if !self.questions.iter().any(|q| &q.id == id) {
                p.push(Invalid::new(
                    format!("answers.{id}"),
                    format!("There is no question {id:?} in the questionnaire version {version}."),
                ));
            }
        }
        let mut score = 0;
        let mut escalated_by = Vec::new();
        for q in &self.questions {
            match answers.get(&q.id) {
                None => p.push(Invalid::new(format!("answers.{}", q.id), format!("Answer yes or no: {}", q.text))),
                Some(true) => {
                    score += q.weight;
                    if q.always_high {
                        escalated_by.push(q.id.clone());
                    }
                }
                Some(false) => {}
            }
        }
        if !p.is_empty() {
            return Err(Problems(p));
        }
        let band = if escalated_by.is_empty() { self.band_for(score) } else { Band::High };
        Ok(Assessment { rules_version: version.to_string(), answers: answers.clone(), score, band, escalated_by })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, weight: u32, always_high: bool) -> Question {
        Question { id: id.into(), text: format!("{id}?"), weight, always_high }
    }

    fn sample() -> Questionnaire {
        Questionnaire {
            bands: Bands { medium_from: 3, high_from: 5 },
            questions: vec![q("a", 1, false), q("b", 2, false), q("c", 3, false), q("d", 1, true)],
        }
    }

    fn answers(yes: &[&str]) -> BTreeMap<String, bool> {
        ["a", "b", "c", "d"].iter().map(|id| (id.to_string(), yes.contains(id))).collect()
    }

    #[test]
    fn band_boundaries() {
        let s = sample();
        assert_eq!(s.band_for(0), Band::Standard);
        assert_eq!(s.band_for(2), Band::Standard);
        assert_eq!(s.band_for(3), Band::Medium, "medium_from is inclusive");
        assert_eq!(s.band_for(4), Band::Medium);
        assert_eq!(s.band_for(5), Band::High, "high_from is inclusive");
        let a = s.assess("v1", &answers(&["a", "b"])).unwrap();
        assert_eq!((a.score, a.band), (3, Band::Medium));
        let a = s.assess("v1", &answers(&["b", "c"])).unwrap();
        assert_eq!((a.score, a.band), (5, Band::High));
        let a = s.assess("v1", &answers(&["b"])).unwrap();
        assert_eq!((a.score, a.band, a.rules_version.as_str()), (2, Band::Standard, "v1"));
    }

    #[test]
    fn an_always_high_question_overrides_the_score() {
        let a = sample().assess("v1", &answers(&["d"])).unwrap();
        assert_eq!((a.score, a.band), (1, Band::High));
        assert_eq!(a.escalated_by, ["d"]);
    }

    #[test]
    fn answers_must_be_complete_and_known() {
        let s = sample();
        let mut partial = answers(&[]);
        partial.remove("c");
        let e = s.assess("v1", &partial).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "answers.c");
        let mut extra = answers(&[]);
        extra.insert("zz".into(), true);
        assert!(s.assess("v1", &extra).unwrap_err().0[0].message.contains("no question \"zz\""));
    }

    #[test]
    fn new_versions_are_checked() {
        assert!(sample().check().is_ok());
        let mut s = sample();
        s.bands = Bands { medium_from: 5, high_from: 5 };
        assert!(s.check().is_err(), "medium must come before high");
        s.bands = Bands { medium_from: 3, high_from: 8 };
        assert!(s.check().is_err(), "high must be reachable (max 7)");
        s.bands = Bands { medium_from: 3, high_from: 7 };
        assert!(s.check().is_ok());
        s.questions.push(q("a", 1, false));
        assert!(s.check().unwrap_err().to_string().contains("used twice"));
        let mut s = sample();
        s.questions[0].weight = 0;
        s.questions[1].id = "Bad Id".into();
        assert_eq!(s.check().unwrap_err().0.len(), 2);
        let mut s = sample();
        s.questions.clear();
        assert!(s.check().is_err());
    }
}
