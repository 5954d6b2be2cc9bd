//! Postcode tables: a CSV with `postcode`, `latitude` and `longitude` columns
//! (and optionally the local authority and ward codes).

use peel_core::geo::LatLng;
use peel_core::geography::{Postcode, PostcodePoint};

use crate::error::RowProblem;

/// Column positions of a postcode CSV, found from its header.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    postcode: usize,
    lat: usize,
    lng: usize,
    district: Option<usize>,
    ward: Option<usize>,
}

impl Columns {
    pub fn from_header(header: &[String]) -> Option<Columns> {
        let find = |names: &[&str]| header.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
        Some(Columns {
            postcode: find(&["postcode", "pcds", "pcd"])?,
            lat: find(&["latitude", "lat"])?,
            lng: find(&["longitude", "long", "lng"])?,
            district: find(&["admin_district_code", "admin_district", "oslaua", "lad_code"]),
            ward: find(&["admin_ward_code", "admin_ward", "osward", "ward_code"]),
        })
    }
}

pub fn parse(bytes: &[u8], file: &str, cols: Columns) -> (Vec<PostcodePoint>, Vec<RowProblem>) {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let mut points = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut lines = crate::bulk_csv::LineCounter::new(bytes);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                let problem = |field: &str, message: String| RowProblem {
                    file: file.to_string(),
                    line,
                    field: field.to_string(),
                    message,
                };
                let get = |i: usize| record.get(i).unwrap_or("");
                let opt = |i: Option<usize>| i.map(get).map(str::trim).filter(|s| !s.is_empty()).map(String::from);
                let postcode = match Postcode::parse(get(cols.postcode)) {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(problem("postcode", e.to_string()));
                        continue;
                    }
                };
                match LatLng::parse(get(cols.lat), get(cols.lng)) {
                    Ok(at) => points.push(PostcodePoint {
                        postcode,
                        at,
                        admin_district: opt(cols.district),
                        ward: opt(cols.ward),
                    }),
                    Err(e) => problems.push(problem("latitude/longitude", e.to_string())),
                }
            }
            Err(e) => {
                let line = lines.line_at(e.position().map_or(0, |p| p.byte()));
                problems.push(RowProblem { file: file.to_string(), line, field: "row".into(), message: e.to_string() });
                break;
            }
        }
    }
    (points, problems)
}
