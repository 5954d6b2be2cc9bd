//! The complaints an application cites, and who may apply.
//!
//! A cited complaint names the incident it was about, so that one incident
//! reported to several agencies counts once. It may also point at the stored
//! ASB report it came from, so the review can go back to the record.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One complaint about the behaviour, as the application cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complaint {
    /// Who complained (a name, or "the applicant").
    pub complainant: String,
    /// The agency complained to: a council, the police, a housing provider.
    pub agency: String,
    /// The incident: its reference or a short description. Complaints naming
    /// the same incident count once.
    pub incident: String,
    /// When the behaviour happened.
    pub behaviour_on: NaiveDate,
    /// When the complaint was made.
    pub complained_on: NaiveDate,
    #[serde(default)]
    pub hate_related: bool,
    /// The stored ASB report this complaint is, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<i64>,
}

/// A senior manager's decision to review for a vulnerable victim, whatever
/// the number of complaints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discretion {
    /// The senior manager (name and post).
    pub by: String,
    pub reason: String,
}

/// Folds case, spacing and punctuation so "Ref 123" and "ref-123" match.
pub fn key(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl Complaint {
    /// The incident this complaint is about, for counting once.
    pub fn incident_key(&self) -> String {
        key(&self.incident)
    }

    pub fn complainant_key(&self) -> String {
        key(&self.complainant)
    }
}

/// Words that mean nobody is named. Applications cannot be anonymous.
const ANONYMOUS: &[&str] = &["anonymous", "anon", "unknown", "withheld", "notgiven", "na", "none", "nobody"];

/// Whether a name given for an applicant names nobody.
pub fn is_anonymous(name: &str) -> bool {
    let k = key(name);
    k.is_empty() || ANONYMOUS.contains(&k.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_space_and_punctuation() {
        assert_eq!(key(" Ref 123/A "), "ref123a");
        assert_eq!(key("REF-123a"), "ref123a");
        assert_eq!(key("—"), "");
    }

    #[test]
    fn anonymous_names_are_recognised() {
        for n in ["", "  ", "Anonymous", "anon.", "N/A", "Withheld", "not given", "UNKNOWN"] {
            assert!(is_anonymous(n), "{n:?}");
        }
        for n in ["Ann Onymous", "Nobody Smith", "J. Patel"] {
            assert!(!is_anonymous(n), "{n:?}");
        }
    }
}
