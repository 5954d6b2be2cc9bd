//! HMICFRS's own PEEL grades, as an administrator copies them from the
//! inspectorate's published report: checked here so a bad entry is refused
//! with a reason before anything is stored.

use chrono::NaiveDate;
use serde::Serialize;

/// HMICFRS PEEL's grades since 2021/22, best first (its own scale, not
/// peel's method's, though the published method uses the same five).
pub const HMICFRS_GRADES: [&str; 5] = ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"];

const MAX_INSPECTION: usize = 80;
const MAX_QUESTION: usize = 160;
const MAX_URL: usize = 500;

/// One grade HMICFRS gave a force, with where it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionGrade {
    pub force_id: String,
    /// "PEEL 2023–25".
    pub inspection: String,
    /// The question or area graded ("Responding to the public").
    pub question: String,
    pub grade: String,
    pub published_on: NaiveDate,
    pub source_url: String,
}

/// What is wrong with an entry, by field, in words an administrator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InspectionGradeError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> InspectionGradeError {
    InspectionGradeError { field, message: message.into() }
}

fn text(value: &str, field: &'static str, what: &str, max: usize) -> Result<String, InspectionGradeError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(refuse(field, format!("Enter {what}.")));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(refuse(field, format!("Enter {what} in at most {max} characters, on one line.")));
    }
    Ok(v.to_string())
}

impl InspectionGrade {
    /// Checks an entry as typed; the date is `YYYY-MM-DD` and not after `today`.
    pub fn check(
        force_id: &str,
        inspection: &str,
        question: &str,
        grade: &str,
        published_on: &str,
        source_url: &str,
        today: NaiveDate,
    ) -> Result<InspectionGrade, InspectionGradeError> {
        let inspection =
            text(inspection, "inspection", "the inspection, as HMICFRS names it (PEEL 2023–25)", MAX_INSPECTION)?;
        let question = text(question, "question", "the question or area graded", MAX_QUESTION)?;
        let grade = HMICFRS_GRADES
            .iter()
            .find(|g| g.eq_ignore_ascii_case(grade.trim()))
            .ok_or_else(|| refuse("grade", format!("Choose one of HMICFRS's grades: {}.", HMICFRS_GRADES.join(", "))))?
            .to_string();
        let published_on = NaiveDate::parse_from_str(published_on.trim(), "%Y-%m-%d")
            .map_err(|_| refuse("published_on", "Enter the date the report was published as 2025-03-31."))?;
        if published_on > today {
            return Err(refuse("published_on", "The date the report was published cannot be in the future."));
        }
        let source_url = text(source_url, "source_url", "the address of the published report", MAX_URL)?;
        if !source_url.starts_with("https://") || source_url.contains(char::is_whitespace) {
            return Err(refuse("source_url", "Enter the report's address in full, starting https://."));
        }
        Ok(InspectionGrade { force_id: force_id.to_string(), inspection, question, grade, published_on, source_url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    #[test]
    fn a_good_entry_is_tidied_and_its_grade_takes_hmicfrs_spelling() {
        let g = InspectionGrade::check(
            "kent",
            " PEEL 2023–25 ",
            "Responding to the public",
            "requires improvement",
            "2025-03-31",
            "https://example.org/peel/kent",
            today(),
        )
        .unwrap();
        assert_eq!((g.inspection.as_str(), g.grade.as_str()), ("PEEL 2023–25", "Requires improvement"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let check = |grade: &str, date: &str, url: &str, question: &str| {
            InspectionGrade::check("kent", "PEEL", question, grade, date, url, today()).unwrap_err().field
        };
        let url = "https://example.org/r";
        assert_eq!(check("Fair", "2025-03-31", url, "Q"), "grade");
        assert_eq!(check("Good", "31/03/2025", url, "Q"), "published_on");
        assert_eq!(check("Good", "2027-01-01", url, "Q"), "published_on");
        assert_eq!(check("Good", "2025-03-31", "javascript:alert(1)", "Q"), "source_url");
        assert_eq!(check("Good", "2025-03-31", url, ""), "question");
        assert_eq!(check("Good", "2025-03-31", url, &"x".repeat(161)), "question");
        assert_eq!(check("Good", "2025-03-31", url, "two\nlines"), "question");
    }
}
