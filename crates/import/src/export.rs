//! Writing police.uk's bulk files: the street, outcomes and stop-and-search
//! CSVs of one force-month, and a month's archive zip laid out as police.uk
//! lays out its own (`YYYY-MM/YYYY-MM-<force>-street.csv`, …).
//!
//! What is written reads back through the importer to the same records: the
//! columns, their order and spelling are police.uk's, coordinates keep six
//! decimals as police.uk prints them (more only where the stored value
//! needs more to read back the same), outcome and crime type names are
//! police.uk's CSV names. The columns peel does not keep (an outcome row's
//! `Reported by` and `Falls within`) are written as the force's name, as
//! police.uk's own files have them.

use std::io::{Seek, Write};

use peel_core::Month;
use peel_core::force;
use peel_core::geo::LatLng;
use peel_core::records::{CsvKind, OutcomeRecord, StopSearch, StreetCrime};
use peel_store::{Store, StoreError};

/// The name police.uk gives a force-month file: `2024-03-city-of-london-street.csv`.
pub fn file_name(month: Month, force_id: &str, kind: CsvKind) -> String {
    format!("{month}-{force_id}-{}.csv", kind.file_suffix())
}

/// Where a force-month file sits in a month's archive: `2024-03/2024-03-city-of-london-street.csv`.
pub fn archive_path(month: Month, force_id: &str, kind: CsvKind) -> String {
    format!("{month}/{}", file_name(month, force_id, kind))
}

fn writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out)
}

/// A coordinate as police.uk prints it (six decimals), unless six decimals
/// would not read back as the same number.
fn coordinate(v: f64) -> String {
    let six = format!("{v:.6}");
    if six.parse::<f64>().ok() == Some(v) { six } else { v.to_string() }
}

fn point(at: Option<LatLng>) -> (String, String) {
    at.map_or_else(Default::default, |at| (coordinate(at.lng), coordinate(at.lat)))
}

fn csv_error(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// A street CSV: police.uk's header, then one line per crime.
pub fn street_csv(rows: &[StreetCrime], out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record(CsvKind::Street.header()).map_err(csv_error)?;
    for c in rows {
        let (lng, lat) = point(c.location.as_ref().map(|l| l.at));
        let month = c.month.to_string();
        w.write_record([
            c.persistent_id.as_deref().unwrap_or(""),
            month.as_str(),
            c.reported_by.as_str(),
            c.falls_within.as_str(),
            lng.as_str(),
            lat.as_str(),
            c.location.as_ref().map_or("No location", |l| l.street_name.as_str()),
            c.lsoa_code.as_deref().unwrap_or(""),
            c.lsoa_name.as_deref().unwrap_or(""),
            c.category.name(),
            c.last_outcome.map_or("", |o| o.crime_status_name()),
            c.context.as_str(),
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// An outcomes CSV; `force_name` fills `Reported by` and `Falls within`.
pub fn outcomes_csv(force_name: &str, rows: &[OutcomeRecord], out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record(CsvKind::Outcomes.header()).map_err(csv_error)?;
    for o in rows {
        let (lng, lat) = point(o.location.as_ref().map(|l| l.at));
        let month = o.month.to_string();
        w.write_record([
            o.persistent_id.as_str(),
            month.as_str(),
            force_name,
            force_name,
            lng.as_str(),
            lat.as_str(),
            o.location.as_ref().map_or("No location", |l| l.street_name.as_str()),
            o.lsoa_code.as_deref().unwrap_or(""),
            o.lsoa_name.as_deref().unwrap_or(""),
            o.outcome.crime_status_name(),
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn flag(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "True",
        Some(false) => "False",
        None => "",
    }
}

/// A stop-and-search CSV (its rows name no force: the file name does).
pub fn stops_csv(rows: &[StopSearch], out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record(CsvKind::StopAndSearch.header()).map_err(csv_error)?;
    for s in rows {
        let (lng, lat) = point(s.at);
        w.write_record([
            s.kind.label(),
            s.datetime.as_str(),
            flag(s.operation),
            text(&s.operation_name),
            lat.as_str(),
            lng.as_str(),
            text(&s.gender),
            text(&s.age_range),
            text(&s.self_defined_ethnicity),
            text(&s.officer_defined_ethnicity),
            text(&s.legislation),
            text(&s.object_of_search),
            text(&s.outcome),
            flag(s.outcome_linked_to_object_of_search),
            flag(s.removal_of_more_than_outer_clothing),
        ])
        .map_err(csv_error)?;
    }
    w.flush()
}

/// An archive of police.uk files, written file by file: only the file being added is
/// held in memory. zip's writer goes back to fill in each entry's sizes, so
/// the archive is written to something seekable (a file) and sent from there.
pub struct Archive<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
}

impl<W: Write + Seek> Archive<W> {
    pub fn new(out: W) -> Archive<W> {
        Archive { zip: zip::ZipWriter::new(out) }
    }

    /// Adds one file, deflated, under `path`.
    pub fn add(&mut self, path: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        self.zip.start_file(path, options)?;
        self.zip.write_all(bytes)?;
        Ok(())
    }

    /// Writes the central directory and hands the writer back.
    pub fn finish(self) -> Result<W, ExportError> {
        Ok(self.zip.finish()?)
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the files: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// The police.uk file of one kind for one force-month, or `None` when no
/// such file was imported.
pub async fn force_month_csv(
    store: &Store,
    kind: CsvKind,
    force_id: &str,
    month: Month,
) -> Result<Option<Vec<u8>>, ExportError> {
    if store.open_data().import_checksum(kind, force_id, month).await?.is_none() {
        return Ok(None);
    }
    let mut out = Vec::new();
    match kind {
        CsvKind::Street => street_csv(&store.open_data().street_crimes(force_id, month).await?, &mut out)?,
        CsvKind::Outcomes => {
            let name = force::by_id(force_id).map_or(force_id, |f| f.name);
            outcomes_csv(name, &store.open_data().outcome_records(force_id, month).await?, &mut out)?
        }
        CsvKind::StopAndSearch => stops_csv(&store.open_data().stop_searches(force_id, month).await?, &mut out)?,
    }
    Ok(Some(out))
}

/// The files an export writes: every force-month file imported for the
/// `months` given (all months when none are), of one force or all,
/// as (month, kind, force id) in police.uk's archive order.
pub async fn files(
    store: &Store,
    months: &[Month],
    force_id: Option<&str>,
) -> Result<Vec<(Month, CsvKind, String)>, ExportError> {
    let mut files = Vec::new();
    if months.is_empty() {
        files = store.open_data().imported_files(None).await?;
    }
    for m in months {
        files.extend(store.open_data().imported_files(Some(*m)).await?);
    }
    files.retain(|(_, _, f)| force_id.is_none_or(|want| want == f.as_str()));
    files.sort_by(|a, b| (a.0, a.2.as_str(), a.1.file_suffix()).cmp(&(b.0, b.2.as_str(), b.1.file_suffix())));
    files.dedup();
    Ok(files)
}

/// Writes `files` (from [`files`]) into an archive laid out as police.uk's.
pub async fn archive<W: Write + Seek>(
    store: &Store,
    files: &[(Month, CsvKind, String)],
    out: W,
) -> Result<W, ExportError> {
    let mut archive = Archive::new(out);
    for (month, kind, force_id) in files {
        if let Some(bytes) = force_month_csv(store, *kind, force_id, *month).await? {
            archive.add(&archive_path(*month, force_id, *kind), &bytes)?;
        }
    }
    archive.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_keep_six_decimals_unless_more_are_needed() {
        assert_eq!(coordinate(-0.1), "-0.100000");
        assert_eq!(coordinate(51.515383), "51.515383");
        assert_eq!(coordinate(51.51538312), "51.51538312");
    }

    #[test]
    fn names_follow_police_uk() {
        let m = Month::new(2024, 3).expect("month");
        assert_eq!(
            archive_path(m, "city-of-london", CsvKind::StopAndSearch),
            "2024-03/2024-03-city-of-london-stop-and-search.csv"
        );
    }
}
