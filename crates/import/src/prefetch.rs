//! Reading, checksumming and parsing the next files on a second thread
//! while the current one is written, so that a national import's parsing
//! (a third of its time on one thread) overlaps its writing.
//!
//! The thread only reads: every decision (recognising the file, skipping
//! an unchanged one, refusing bad rows, writing) stays with the importer,
//! in the same order as without it. At most [`AHEAD`] files wait parsed,
//! so memory stays at a few force-months.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use peel_core::records::{BulkFileName, CsvKind, RowContext};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::bulk_csv;
use crate::error::{ImportError, RowProblem};

/// Files read ahead of the one being written.
const AHEAD: usize = 2;

/// One input to import: a path on disk, or an entry inside a zip.
pub(crate) struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
    /// For a police.uk bulk CSV: its checksum, and its rows parsed unless
    /// the store already holds this very file.
    pub bulk: Option<Prepared>,
}

pub(crate) struct Prepared {
    pub sha: String,
    pub parsed: Option<(bulk_csv::Parsed, Vec<RowProblem>)>,
}

pub(crate) enum Item {
    /// A file (or a zip's entry) to import; `explicit` when named on the command line.
    Input { input: Input, explicit: bool },
    /// A file or zip that could not be read at all.
    Failed(ImportError),
    /// Everything of the file at `name` (`len` bytes) has been sent.
    Done { name: String, len: u64 },
}

/// Starts the reader thread over `files` (path, size, named on the command
/// line). `known` maps police.uk file names to the checksum already stored.
pub(crate) fn start(files: Vec<(PathBuf, u64, bool)>, known: HashMap<String, String>) -> mpsc::Receiver<Item> {
    let (tx, rx) = mpsc::channel(AHEAD);
    std::thread::spawn(move || {
        for (path, len, explicit) in files {
            let name = path.display().to_string();
            if !read_file(&tx, &name, path, explicit, &known) || tx.blocking_send(Item::Done { name, len }).is_err() {
                return; // the importer stopped listening
            }
        }
    });
    rx
}

/// Sends the file's inputs; false when the receiver has gone.
fn read_file(
    tx: &mpsc::Sender<Item>,
    name: &str,
    path: PathBuf,
    explicit: bool,
    known: &HashMap<String, String>,
) -> bool {
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(source) => {
            return tx.blocking_send(Item::Failed(ImportError::Io { path: name.to_string(), source })).is_ok();
        }
    };
    if !crate::is_zip(&bytes) {
        let input = prepare(name.to_string(), bytes, known);
        return tx.blocking_send(Item::Input { input, explicit }).is_ok();
    }
    let invalid = |e: zip::result::ZipError| ImportError::Invalid {
        path: name.to_string(),
        message: format!("bad zip archive: {e}"),
    };
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => return tx.blocking_send(Item::Failed(invalid(e))).is_ok(),
    };
    let mut names: Vec<String> = archive.file_names().map(String::from).collect();
    names.sort();
    for entry_name in names {
        if entry_name.ends_with('/') || !crate::is_importable_name(&entry_name) {
            continue;
        }
        let full = format!("{name}:{entry_name}");
        let read = archive.by_name(&entry_name).map_err(invalid).and_then(|mut entry| {
            let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
            entry.read_to_end(&mut bytes).map_err(|source| ImportError::Io { path: full.clone(), source })?;
            Ok(bytes)
        });
        let item = match read {
            Ok(bytes) => Item::Input { input: prepare(full, bytes, known), explicit: false },
            Err(e) => Item::Failed(e),
        };
        if tx.blocking_send(item).is_err() {
            return false;
        }
    }
    true
}

/// Checksums and parses a police.uk bulk CSV; other files pass as they are.
fn prepare(name: String, bytes: Vec<u8>, known: &HashMap<String, String>) -> Input {
    let kind = name
        .to_ascii_lowercase()
        .ends_with(".csv")
        .then(|| bulk_csv::header(&bytes))
        .flatten()
        .and_then(|h| CsvKind::from_header(&h));
    let Some(kind) = kind else { return Input { name, bytes, bulk: None } };
    let sha = crate::hex(&Sha256::digest(&bytes));
    let file_name = crate::file_name(&name);
    let named = BulkFileName::parse(file_name);
    let unchanged = named.is_some() && known.get(file_name) == Some(&sha);
    let mismatched = named.as_ref().is_some_and(|n| n.kind != kind);
    let parsed = (!unchanged && !mismatched).then(|| {
        let ctx = RowContext { month: named.as_ref().map(|n| n.month), force: named.as_ref().map(|n| n.force) };
        bulk_csv::parse(kind, &bytes, &name, &ctx)
    });
    Input { name, bytes, bulk: Some(Prepared { sha, parsed }) }
}
