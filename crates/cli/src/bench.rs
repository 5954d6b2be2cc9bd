//! `peel bench …`: benchmarks that print figures and ratios against a
//! baseline. They are not tests and are not run in CI.
//!
//! Rows are generated, not stored: street crimes drawn from the category and
//! outcome distributions of the real police.uk files in data/sample, spread
//! over 43 forces and their months, streamed one force-month at a time.

mod api;
mod load;
mod memory;
mod served;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Subcommand;
use peel_core::force::FORCES;
use peel_core::geo::LatLng;
use peel_core::records::{CsvKind, PublishedLocation, StreetCrime};
use peel_core::{CrimeCategory, Month, Outcome};
use peel_import::{ImportOptions, Importer, export};
use peel_store::Store;
use peel_store::testing::with_database;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Import throughput into SQLite and PostgreSQL, against PostgreSQL COPY of the same rows.
    ///
    /// Generates street rows from the real distributions (say --rows 6500000 for a national
    /// year), writes them as police.uk street files (one per force-month), imports the folder
    /// with `peel import` into a scratch SQLite file and a scratch PostgreSQL database, then
    /// COPYs the same rows into PostgreSQL and builds the same indexes as the baseline, and
    /// prints rows/s and ratios.
    #[command(after_help = "Example:\n  peel bench import --rows 6500000")]
    Import {
        /// Street rows to generate.
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// PostgreSQL server for the PostgreSQL runs (a scratch database is created and dropped there).
        #[arg(long, env = "PEEL_BENCH_POSTGRES", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        postgres: String,
        /// Skip the PostgreSQL runs.
        #[arg(long)]
        sqlite_only: bool,
    },
    /// Policing Pledge events: NDJSON ingest into SQLite and PostgreSQL, and one force-month's compliance.
    ///
    /// Generates N events for one force-month with `peel events generate`'s generator
    /// (100 neighbourhoods, repeated with fresh ids until N), writes them as NDJSON, imports
    /// the file through the same path as `peel events import` (parse, validate, check
    /// neighbourhoods, store in one transaction) into a scratch SQLite file and a scratch
    /// PostgreSQL database, then computes that force-month's compliance from each.
    #[command(after_help = "Example:\n  peel bench pledge --events 1000000")]
    Pledge {
        /// Events to generate, all in one force-month.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// PostgreSQL server for the PostgreSQL runs (a scratch database is created and dropped there).
        #[arg(long, env = "PEEL_BENCH_POSTGRES", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        postgres: String,
        /// Skip the PostgreSQL runs.
        #[arg(long)]
        sqlite_only: bool,
    },
    /// The police.uk-compatible API against PostGIS: the same crimes and polygons, the same queries.
    ///
    /// Loads the bundled sample (real), the Metropolitan neighbourhood boundaries and stop-and-search
    /// points from ../shared/data when present (real), and a generated national month of street
    /// crimes, into a scratch SQLite file and a scratch PostGIS database. Then runs the same query
    /// sets against both: `wrk` against a `peel serve` it starts on 127.0.0.1 and `pgbench` against
    /// PostGIS (both installed from Debian), 1 connection and --clients, printing req/s, p50, p99
    /// and the ratios; then the pages, the server's memory, and how soon a new month is served on
    /// SQLite and on PostgreSQL.
    #[command(after_help = "Example:\n  peel bench api --rows 500000 --seconds 5")]
    Api(api::ApiArgs),
    /// Memory the open-data engine holds for generated national years of street crime.
    ///
    /// Generates the years with `peel bench import`'s generator, builds the engine from them as
    /// `peel serve` does from the store, and prints the bytes held per crime and the process's
    /// resident memory. Run it once per size: a process's memory is not returned between runs.
    #[command(after_help = "Example:\n  peel bench memory --years 3")]
    Memory {
        /// National years to generate.
        #[arg(long, default_value_t = 1)]
        years: u64,
        /// Street crimes in each generated month.
        #[arg(long, default_value_t = memory::NATIONAL_MONTH)]
        per_month: u64,
    },
}

pub async fn run(cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Import { rows, postgres, sqlite_only } => import(rows, &postgres, sqlite_only).await,
        BenchCommand::Pledge { events, postgres, sqlite_only } => {
            crate::pledge_bench::run(events, &postgres, sqlite_only).await
        }
        BenchCommand::Api(args) => api::run(args).await,
        BenchCommand::Memory { years, per_month } => memory::run(years, per_month),
    }
}

/// Real counts of each category in the bundled street files (City of London and Bedfordshire).
const CATEGORY_WEIGHTS: [(CrimeCategory, u32); 14] = [
    (CrimeCategory::ViolentCrime, 55074),
    (CrimeCategory::AntiSocialBehaviour, 27273),
    (CrimeCategory::OtherTheft, 22586),
    (CrimeCategory::Shoplifting, 19849),
    (CrimeCategory::PublicOrder, 13286),
    (CrimeCategory::VehicleCrime, 11669),
    (CrimeCategory::CriminalDamageArson, 11364),
    (CrimeCategory::TheftFromThePerson, 9223),
    (CrimeCategory::Drugs, 8758),
    (CrimeCategory::Burglary, 7439),
    (CrimeCategory::OtherCrime, 4367),
    (CrimeCategory::BicycleTheft, 3710),
    (CrimeCategory::Robbery, 2568),
    (CrimeCategory::PossessionOfWeapons, 1903),
];

/// Real counts of the commonest last outcomes of crimes (not ASB) in the same files.
const OUTCOME_WEIGHTS: [(Outcome, u32); 8] = [
    (Outcome::NoFurtherAction, 73836),
    (Outcome::UnableToProsecute, 52358),
    (Outcome::StatusUpdateUnavailable, 12460),
    (Outcome::CourtResultUnavailable, 9096),
    (Outcome::UnderInvestigation, 7953),
    (Outcome::AwaitingCourtResult, 4433),
    (Outcome::LocalResolution, 3299),
    (Outcome::Cautioned, 1694),
];

/// A small deterministic generator (xorshift64*), so runs are repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u64 = table.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut pick = self.below(total);
        for (item, w) in table {
            if pick < u64::from(*w) {
                return *item;
            }
            pick -= u64::from(*w);
        }
        table[0].0
    }
}

/// One generated force-month: rows, and the location index of each row.
struct Chunk {
    force_id: &'static str,
    month: Month,
    rows: Vec<StreetCrime>,
    location_ids: Vec<i64>,
}

/// Splits `total` rows over 43 forces × 12 months per year, each force with
/// about 40 map points per 100 monthly crimes (the real ratio in the sample).
fn chunks(total: u64) -> impl Iterator<Item = Chunk> {
    let forces: Vec<&'static str> =
        FORCES.iter().map(|f| f.id).filter(|id| *id != "btp" && *id != "northern-ireland").collect();
    let months_needed = (total / 500_000).max(1) as i32; // ~500k rows a national month
    let per_chunk = (total / (forces.len() as u64 * months_needed as u64)).max(1);
    let first: Month = Month::new(2023, 1).unwrap_or_else(|| unreachable!());
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut left = total;
    (0..months_needed).flat_map(move |m| forces.clone().into_iter().map(move |f| (m, f))).map(move |(m, force_id)| {
        let n = per_chunk.min(left);
        left -= n;
        let month = first.plus(m);
        let fi = FORCES.iter().position(|f| f.id == force_id).unwrap_or(0) as f64;
        let centre = LatLng { lat: 50.5 + (fi % 7.0) * 0.5, lng: -4.0 + (fi / 7.0).floor() * 0.8 };
        let points = (n * 4 / 10).max(1);
        let mut rows = Vec::with_capacity(n as usize);
        let mut location_ids = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let p = rng.below(points);
            let at = LatLng {
                lat: ((centre.lat + (p % 1000) as f64 * 0.0003) * 1e6).round() / 1e6,
                lng: ((centre.lng + (p / 1000) as f64 * 0.0003) * 1e6).round() / 1e6,
            };
            rows.push(street_row(&mut rng, force_id, month, at, p, "Generated Constabulary"));
            location_ids.push(i64::try_from(p).unwrap_or(0) + (fi as i64) * 10_000_000);
        }
        Chunk { force_id, month, rows, location_ids }
    })
}

/// One generated street crime at `at` (map point number `p` of its force),
/// with category and outcome drawn from the real distributions.
fn street_row(
    rng: &mut Rng,
    force_id: &'static str,
    month: Month,
    at: LatLng,
    p: u64,
    force_name: &str,
) -> StreetCrime {
    let category = rng.weighted(&CATEGORY_WEIGHTS);
    let asb = category == CrimeCategory::AntiSocialBehaviour;
    let pid = (!asb).then(|| format!("{:016x}{:016x}{:016x}{:016x}", rng.next(), rng.next(), rng.next(), rng.next()));
    StreetCrime {
        persistent_id: pid,
        month,
        force_id,
        reported_by: force_name.into(),
        falls_within: force_name.into(),
        location: Some(PublishedLocation { at, street_name: format!("On or near Generated Street {p}") }),
        lsoa_code: Some(format!("E0{:07}", p % 35_000)),
        lsoa_name: Some(format!("Generated {:03}A", p % 1000)),
        category,
        last_outcome: (!asb).then(|| rng.weighted(&OUTCOME_WEIGHTS)),
        context: String::new(),
    }
}

/// Writes the generated rows as police.uk street files, one per force-month
/// (`YYYY-MM/YYYY-MM-<force>-street.csv`), as `peel import` meets them.
fn write_files(dir: &Path, total: u64) -> Result<(usize, u64, u64)> {
    let (mut files, mut bytes, mut rows) = (0, 0, 0);
    let mut out = Vec::new();
    for chunk in chunks(total) {
        out.clear();
        peel_import::export::street_csv(&chunk.rows, &mut out)?;
        let folder = dir.join(chunk.month.to_string());
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(export::file_name(chunk.month, chunk.force_id, CsvKind::Street));
        std::fs::write(&path, &out)?;
        // On disk before the clock starts, as a user's files are: otherwise
        // the kernel writes them back while the import runs and the import
        // waits for the disk they share.
        std::fs::File::open(&path)?.sync_all()?;
        files += 1;
        bytes += out.len() as u64;
        rows += chunk.rows.len() as u64;
    }
    Ok((files, bytes, rows))
}

/// `peel import` of the folder, as a user runs it; the time includes
/// reading, checking and parsing the files and building the indexes.
async fn import_into(store: &Store, dir: &Path, total: u64) -> Result<Duration> {
    let start = Instant::now();
    let summary = Importer::new(store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[dir.to_path_buf()])
        .await?;
    let elapsed = start.elapsed();
    if let Some(e) = summary.failed.first() {
        anyhow::bail!("the generated files did not import: {e}");
    }
    anyhow::ensure!(summary.total_rows() == total, "imported {} rows of {total}", summary.total_rows());
    Ok(elapsed)
}

/// The baseline: the same rows (with map point ids already known) `COPY`d
/// into a table shaped like `crimes`, then the same indexes built, as a
/// competent user loads an empty table. Generating the rows is not timed.
async fn copy_baseline(store: &Store, total: u64) -> Result<(Duration, Duration)> {
    store.bench_copy_prepare().await?;
    let mut copy = Duration::ZERO;
    for chunk in chunks(total) {
        let start = Instant::now();
        store.bench_copy(&chunk.rows, &chunk.location_ids).await?;
        copy += start.elapsed();
    }
    let start = Instant::now();
    store.bench_copy_index().await?;
    Ok((copy, start.elapsed()))
}

/// CPU time this process has used (all its threads, user and system), from
/// Linux's `/proc/self/stat`; `None` elsewhere. On a shared machine the
/// wall-clock figures depend on what else runs, this does much less.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports in USER_HZ, which is 100 on every architecture it supports.
    Some(Duration::from_millis(ticks * 10))
}

fn rate(rows: u64, d: Duration) -> f64 {
    rows as f64 / d.as_secs_f64().max(1e-9)
}

async fn import(rows: u64, postgres: &str, sqlite_only: bool) -> Result<()> {
    println!(
        "peel bench import: {rows} generated street rows (real category/outcome distributions), \
         one police.uk file and one transaction per force-month"
    );
    let dir = std::env::temp_dir().join(format!("peel-bench-{}", std::process::id()));
    let result = import_in(&dir, rows, postgres, sqlite_only).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn import_in(dir: &Path, requested: u64, postgres: &str, sqlite_only: bool) -> Result<()> {
    let files_dir = dir.join("files");
    let start = Instant::now();
    let (files, bytes, rows) = write_files(&files_dir, requested)?;
    println!(
        "  wrote {rows} rows in {files} files, {:.0} MB, in {:.1} s (not timed below)",
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );

    let sqlite_url = format!("sqlite:{}", dir.join("bench.db").display());
    let lite = Store::open(&sqlite_url).await?;
    let cpu_before = cpu_time();
    let t_lite = import_into(&lite, &files_dir, rows).await?;
    let cpu = cpu_time().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
    lite.close().await;
    println!("  peel import → SQLite:     {:>10.0} rows/s ({:.1} s)", rate(rows, t_lite), t_lite.as_secs_f64());
    if let Some(cpu) = cpu {
        println!(
            "    CPU time of the import (both threads): {:.1} s, {:.0} rows per CPU-second",
            cpu.as_secs_f64(),
            rate(rows, cpu)
        );
    }
    let national_year = 6_500_000.0 / rate(rows, t_lite);
    println!(
        "    → a national year (~6.5 million rows) would take {national_year:.0} s into SQLite (goal: under 20 s)"
    );
    if sqlite_only {
        return Ok(());
    }

    let admin = Store::connect(postgres).await.context("connecting to PostgreSQL for the benchmark (--postgres)")?;
    let name = format!("peel_bench_{}", std::process::id());
    admin.create_database(&name).await?;
    let result = async {
        let pg = Store::open(&with_database(postgres, &name)).await?;
        let t_pg = import_into(&pg, &files_dir, rows).await?;
        println!("  peel import → PostgreSQL: {:>10.0} rows/s ({:.1} s)", rate(rows, t_pg), t_pg.as_secs_f64());
        let t_copy = copy_baseline(&pg, requested).await?;
        pg.close().await;
        Ok::<_, anyhow::Error>((t_pg, t_copy))
    }
    .await;
    admin.drop_database(&name).await?;
    let (t_pg, (t_copy_only, t_index)) = result?;
    let t_copy = t_copy_only + t_index;
    println!(
        "  baseline COPY → PostgreSQL (same rows, map point ids known, nothing parsed): {:>10.0} rows/s ({:.1} s)",
        rate(rows, t_copy_only),
        t_copy_only.as_secs_f64()
    );
    println!(
        "    then its key and the 3 indexes a user querying it in SQL needs ({:.1} s): {:>10.0} rows/s in all ({:.1} s)",
        t_index.as_secs_f64(),
        rate(rows, t_copy),
        t_copy.as_secs_f64()
    );
    println!(
        "  ratios against COPY with its indexes: SQLite import {:.2}, PostgreSQL import {:.2}",
        rate(rows, t_lite) / rate(rows, t_copy),
        rate(rows, t_pg) / rate(rows, t_copy)
    );
    println!(
        "  ratios against COPY alone:            SQLite import {:.2}, PostgreSQL import {:.2}",
        rate(rows, t_lite) / rate(rows, t_copy_only),
        rate(rows, t_pg) / rate(rows, t_copy_only)
    );
    Ok(())
}
