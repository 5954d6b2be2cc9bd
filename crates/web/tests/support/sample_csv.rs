//! The sample's police.uk CSVs read directly, independently of the importer,
//! so the API's answers can be recounted from the source files.

#![allow(dead_code)]

use std::path::Path;

use peel_core::LatLng;

use super::sample_dir;

/// One row of a street, outcomes or stop-and-search file, with the force
/// and month taken from the file name (as police.uk files them).
#[derive(Debug, Clone)]
pub struct Row {
    pub force: String,
    pub month: String,
    pub at: Option<LatLng>,
    /// Street: crime id; outcomes: crime id; stops: empty.
    pub persistent_id: String,
    /// Street: crime type; outcomes: outcome type; stops: type.
    pub kind: String,
    /// Street: last outcome category.
    pub last_outcome: String,
    /// Street: the LSOA name ("Luton 012B"); otherwise empty.
    pub lsoa_name: String,
}

fn point(lat: &str, lng: &str) -> Option<LatLng> {
    match (lat.trim().parse::<f64>(), lng.trim().parse::<f64>()) {
        (Ok(lat), Ok(lng)) => Some(LatLng { lat, lng }),
        _ => None,
    }
}

/// Every row of every file whose name ends with `-{suffix}.csv`.
pub fn rows(suffix: &str) -> Vec<Row> {
    let mut out = Vec::new();
    let root = sample_dir().join("police-uk");
    let mut months: Vec<_> = std::fs::read_dir(&root).expect("sample folder").flatten().map(|e| e.path()).collect();
    months.sort();
    for dir in months {
        let mut files: Vec<_> = std::fs::read_dir(&dir).expect("month folder").flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let Some(stem) = name.strip_suffix(&format!("-{suffix}.csv")) else {
                continue;
            };
            let month = stem[..7].to_string();
            let force = stem[8..].to_string();
            read(&file, &force, &month, suffix, &mut out);
        }
    }
    out
}

fn read(file: &Path, force: &str, month: &str, suffix: &str, out: &mut Vec<Row>) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(file).expect("open CSV");
    for record in reader.records() {
        let r = record.expect("CSV row");
        let f = |i: usize| r.get(i).unwrap_or("").to_string();
        let row = match suffix {
            "street" => Row {
                force: force.into(),
                month: month.into(),
                at: point(&f(5), &f(4)),
                persistent_id: f(0),
                kind: f(9),
                last_outcome: f(10),
                lsoa_name: f(8),
            },
            "outcomes" => Row {
                force: force.into(),
                month: month.into(),
                at: point(&f(5), &f(4)),
                persistent_id: f(0),
                kind: f(9),
                last_outcome: String::new(),
                lsoa_name: String::new(),
            },
            _ => Row {
                force: force.into(),
                month: month.into(),
                at: point(&f(4), &f(5)),
                persistent_id: String::new(),
                kind: f(0),
                last_outcome: String::new(),
                lsoa_name: String::new(),
            },
        };
        out.push(row);
    }
}
