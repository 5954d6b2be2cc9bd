//! Reading police.uk's bulk CSVs (street, outcomes, stop and search).

use peel_core::records::{CsvKind, OutcomeRecord, RowContext, RowError, StopSearch, StreetCrime};

use crate::error::RowProblem;

/// The parsed rows of one file, and the rows refused.
pub enum Parsed {
    Street(Vec<StreetCrime>),
    Outcomes(Vec<OutcomeRecord>),
    Stops(Vec<StopSearch>),
}

impl Parsed {
    pub fn len(&self) -> usize {
        match self {
            Parsed::Street(r) => r.len(),
            Parsed::Outcomes(r) => r.len(),
            Parsed::Stops(r) => r.len(),
        }
    }
}

/// Parses every data row; a row that cannot be read at all (bad UTF-8, an
/// unterminated quote) is reported like any other invalid row.
pub fn parse(kind: CsvKind, bytes: &[u8], file: &str, ctx: &RowContext) -> (Parsed, Vec<RowProblem>) {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let mut problems = Vec::new();
    let mut parsed = match kind {
        CsvKind::Street => Parsed::Street(Vec::new()),
        CsvKind::Outcomes => Parsed::Outcomes(Vec::new()),
        CsvKind::StopAndSearch => Parsed::Stops(Vec::new()),
    };
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let fields: Vec<&str> = record.iter().collect();
                if fields.len() == 1 && fields[0].trim().is_empty() {
                    continue; // a blank line, as some files end with
                }
                let result: Result<(), RowError> = match &mut parsed {
                    Parsed::Street(v) => StreetCrime::from_row(&fields, ctx).map(|r| v.push(r)),
                    Parsed::Outcomes(v) => OutcomeRecord::from_row(&fields, ctx).map(|r| v.push(r)),
                    Parsed::Stops(v) => StopSearch::from_row(&fields, ctx).map(|r| v.push(r)),
                };
                if let Err(e) = result {
                    problems.push(RowProblem { file: file.to_string(), line, field: e.field.to_string(), message: e.message });
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                problems.push(RowProblem { file: file.to_string(), line, field: "row".into(), message: e.to_string() });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    (parsed, problems)
}

/// Reads only the header row, to recognise the file.
pub fn header(bytes: &[u8]) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Some(record.iter().map(|s| s.trim_start_matches('\u{feff}').trim().to_string()).collect()),
        _ => None,
    }
}
