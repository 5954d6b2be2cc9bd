//! `peel bench memory`: how much memory the open-data engine holds for
//! national years of street crime.
//!
//! The rows come from `peel bench import`'s generator (real category and
//! outcome distributions, 43 forces, about 40 map points per 100 monthly
//! crimes) and are fed to the engine's [`Builder`] as `peel serve` feeds it
//! from the store, without the database in between: loading years of rows
//! into a database first would take far longer than the measurement, and
//! the engine built is the same. The generator is run twice (once for the
//! map points, which the builder takes first, once for the crimes), so no
//! generated row is held beside the engine.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use peel_core::geo::LatLng;
use peel_core::geography::Geography;
use peel_core::records::StoredCrime;
use peel_spatial::Builder;

use super::chunks;
use super::served::rss_of;

/// A national month of street crime, as police.uk publishes it (about 500,000 rows).
pub const NATIONAL_MONTH: u64 = 500_000;

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

pub fn run(years: u64, per_month: u64) -> Result<()> {
    let total = years * 12 * per_month;
    println!("peel bench memory: {years} generated national year(s), {total} street crimes ({per_month} a month)");
    let (rss0, _) = rss_of("/proc/self/status").unwrap_or_default();
    let t = Instant::now();
    let mut points: BTreeMap<i64, LatLng> = BTreeMap::new();
    for chunk in chunks(total) {
        for (row, id) in chunk.rows.iter().zip(&chunk.location_ids) {
            if let Some(l) = &row.location {
                points.entry(*id).or_insert(l.at);
            }
        }
    }
    let mut builder = Builder::new();
    for (id, at) in &points {
        builder.location(*id, *at, &format!("On or near Generated Street {id}"))?;
    }
    let point_count = points.len();
    drop(points);
    let mut id = 0i64;
    let mut months = std::collections::BTreeSet::new();
    for chunk in chunks(total) {
        builder.import("street", chunk.force_id, chunk.month);
        months.insert(chunk.month);
        for (row, location) in chunk.rows.iter().zip(&chunk.location_ids) {
            id += 1;
            builder.crime(StoredCrime {
                id,
                force_id: chunk.force_id,
                month: row.month,
                persistent_id: row.persistent_id.as_deref(),
                category: row.category,
                location_id: Some(*location),
                lsoa_name: row.lsoa_name.as_deref(),
                last_outcome: row.last_outcome,
                context: &row.context,
                location_type: "Force",
                location_subtype: "",
            })?;
        }
    }
    let data = builder.finish(1, Geography::default(), Vec::new())?;
    let built = t.elapsed();
    let (rss, peak) = rss_of("/proc/self/status").unwrap_or_default();
    let parts = data.memory();
    let held: usize = parts.iter().map(|(_, b)| b).sum();
    let (crimes, _, _) = data.record_counts();
    println!(
        "  built in {:.1} s: {crimes} crimes over {} months at {point_count} map points",
        built.as_secs_f64(),
        months.len()
    );
    for (part, bytes) in &parts {
        println!(
            "    {part:<20} {:>8.1} MiB  {:>6.1} bytes per crime",
            *bytes as f64 / 1048576.0,
            *bytes as f64 / crimes as f64
        );
    }
    println!("  engine state: {:.2} GiB, {:.1} bytes per crime", gib(held as u64), held as f64 / crimes.max(1) as f64);
    println!(
        "  process RSS: {:.2} GiB after the build ({:.2} GiB before it), peak {:.2} GiB while building",
        gib(rss),
        gib(rss0),
        gib(peak)
    );
    println!(
        "  goal: RSS < 3 GB with three national years: {} ({years} year(s) here)",
        if rss < 3_000_000_000 { "met at this size" } else { "not met at this size" }
    );
    std::hint::black_box(&data);
    Ok(())
}
