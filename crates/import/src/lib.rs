//! Importers for the files police.uk publishes, exactly as published: the
//! monthly bulk CSVs (street, outcomes, stop and search), folders of them and
//! the archive zip; neighbourhood and force boundary KML; the ONS force areas;
//! postcode tables; and peel's neighbourhood files (teams, priorities, events).
//!
//! Every file is recognised by its content (header row, XML root, JSON shape),
//! not trusted by its name. Each file is imported atomically; in strict mode
//! (the default) one bad row refuses the whole file.

mod bulk_csv;
mod comparators;
mod confidence;
mod error;
pub mod export;
pub mod json;
pub mod kml;
mod postcodes;
mod prefetch;
mod progress;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use peel_core::Month;
use peel_core::bounded::ErrorList;
use peel_core::force;
use peel_core::records::{BulkFileName, CsvKind, RowContext};
use peel_store::{LocationCache, OpenDataBatch, ReplaceResult, Store};
use sha2::{Digest, Sha256};

pub use error::{ImportError, RowProblem};
use prefetch::Input;
use progress::Progress;

/// Entry points for the fuzz targets in `fuzz/`: the readers as
/// `peel import` calls them, without a database. Not an API.
#[doc(hidden)]
pub mod fuzzing {
    use peel_core::records::{BulkFileName, CsvKind, RowContext};

    /// Reads `bytes` as a bulk CSV named `name` (a police.uk file name gives
    /// the rows a force and month to agree with): the header recognised,
    /// then every row. How many rows were read and how many refused, or
    /// `None` when the header is no bulk CSV's.
    pub fn bulk_csv(name: &str, bytes: &[u8]) -> Option<(usize, usize)> {
        let kind = CsvKind::from_header(&crate::bulk_csv::header(bytes)?)?;
        let named = BulkFileName::parse(name);
        let ctx = RowContext { month: named.as_ref().map(|n| n.month), force: named.as_ref().map(|n| n.force) };
        let (parsed, problems) = crate::bulk_csv::parse(kind, bytes, name, &ctx);
        Some((parsed.len(), problems.len()))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Import the valid rows of a file with invalid ones, reporting each.
    pub skip_invalid: bool,
    /// No progress bar or log lines (tests, benchmarks).
    pub quiet: bool,
}

/// What an import did, for the closing summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub unchanged_files: usize,
    pub rows: BTreeMap<CsvKind, u64>,
    pub months: BTreeSet<Month>,
    pub forces: BTreeSet<String>,
    pub neighbourhood_boundaries: usize,
    pub force_boundaries: usize,
    pub neighbourhood_details: usize,
    pub postcodes: u64,
    /// Forces in an imported list of most similar groups.
    pub peer_groups: usize,
    /// Values of the variables groups are computed from.
    pub force_variables: usize,
    /// Survey responses on public confidence stored.
    pub survey_responses: usize,
    /// Rows of earlier imports of the same survey sources replaced.
    pub survey_responses_replaced: u64,
    /// Rows left out under `--skip-invalid` (each was printed as it was
    /// met; the first ones are kept here, all are counted).
    pub skipped: ErrorList<RowProblem>,
    /// Files refused, with why; nothing of them was written.
    pub failed: Vec<ImportError>,
    pub rows_per_second: f64,
}

impl Summary {
    pub fn total_rows(&self) -> u64 {
        self.rows.values().sum::<u64>() + self.postcodes
    }
}

pub struct Importer<'s> {
    store: &'s Store,
    options: ImportOptions,
    cache: LocationCache,
}

impl<'s> Importer<'s> {
    pub fn new(store: &'s Store, options: ImportOptions) -> Importer<'s> {
        Importer { store, options, cache: LocationCache::default() }
    }

    /// Imports every file under `paths` (files, folders, zips). Files that
    /// fail are listed in the summary; the others are imported regardless.
    pub async fn import_paths(&mut self, paths: &[PathBuf]) -> Result<Summary, ImportError> {
        let mut files = Vec::new();
        for p in paths {
            collect(p, &mut files, true)?;
        }
        let total: u64 = files.iter().map(|(_, len, _)| *len).sum();
        let mut progress = Progress::new(total, self.options.quiet);
        let mut summary = Summary::default();
        let known = self
            .store
            .open_data()
            .import_checksums()
            .await
            .map_err(|source| ImportError::Store { path: "the imports already made".into(), source })?;
        let mut items = prefetch::start(files, known);
        while let Some(item) = items.recv().await {
            let result = match item {
                prefetch::Item::Input { input, explicit } => {
                    self.import_one(input, explicit, &mut summary, &mut progress).await.map(|_| ())
                }
                prefetch::Item::Failed(e) => Err(e),
                prefetch::Item::Done { name, len } => {
                    progress.file_done(&name, len);
                    Ok(())
                }
            };
            if let Err(e) = result {
                progress.note(&e.to_string());
                summary.failed.push(e);
            }
        }
        if summary.total_rows() > 0 {
            // Not an error of any file: what was imported is committed.
            if let Err(e) = self.store.open_data().settle_imports().await {
                tracing::warn!(error = %e, "could not checkpoint the database after the import; it will be done later");
            }
        }
        summary.rows_per_second = progress.rows_per_second();
        progress.finish();
        Ok(summary)
    }

    /// Imports one file's bytes. `explicit` files (named on the command line)
    /// must be recognised; unknown files met inside folders are passed over.
    async fn import_one(
        &mut self,
        mut input: Input,
        explicit: bool,
        summary: &mut Summary,
        progress: &mut Progress,
    ) -> Result<u64, ImportError> {
        let lower = input.name.to_ascii_lowercase();
        let unrecognised = |why: &str| ImportError::Unrecognised { path: input.name.clone(), why: why.to_string() };
        if lower.ends_with(".kml") || looks_like_kml(&input.bytes) {
            return self.import_kml(&input, summary).await.map(|_| 0);
        }
        if lower.ends_with(".json") || lower.ends_with(".geojson") {
            return self.import_json(&input, summary).await.map(|_| 0);
        }
        if !lower.ends_with(".csv") {
            return if explicit { Err(unrecognised("expected .csv, .kml, .json, .geojson or .zip")) } else { Ok(0) };
        }
        let header = bulk_csv::header(&input.bytes).ok_or_else(|| unrecognised("empty or unreadable CSV"))?;
        if let Some(kind) = CsvKind::from_header(&header) {
            return self.import_bulk(&mut input, kind, summary, progress).await;
        }
        if let Some(cols) = postcodes::Columns::from_header(&header) {
            return self.import_postcodes(&input, cols, summary, progress).await;
        }
        if let Some(kind) = comparators::Kind::from_header(&header) {
            return self.import_comparators(&input, kind, summary).await;
        }
        if confidence::is_header(&header) {
            return self.import_confidence(&input, summary).await;
        }
        Err(unrecognised(&format!(
            "its header ({}) is not a police.uk street, outcomes or stop-and-search header, a postcode table, \
             a most similar groups file (force,peer_1,…,peer_7,source,year), a variables file \
             (force,variable,value,source,year) nor survey responses \
             (force,bcu,neighbourhood,month,measure,response,weight,source)",
            header.join(",")
        )))
    }

    async fn import_bulk(
        &mut self,
        input: &mut Input,
        kind: CsvKind,
        summary: &mut Summary,
        progress: &mut Progress,
    ) -> Result<u64, ImportError> {
        let from_name = BulkFileName::parse(file_name(&input.name));
        if let Some(n) = &from_name
            && n.kind != kind
        {
            return Err(ImportError::Invalid {
                path: input.name.clone(),
                message: format!("the name says {} but the header is that of {}", n.kind.label(), kind.label()),
            });
        }
        let prepared = input.bulk.take();
        let sha = match &prepared {
            Some(p) => p.sha.clone(),
            None => hex(&Sha256::digest(&input.bytes)),
        };
        if let Some(n) = &from_name {
            // The common case of re-running an import: skip parsing unchanged files.
            let known = self.store.open_data().import_checksum(kind, n.force.id, n.month).await;
            if known.map_err(|source| ImportError::Store { path: input.name.clone(), source })?.as_deref()
                == Some(sha.as_str())
            {
                summary.files += 1;
                summary.unchanged_files += 1;
                summary.months.insert(n.month);
                summary.forces.insert(n.force.id.to_string());
                return Ok(0);
            }
        }
        let ctx = RowContext { month: from_name.as_ref().map(|n| n.month), force: from_name.as_ref().map(|n| n.force) };
        let (parsed, problems) = match prepared.and_then(|p| p.parsed) {
            Some(done) => done,
            None => bulk_csv::parse(kind, &input.bytes, &input.name, &ctx),
        };
        self.refuse_or_skip(problems, summary, progress)?;
        // A file is one force-month; without police.uk's file name the rows say which.
        let (force_id, month, force_name) = match (&parsed, &from_name) {
            (_, Some(n)) => (n.force.id, n.month, first_falls_within(&parsed)),
            (bulk_csv::Parsed::Street(r), None) => single(r.iter().map(|c| (c.force_id, c.month)), &input.name)
                .map(|(f, m)| (f, m, first_falls_within(&parsed)))?,
            (bulk_csv::Parsed::Outcomes(r), None) => {
                single(r.iter().map(|c| (c.force_id, c.month)), &input.name).map(|(f, m)| (f, m, None))?
            }
            (bulk_csv::Parsed::Stops(_), None) => {
                return Err(ImportError::Invalid {
                    path: input.name.clone(),
                    message: "stop-and-search rows do not name their force: name the file YYYY-MM-<force>-stop-and-search.csv".into(),
                });
            }
        };
        let batch = match &parsed {
            bulk_csv::Parsed::Street(r) => OpenDataBatch::Street(r),
            bulk_csv::Parsed::Outcomes(r) => OpenDataBatch::Outcomes(r),
            bulk_csv::Parsed::Stops(r) => OpenDataBatch::Stops(r),
        };
        let result = self
            .store
            .open_data()
            .replace_force_month(force_id, force_name.as_deref(), month, &sha, &input.name, batch, &mut self.cache)
            .await
            .map_err(|source| ImportError::Store { path: input.name.clone(), source })?;
        summary.files += 1;
        summary.months.insert(month);
        summary.forces.insert(force_id.to_string());
        let rows = parsed.len() as u64;
        // Freeing a large force-month's rows (a dozen strings each) took a
        // twentieth of the writing thread's time: free them beside it.
        tokio::task::spawn_blocking(move || drop(parsed));
        match result {
            ReplaceResult::Unchanged => summary.unchanged_files += 1,
            ReplaceResult::Replaced { .. } => *summary.rows.entry(kind).or_default() += rows,
        }
        progress.add_rows(rows);
        Ok(rows)
    }

    /// Strict mode refuses a file with any bad row (listing the first few);
    /// `--skip-invalid` reports each and lets the rest through.
    fn refuse_or_skip(
        &self,
        problems: Vec<RowProblem>,
        summary: &mut Summary,
        progress: &Progress,
    ) -> Result<(), ImportError> {
        if problems.is_empty() {
            return Ok(());
        }
        if !self.options.skip_invalid {
            let total = problems.len();
            return Err(ImportError::InvalidRows {
                problems: problems.into_iter().take(error::MAX_LISTED).collect(),
                total,
            });
        }
        for p in &problems {
            progress.note(&format!("skipped {p}"));
        }
        summary.skipped.extend(problems);
        Ok(())
    }

    async fn import_postcodes(
        &mut self,
        input: &Input,
        cols: postcodes::Columns,
        summary: &mut Summary,
        progress: &mut Progress,
    ) -> Result<u64, ImportError> {
        let (points, problems) = postcodes::parse(&input.bytes, &input.name, cols);
        self.refuse_or_skip(problems, summary, progress)?;
        self.store
            .geography()
            .put_postcodes(&points)
            .await
            .map_err(|source| ImportError::Store { path: input.name.clone(), source })?;
        summary.files += 1;
        summary.postcodes += points.len() as u64;
        Ok(points.len() as u64)
    }

    /// A published groups file replaces the groups held; a variables file
    /// replaces the values of the variables it names. Always strict.
    async fn import_comparators(
        &mut self,
        input: &Input,
        kind: comparators::Kind,
        summary: &mut Summary,
    ) -> Result<u64, ImportError> {
        let refuse = |problems: Vec<RowProblem>| {
            let total = problems.len();
            ImportError::InvalidRows { problems: problems.into_iter().take(error::MAX_LISTED).collect(), total }
        };
        let store_err = |source| ImportError::Store { path: input.name.clone(), source };
        let rows = match kind {
            comparators::Kind::Groups(peers) => {
                let (groups, problems) = comparators::parse_groups(&input.bytes, &input.name, peers);
                if !problems.is_empty() {
                    return Err(refuse(problems));
                }
                self.store.comparisons().replace_published_groups(&groups).await.map_err(store_err)?;
                summary.peer_groups += groups.len();
                groups.len()
            }
            comparators::Kind::Variables => {
                let (values, problems) = comparators::parse_variables(&input.bytes, &input.name);
                if !problems.is_empty() {
                    return Err(refuse(problems));
                }
                self.store.comparisons().replace_force_variables(&values).await.map_err(store_err)?;
                summary.force_variables += values.len();
                values.len()
            }
        };
        summary.files += 1;
        Ok(rows as u64)
    }

    /// Survey responses replace every row of each source the file names
    /// (other sources are kept). Always strict; a BCU must be one held.
    async fn import_confidence(&mut self, input: &Input, summary: &mut Summary) -> Result<u64, ImportError> {
        let refuse = |problems: Vec<RowProblem>| {
            let total = problems.len();
            ImportError::InvalidRows { problems: problems.into_iter().take(error::MAX_LISTED).collect(), total }
        };
        let store_err = |source| ImportError::Store { path: input.name.clone(), source };
        let (rows, problems) = confidence::parse(&input.bytes, &input.name);
        if !problems.is_empty() {
            return Err(refuse(problems));
        }
        let forces: BTreeSet<&str> =
            rows.iter().filter(|(_, r)| r.bcu_id.is_some()).map(|(_, r)| r.force_id.as_str()).collect();
        let mut known = BTreeMap::new();
        for f in forces {
            let bcus = self.store.geography().bcus(f).await.map_err(store_err)?;
            known.insert(f.to_string(), bcus.into_iter().map(|b| b.id).collect::<BTreeSet<String>>());
        }
        let problems = confidence::unknown_bcus(&rows, &known, &input.name);
        if !problems.is_empty() {
            return Err(refuse(problems));
        }
        let responses: Vec<_> = rows.into_iter().map(|(_, r)| r).collect();
        let replaced = self.store.confidence().replace_sources(&responses).await.map_err(store_err)?;
        summary.files += 1;
        summary.survey_responses += responses.len();
        summary.survey_responses_replaced += replaced;
        summary.forces.extend(responses.iter().map(|r| r.force_id.clone()));
        Ok(responses.len() as u64)
    }

    async fn import_kml(&mut self, input: &Input, summary: &mut Summary) -> Result<(), ImportError> {
        let area = kml::parse(&input.bytes).map_err(|e| ImportError::Invalid {
            path: match e.line() {
                Some(line) => format!("{}:{line}", input.name),
                None => input.name.clone(),
            },
            message: e.to_string(),
        })?;
        let path = Path::new(input.name.rsplit(':').next().unwrap_or(&input.name));
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let parent = path.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()).unwrap_or_default();
        let store_err = |source| ImportError::Store { path: input.name.clone(), source };
        if let Some(f) = force::by_id(parent) {
            self.store.geography().set_neighbourhood_boundary(f.id, stem, &area).await.map_err(store_err)?;
            summary.neighbourhood_boundaries += 1;
            summary.forces.insert(f.id.to_string());
        } else if let Some(f) = force::by_id(stem) {
            self.store.geography().set_force_boundary(f.id, &area).await.map_err(store_err)?;
            summary.force_boundaries += 1;
        } else {
            return Err(ImportError::Invalid {
                path: input.name.clone(),
                message: "cannot tell whose boundary this is: put neighbourhood boundaries in <force>/<neighbourhood-id>.kml \
                          and name force boundaries <force>.kml, with police.uk force ids"
                    .into(),
            });
        }
        summary.files += 1;
        Ok(())
    }

    async fn import_json(&mut self, input: &Input, summary: &mut Summary) -> Result<(), ImportError> {
        let parsed =
            json::parse(&input.bytes).map_err(|message| ImportError::Invalid { path: input.name.clone(), message })?;
        let store_err = |source| ImportError::Store { path: input.name.clone(), source };
        match parsed {
            json::JsonInput::ForceAreas(areas) => {
                for (force_id, area) in &areas {
                    self.store.geography().set_force_boundary(force_id, area).await.map_err(store_err)?;
                }
                summary.force_boundaries += areas.len();
            }
            json::JsonInput::Areas(file) => {
                let (bcus, csps) = file.records();
                let population = file
                    .population_source()
                    .map_err(|message| ImportError::Invalid { path: input.name.clone(), message })?;
                let commentary = file.commentary.as_deref();
                self.store
                    .geography()
                    .put_areas(&file.force, commentary, population.as_ref(), &bcus, &csps)
                    .await
                    .map_err(store_err)?;
                summary.forces.insert(file.force.clone());
            }
            json::JsonInput::Neighbourhoods(file) => {
                if let Some((force, people)) = file.force_record() {
                    self.store.geography().put_force(&force, &people).await.map_err(store_err)?;
                }
                for d in file.details() {
                    self.store.geography().put_neighbourhood(&d).await.map_err(store_err)?;
                    summary.neighbourhood_details += 1;
                }
                summary.forces.insert(file.force.clone());
            }
        }
        summary.files += 1;
        Ok(())
    }
}

fn first_falls_within(parsed: &bulk_csv::Parsed) -> Option<String> {
    match parsed {
        bulk_csv::Parsed::Street(r) => {
            r.first().map(|c| c.falls_within.clone()).filter(|n| force::by_name(n).is_some())
        }
        _ => None,
    }
}

/// Without a police.uk file name, every row must be of one force and month.
fn single(
    mut keys: impl Iterator<Item = (&'static str, Month)>,
    path: &str,
) -> Result<(&'static str, Month), ImportError> {
    let first = keys.next().ok_or_else(|| ImportError::Invalid {
        path: path.to_string(),
        message: "no rows, and the file name does not say which force and month it is".into(),
    })?;
    if let Some(other) = keys.find(|k| *k != first) {
        return Err(ImportError::Invalid {
            path: path.to_string(),
            message: format!(
                "mixes {} {} with {} {}: police.uk files hold one force-month; name it YYYY-MM-<force>-<kind>.csv",
                first.0, first.1, other.0, other.1
            ),
        });
    }
    Ok(first)
}

/// The last part of a path or a zip entry's name.
fn file_name(name: &str) -> &str {
    name.rsplit(['/', '\\', ':']).next().unwrap_or(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn looks_like_kml(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    String::from_utf8_lossy(head).contains("<kml")
}

fn is_importable_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    [".csv", ".kml", ".json", ".geojson"].iter().any(|e| l.ends_with(e))
}

/// Lists files under `path` in a stable order, with their sizes.
fn collect(path: &Path, out: &mut Vec<(PathBuf, u64, bool)>, explicit: bool) -> Result<(), ImportError> {
    let io = |source| ImportError::Io { path: path.display().to_string(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(path).map_err(io)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for e in entries {
            let name = e.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if e.is_dir() || is_importable_name(name) || name.to_ascii_lowercase().ends_with(".zip") {
                collect(&e, out, false)?;
            }
        }
    } else {
        out.push((path.to_path_buf(), meta.len(), explicit));
    }
    Ok(())
}
