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
    let mut lines = LineCounter::new(bytes);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
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
                    problems.push(RowProblem {
                        file: file.to_string(),
                        line,
                        field: e.field.to_string(),
                        message: e.message,
                    });
                }
            }
            Err(e) => {
                let line = lines.line_at(e.position().map_or(0, |p| p.byte()));
                problems.push(RowProblem { file: file.to_string(), line, field: "row".into(), message: e.to_string() });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    (parsed, problems)
}

/// Physical line numbers from byte offsets. The csv crate's own line count
/// goes wrong on CRLF files, which police.uk publishes many of.
pub struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter { bytes, offset: 0, line: 1 }
    }

    /// The 1-based line holding byte `at`; calls must come in increasing order.
    pub fn line_at(&mut self, at: u64) -> u64 {
        let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(self.bytes.len());
        // After a CR the csv crate starts the next record at the LF.
        if self.bytes.get(at) == Some(&b'\n') {
            at += 1;
        }
        if at > self.offset {
            self.line += self.bytes[self.offset..at].iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = at;
        }
        self.line
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_physical_line_numbers_for_any_line_ending() {
        let good = "|2024-01|City of London Police|City of London Police|||No location|||Anti-social behaviour||";
        let bad = "|2024-01|City of London Police|City of London Police|||No location|||Littering||";
        for eol in ["\n", "\r\n"] {
            let text = [
                peel_core::records::STREET_HEADER.join(","),
                good.replace('|', ","),
                good.replace('|', ","),
                bad.replace('|', ","),
            ]
            .join(eol);
            let (parsed, problems) = parse(CsvKind::Street, text.as_bytes(), "f.csv", &RowContext::default());
            assert_eq!(parsed.len(), 2);
            assert_eq!(problems.len(), 1);
            assert_eq!((problems[0].line, problems[0].field.as_str()), (4, "Crime type"), "{eol:?}");
        }
    }
}
