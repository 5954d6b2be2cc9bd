//! Anti-social behaviour casework: reports, cases, tools and powers, the
//! repeat-victim rule and the victim risk assessment.
//!
//! Everything here is pure, as in [`crate::access`]: rules are data (see
//! [`rules::RuleSet`], loaded from a versioned JSON document), time is passed
//! in, and every decision carries the version of the rules that made it.

pub mod case;
pub mod identity;
pub mod reassign;
pub mod repeat;
pub mod report;
pub mod risk;
pub mod rules;
pub mod standards;
pub mod tools;

pub use case::{ActionKind, CaseStatus, ClosureOutcome, FieldAccess, NewAction, NewClosure};
pub use identity::Identity;
pub use reassign::Reassignment;
pub use repeat::{RepeatFinding, RepeatRule};
pub use report::{Category, Channel, NewReport, Person, RawPerson, RawReport};
pub use risk::{Assessment, Band, Questionnaire};
pub use rules::RuleSet;
pub use standards::{CaseFacts, ContactMethod, Judgement, NewContact, Standards};
pub use tools::{NewToolUse, RawToolUse, Tool};

/// One problem with input: the field it is about (a form field id or a JSON
/// path) and what to do about it, in plain English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid { field: field.into(), message: message.into() }
    }
}

/// Every problem found in one piece of input (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
pub struct Problems(pub Vec<Invalid>);

impl Problems {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Problems {
        Problems(vec![Invalid::new(field, message)])
    }
}

/// A closed set of values with stable slugs (stored and used in the API)
/// and plain-English labels (for pages).
macro_rules! slugged {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $slug:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),* }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            /// Parses a slug, or says which slugs there are.
            pub fn parse(s: &str, field: &str) -> Result<$name, $crate::asb::Invalid> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.slug() == s).ok_or_else(|| $crate::asb::Invalid::new(
                    field,
                    format!(
                        "Choose {}: one of {}.",
                        $what,
                        $name::ALL.iter().map(|v| v.slug()).collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.slug())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.slug())
            }
        }
    };
}
pub(crate) use slugged;

/// Trims `s` and checks it is at most `max` characters with no control
/// characters (except newlines where `multiline`).
pub(crate) fn text(
    s: &str,
    field: &str,
    what: &str,
    required: bool,
    max: usize,
    multiline: bool,
) -> Result<String, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return if required { Err(Invalid::new(field, format!("Enter {what}."))) } else { Ok(String::new()) };
    }
    if t.chars().count() > max {
        return Err(Invalid::new(field, format!("{} must be {max} characters or fewer.", capitalise(what))));
    }
    if t.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        let lines = if multiline { "" } else { ", on one line" };
        return Err(Invalid::new(field, format!("{} must be plain text{lines}.", capitalise(what))));
    }
    Ok(t.to_string())
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(s: &str, field: &str, what: &str) -> Result<chrono::NaiveDate, Invalid> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, format!("Enter {what} as a date, like 2026-09-01 (year-month-day).")))
}
