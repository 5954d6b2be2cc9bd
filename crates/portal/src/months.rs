//! The month a page shows: the latest held unless the reader chose another
//! (`?date=YYYY-MM`, as police.uk's own API names it), and the picker of
//! the months held, which works without JavaScript (a GET form).

use peel_core::Month;
use peel_spatial::OpenData;
use serde::Deserialize;

use super::{JsonError, PageError};

/// Refuses a `date` that is not a month at all (`2024-13`, `abc`): the
/// reader's mistake to correct (400), told how to write one. A month well
/// written but not held is a page not found instead ([`MonthChoice::among`]).
pub fn well_formed(date: Option<&str>) -> Result<(), PageError> {
    match date.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if d.parse::<Month>().is_err() => {
            let shown: String = d.chars().take(40).collect();
            Err(JsonError::BadRequest(format!(
                "“{shown}” is not a month. Write the year and the month as numbers, for example 2024-03 for March 2024."
            ))
            .into())
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    pub date: Option<String>,
}

/// The month chosen and the picker's options: (value, label, selected),
/// newest first.
pub struct MonthChoice {
    pub month: Option<Month>,
    pub picker: Vec<(String, String, bool)>,
}

impl MonthChoice {
    /// The month asked for, if it is one peel holds crimes for; the latest
    /// held when none is asked for (or the field is empty). A month not held
    /// is a page not found, naming the month, rather than silently another;
    /// a `date` that is no month at all is a bad request ([`well_formed`]).
    pub fn of(data: &OpenData, date: Option<&str>) -> Result<MonthChoice, PageError> {
        let held: Vec<Month> = data.street_dates().iter().map(|(m, _)| *m).collect();
        MonthChoice::among(held, data.latest_month(), date, "crime figures")
    }

    /// The same choice among other months held (`what` names their figures
    /// in the page not found): `latest` when none is asked for.
    pub fn among(
        held: Vec<Month>,
        latest: Option<Month>,
        date: Option<&str>,
        what: &str,
    ) -> Result<MonthChoice, PageError> {
        well_formed(date)?;
        let month = match date.map(str::trim).filter(|d| !d.is_empty()) {
            None => latest,
            Some(d) => {
                let not_held = || PageError::not_found(format!("{what} for the month “{d}”"));
                let m: Month = d.parse().map_err(|_| not_held())?;
                if !held.contains(&m) {
                    return Err(not_held());
                }
                Some(m)
            }
        };
        let mut picker: Vec<(String, String, bool)> =
            held.iter().map(|m| (m.to_string(), m.long_name(), Some(*m) == month)).collect();
        picker.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(MonthChoice { month, picker })
    }
}
