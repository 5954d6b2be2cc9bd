//! Survey responses on public confidence in the police, recognised by the
//! header `force,bcu,neighbourhood,month,measure,response,weight,source`:
//! one anonymised answer to one measure a row (`bcu` and `neighbourhood`
//! may be empty). Always strict: an estimate made from a file with rows
//! left out would be wrong without saying so, so one bad row refuses the
//! whole file, naming `file:line: column: what is wrong`.

use std::collections::{BTreeMap, BTreeSet};

use peel_core::Month;
use peel_core::confidence::{Measure, SurveyResponse};
use peel_core::force;

use crate::comparators::{rows, with_rows};
use crate::error::RowProblem;

/// The header, in order (matched without regard to case).
pub const HEADER: [&str; 8] = ["force", "bcu", "neighbourhood", "month", "measure", "response", "weight", "source"];

/// Responses one file may hold; a larger survey is split by source.
pub const MAX_ROWS: usize = 200_000;

/// The largest weight accepted: survey weights scale a response to the
/// people it stands for, and anything larger is a mistake in the file.
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// Longest id (BCU, neighbourhood) and source accepted.
const MAX_ID: usize = 100;
const MAX_SOURCE: usize = 300;

pub fn is_header(header: &[String]) -> bool {
    header.len() == HEADER.len() && header.iter().zip(HEADER).all(|(h, want)| h.eq_ignore_ascii_case(want))
}

/// The file's responses, each with its line, or every problem found.
pub fn parse(bytes: &[u8], file: &str) -> (Vec<(u64, SurveyResponse)>, Vec<RowProblem>) {
    let mut out: Vec<(u64, SurveyResponse)> = Vec::new();
    let mut problems = rows(bytes, file, |r, line| {
        if out.len() >= MAX_ROWS {
            return Err((
                "row".into(),
                format!("the file holds more than {MAX_ROWS} responses: split it (by source) into smaller files"),
            ));
        }
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let force_id = force::by_id(get(0)).map(|f| f.id.to_string()).ok_or_else(|| {
            ("force".to_string(), format!("{:?} is not a police.uk force id (such as \"city-of-london\")", get(0)))
        })?;
        let bcu_id = optional_id("bcu", get(1))?;
        let neighbourhood_id = optional_id("neighbourhood", get(2))?;
        let month: Month = get(3)
            .parse()
            .map_err(|_| ("month".to_string(), format!("{:?} is not a month such as 2025-03", get(3))))?;
        let measure: Measure =
            get(4).parse().map_err(|e: peel_core::confidence::MeasureError| ("measure".to_string(), e.to_string()))?;
        let response = get(5).to_ascii_lowercase();
        let positive = measure.positive(&response).ok_or_else(|| {
            let answers: Vec<&str> = measure.scale().iter().map(|(a, _)| *a).collect();
            (
                "response".to_string(),
                format!(
                    "{:?} is not an answer to {measure}: use one of {} (leave out \"don't know\" and refusals)",
                    get(5),
                    answers.join(", ")
                ),
            )
        })?;
        let weight =
            get(6).parse::<f64>().ok().filter(|w| w.is_finite() && *w > 0.0 && *w <= MAX_WEIGHT).ok_or_else(|| {
                ("weight".to_string(), format!("{:?} is not a weight above 0 and at most {MAX_WEIGHT}", get(6)))
            })?;
        let source = get(7);
        if source.is_empty() || source.chars().count() > MAX_SOURCE {
            return Err(("source".into(), format!("must say who ran the survey, in at most {MAX_SOURCE} characters")));
        }
        let source = source.to_string();
        out.push((
            line,
            SurveyResponse { force_id, bcu_id, neighbourhood_id, month, measure, response, positive, weight, source },
        ));
        Ok(())
    });
    problems = with_rows(problems, file, out.is_empty());
    (out, problems)
}

fn optional_id(field: &str, s: &str) -> Result<Option<String>, (String, String)> {
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > MAX_ID || s.chars().any(char::is_control) {
        return Err((field.to_string(), format!("is not an id: at most {MAX_ID} characters, no control characters")));
    }
    Ok(Some(s.to_string()))
}

/// The rows naming a BCU the force does not have, given each force's BCUs
/// as held (`known`; a force without an entry has none).
pub fn unknown_bcus(
    responses: &[(u64, SurveyResponse)],
    known: &BTreeMap<String, BTreeSet<String>>,
    file: &str,
) -> Vec<RowProblem> {
    responses
        .iter()
        .filter_map(|(line, r)| {
            let bcu = r.bcu_id.as_deref()?;
            let held = known.get(&r.force_id);
            if held.is_some_and(|h| h.contains(bcu)) {
                return None;
            }
            let message = match held {
                Some(h) if !h.is_empty() => format!(
                    "{bcu:?} is not a BCU of {}: it has {}",
                    r.force_id,
                    h.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
                ),
                _ => format!("{} has no BCUs held: import its areas file first, or leave bcu empty", r.force_id),
            };
            Some(RowProblem { file: file.to_string(), line: *line, field: "bcu".into(), message })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "force,bcu,neighbourhood,month,measure,response,weight,source\n";

    #[test]
    fn header_is_recognised() {
        let h: Vec<String> = HEAD.trim().split(',').map(|s| s.to_uppercase()).collect();
        assert!(is_header(&h));
        assert!(!is_header(&h[..7]));
    }

    #[test]
    fn rows_read_with_lines_and_rules() {
        let ok = format!(
            "{HEAD}city-of-london,city,,2025-01,good-job,Good,1.25,Survey\ncity-of-london,,bar,2025-02,single-confidence,neither,0.5,Survey\n"
        );
        let (rows, problems) = parse(ok.as_bytes(), "c.csv");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert!(rows[0].1.positive && !rows[1].1.positive);
        assert_eq!(rows[0].1.bcu_id.as_deref(), Some("city"));
        assert_eq!(rows[1].1.bcu_id, None);
        assert_eq!(rows[1].1.neighbourhood_id.as_deref(), Some("bar"));

        let bad = format!(
            "{HEAD}atlantis,,,2025-01,good-job,good,1,S\ncity-of-london,,,2025-13,good-job,good,1,S\n\
city-of-london,,,2025-01,trust,good,1,S\ncity-of-london,,,2025-01,good-job,agree,1,S\n\
city-of-london,,,2025-01,good-job,good,-1,S\ncity-of-london,,,2025-01,good-job,good,NaN,S\ncity-of-london,,,2025-01,good-job,good,1,\n"
        );
        let (_, problems) = parse(bad.as_bytes(), "c.csv");
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 7, "{said:#?}");
        assert!(said[0].starts_with("c.csv:2: force:"), "{}", said[0]);
        assert!(said[1].starts_with("c.csv:3: month:"), "{}", said[1]);
        assert!(said[2].starts_with("c.csv:4: measure:"), "{}", said[2]);
        assert!(said[3].starts_with("c.csv:5: response:") && said[3].contains("excellent, good"), "{}", said[3]);
        assert!(said[4].starts_with("c.csv:6: weight:"), "{}", said[4]);
        assert!(said[5].starts_with("c.csv:7: weight:"), "{}", said[5]);
        assert!(said[6].starts_with("c.csv:8: source:"), "{}", said[6]);
        let (_, problems) = parse(HEAD.as_bytes(), "c.csv");
        assert_eq!(problems[0].to_string(), "c.csv:1: row: the file has a header but no rows");
    }

    #[test]
    fn bcus_are_checked_against_those_held() {
        let text = format!(
            "{HEAD}city-of-london,city,,2025-01,good-job,good,1,S\ncity-of-london,west,,2025-01,good-job,good,1,S\nkent,east,,2025-01,good-job,good,1,S\n"
        );
        let (rows, _) = parse(text.as_bytes(), "c.csv");
        let known = BTreeMap::from([("city-of-london".to_string(), BTreeSet::from(["city".to_string()]))]);
        let said: Vec<String> = unknown_bcus(&rows, &known, "c.csv").iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert_eq!(said[0], "c.csv:3: bcu: \"west\" is not a BCU of city-of-london: it has city");
        assert!(said[1].starts_with("c.csv:4: bcu: kent has no BCUs held"), "{}", said[1]);
    }
}
