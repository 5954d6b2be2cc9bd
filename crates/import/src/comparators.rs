//! The two small CSVs comparisons between forces rest on, recognised by
//! their header rows:
//!
//! - published most similar groups: `force,peer_1,…,peer_7,source,year`
//!   (fewer peer columns are allowed; a force's peers fill them from the
//!   left; a force with none, such as the City of London, leaves them empty);
//! - the variables peel computes its own groups from:
//!   `force,variable,value,source,year`.
//!
//! Both are always strict: a list of groups or a set of variables with a
//! row left out would silently change every group, so one bad row refuses
//! the whole file, naming `file:line: column: what is wrong`.

use std::collections::BTreeSet;

use peel_core::force;
use peel_core::peers::{self, ForceVariable, MAX_PEERS, PublishedGroup};

use crate::error::RowProblem;

/// Which of the two files a header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Published groups, with this many peer columns.
    Groups(usize),
    Variables,
}

impl Kind {
    pub fn from_header(header: &[String]) -> Option<Kind> {
        let h: Vec<String> = header.iter().map(|c| c.to_ascii_lowercase()).collect();
        if h == ["force", "variable", "value", "source", "year"] {
            return Some(Kind::Variables);
        }
        let n = h.len().checked_sub(3)?;
        let peers_named = (1..=n).all(|i| h[i] == format!("peer_{i}"));
        let shape = h.first().is_some_and(|c| c == "force") && h[n + 1] == "source" && h[n + 2] == "year";
        (shape && peers_named && (1..=MAX_PEERS).contains(&n)).then_some(Kind::Groups(n))
    }
}

/// Reads every row, then checks the rows against each other; every problem
/// is listed, with its line.
pub(crate) fn rows(
    bytes: &[u8],
    file: &str,
    mut each: impl FnMut(&csv::StringRecord, u64) -> Result<(), (String, String)>,
) -> Vec<RowProblem> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let mut lines = crate::bulk_csv::LineCounter::new(bytes);
    let mut record = csv::StringRecord::new();
    let mut problems = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                if let Err((field, message)) = each(&record, line) {
                    problems.push(RowProblem { file: file.to_string(), line, field, message });
                }
            }
            Err(e) => {
                let line = lines.line_at(e.position().map_or(0, |p| p.byte()));
                problems.push(RowProblem { file: file.to_string(), line, field: "row".into(), message: e.to_string() });
                break;
            }
        }
    }
    problems
}

fn known_force(field: &str, id: &str) -> Result<String, (String, String)> {
    force::by_id(id)
        .map(|f| f.id.to_string())
        .ok_or_else(|| (field.to_string(), format!("{id:?} is not a police.uk force id (such as \"bedfordshire\")")))
}

fn source_and_year(source: &str, year: &str) -> Result<(String, i32), (String, String)> {
    let source = source.trim();
    if source.is_empty() {
        return Err(("source".into(), "is empty: say who published the figure".into()));
    }
    let year = year.trim();
    match year.parse::<i32>() {
        Ok(y) if (1800..=2100).contains(&y) => Ok((source.to_string(), y)),
        _ => Err(("year".into(), format!("{year:?} is not a year such as 2021"))),
    }
}

/// A published groups file; `peer_columns` from [`Kind::Groups`].
pub fn parse_groups(bytes: &[u8], file: &str, peer_columns: usize) -> (Vec<PublishedGroup>, Vec<RowProblem>) {
    let mut groups: Vec<PublishedGroup> = Vec::new();
    let mut seen = BTreeSet::new();
    let problems = rows(bytes, file, |r, _| {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let force_id = known_force("force", get(0))?;
        let cells: Vec<&str> = (1..=peer_columns).map(get).collect();
        if let Some(gap) = cells.iter().position(|c| c.is_empty())
            && let Some(after) = cells[gap..].iter().position(|c| !c.is_empty())
        {
            return Err((
                format!("peer_{}", gap + 1),
                format!("is empty but peer_{} is not: list the peers from peer_1 without gaps", gap + after + 1),
            ));
        }
        let mut peers = Vec::new();
        for (i, c) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
            peers.push(known_force(&format!("peer_{}", i + 1), c)?);
        }
        let (source, year) = source_and_year(get(peer_columns + 1), get(peer_columns + 2))?;
        let group = PublishedGroup { force_id, peers, source, year };
        peers::check_group(&group, &seen).map_err(|e| ("force".to_string(), e.to_string()))?;
        seen.insert(group.force_id.clone());
        groups.push(group);
        Ok(())
    });
    let empty = seen.is_empty();
    (groups, with_rows(problems, file, empty))
}

/// The file must hold at least one row to replace what is held.
pub(crate) fn with_rows(mut problems: Vec<RowProblem>, file: &str, empty: bool) -> Vec<RowProblem> {
    if empty && problems.is_empty() {
        problems.push(RowProblem {
            file: file.to_string(),
            line: 1,
            field: "row".into(),
            message: "the file has a header but no rows".into(),
        });
    }
    problems
}

/// A variables file.
pub fn parse_variables(bytes: &[u8], file: &str) -> (Vec<ForceVariable>, Vec<RowProblem>) {
    let mut values: Vec<ForceVariable> = Vec::new();
    let mut seen = BTreeSet::new();
    let problems = rows(bytes, file, |r, _| {
        let get = |i: usize| r.get(i).unwrap_or("").trim();
        let force_id = known_force("force", get(0))?;
        let variable = get(1).to_string();
        let name_ok = !variable.is_empty()
            && variable.len() <= 64
            && variable.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err((
                "variable".into(),
                format!(
                    "{variable:?} is not a variable name: use lower-case letters, digits and _ (such as population_density)"
                ),
            ));
        }
        let value = get(2)
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| ("value".to_string(), format!("{:?} is not a number", get(2))))?;
        let (source, year) = source_and_year(get(3), get(4))?;
        if !seen.insert((force_id.clone(), variable.clone())) {
            return Err(("variable".into(), format!("{force_id} has a value for {variable} on an earlier row")));
        }
        values.push(ForceVariable { force_id, variable, value, source, year });
        Ok(())
    });
    let empty = seen.is_empty();
    (values, with_rows(problems, file, empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    #[test]
    fn headers_are_recognised() {
        assert_eq!(Kind::from_header(&header("force,peer_1,peer_2,source,year")), Some(Kind::Groups(2)));
        assert_eq!(Kind::from_header(&header("Force,Variable,Value,Source,Year")), Some(Kind::Variables));
        assert_eq!(Kind::from_header(&header("force,peer_2,source,year")), None);
        assert_eq!(Kind::from_header(&header("force,source,year")), None);
        let eight = "force,peer_1,peer_2,peer_3,peer_4,peer_5,peer_6,peer_7,peer_8,source,year";
        assert_eq!(Kind::from_header(&header(eight)), None);
    }

    #[test]
    fn groups_read_with_lines_and_rules() {
        let ok = b"force,peer_1,peer_2,source,year\nbedfordshire,kent,essex,HMIC,2020\ncity-of-london,,,HMIC,2020\n";
        let (groups, problems) = parse_groups(ok, "g.csv", 2);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(groups[0].peers, ["kent", "essex"]);
        assert!(groups[1].peers.is_empty());

        let bad = b"force,peer_1,peer_2,source,year\nbedfordshire,,essex,HMIC,2020\nkent,atlantis,,HMIC,2020\n\
essex,essex,,HMIC,2020\nsurrey,kent,,,2020\nsussex,kent,,HMIC,twenty\ndorset,kent,,HMIC,2020\ndorset,kent,,HMIC,2020\n";
        let (_, problems) = parse_groups(bad, "g.csv", 2);
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 6, "{said:#?}");
        assert!(said[0].starts_with("g.csv:2: peer_1: is empty but peer_2 is not"), "{}", said[0]);
        assert!(said[1].starts_with("g.csv:3: peer_1: \"atlantis\" is not a police.uk force id"), "{}", said[1]);
        assert!(said[2].contains("g.csv:4: force:") && said[2].contains("its own peer"), "{}", said[2]);
        assert!(said[3].starts_with("g.csv:5: source: is empty"), "{}", said[3]);
        assert!(said[4].starts_with("g.csv:6: year:"), "{}", said[4]);
        assert!(said[5].starts_with("g.csv:8: force:") && said[5].contains("more than one row"), "{}", said[5]);
    }

    #[test]
    fn variables_read_with_lines_and_rules() {
        let ok = b"force,variable,value,source,year\nkent,population_density,4.5,ONS,2021\n";
        let (values, problems) = parse_variables(ok, "v.csv");
        assert!(problems.is_empty());
        assert_eq!(values[0].value, 4.5);
        let bad =
            b"force,variable,value,source,year\nkent,Population Density,4.5,ONS,2021\nkent,students,lots,ONS,2021\n\
kent,students,NaN,ONS,2021\nkent,x,1,ONS,2021\nkent,x,2,ONS,2021\n";
        let (_, problems) = parse_variables(bad, "v.csv");
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 4, "{said:#?}");
        assert!(said[0].starts_with("v.csv:2: variable:"));
        assert!(said[1].starts_with("v.csv:3: value: \"lots\" is not a number"));
        assert!(said[2].starts_with("v.csv:4: value:"));
        assert!(said[3].starts_with("v.csv:6: variable: kent has a value for x on an earlier row"));
        let (_, problems) = parse_variables(b"force,variable,value,source,year\n", "v.csv");
        assert_eq!(problems[0].to_string(), "v.csv:1: row: the file has a header but no rows");
    }
}
