//! `peel bench pledge`: Policing Pledge ingest and compliance at scale.
//!
//! One force-month of generated events (the demo generator, over 100
//! neighbourhoods, repeated with fresh ids until there are enough), written
//! as NDJSON and imported by the `peel events import` path, then one
//! force-month's compliance computed from the store.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use peel_core::Month;
use peel_core::geography::{Force, Neighbourhood};
use peel_core::pledge::{AreaKind, EventBody, generate};
use peel_store::testing::with_database;
use peel_store::{NeighbourhoodDetails, Store};

use crate::events::{Imported, import_files_timed};

const FORCE: &str = "kent";
const HOODS: usize = 100;

fn month() -> Month {
    Month::new(2024, 10).unwrap_or_else(|| unreachable!())
}

fn now() -> DateTime<Utc> {
    // Well after the month, so nothing is pending and the figures are final.
    DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

fn hoods() -> Vec<(String, AreaKind)> {
    (0..HOODS).map(|i| (format!("bench-{i:03}"), if i % 5 == 0 { AreaKind::Rural } else { AreaKind::Urban })).collect()
}

/// `total` events as NDJSON, one force-month.
fn ndjson(total: usize) -> Result<String> {
    let hoods = hoods();
    let mut text = String::with_capacity(total * 220);
    let mut n = 0;
    let mut round = 0u64;
    while n < total {
        let plan =
            generate::Plan { force: FORCE, month: month(), neighbourhoods: &hoods, seed: 2008 + round, now: now() };
        for mut e in generate::month(&plan) {
            if n == total {
                break;
            }
            // Fresh ids (and crime references) for every round.
            e.id = format!("{}-r{round}", e.id);
            match &mut e.body {
                EventBody::VictimPlan(p) => p.crime_ref = format!("{}-r{round}", p.crime_ref),
                EventBody::VictimUpdate(u) => u.crime_ref = format!("{}-r{round}", u.crime_ref),
                _ => {}
            }
            text.push_str(&serde_json::to_string(&e)?);
            text.push('\n');
            n += 1;
        }
        round += 1;
    }
    Ok(text)
}

async fn prepare(store: &Store) -> Result<()> {
    let force = Force { id: FORCE.into(), name: "Kent Police".into(), ..Default::default() };
    store.geography().put_force(&force, &[]).await?;
    for (id, area) in hoods() {
        let neighbourhood = Neighbourhood {
            force_id: FORCE.into(),
            id: id.clone(),
            name: format!("Benchmark {id}"),
            ..Default::default()
        };
        store
            .geography()
            .put_neighbourhood(&NeighbourhoodDetails {
                neighbourhood,
                team: vec![],
                priorities: vec![],
                events: vec![],
                sample: false,
            })
            .await?;
        store.pledge().set_neighbourhood_area(FORCE, &id, area, &crate::cli_by("benchmark")).await?;
    }
    Ok(())
}

/// CPU time this process has used (all threads, user and system), where
/// the system reports it: on a machine shared with other work, wall-clock
/// phases stretch with the load and CPU time does not.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel reports in USER_HZ, 100 on every Linux peel runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn cpu_since(start: Option<Duration>) -> String {
    match (start, cpu_time()) {
        (Some(a), Some(b)) => format!("{:.1} s CPU", b.saturating_sub(a).as_secs_f64()),
        _ => "CPU time not available".into(),
    }
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Imports the file and computes the force-month; prints and returns the times.
async fn measure(label: &str, store: &Store, file: &Path, total: usize) -> Result<()> {
    prepare(store).await?;
    let cpu = cpu_time();
    let start = Instant::now();
    let (imported, phases) = import_files_timed(store, &[file.to_path_buf()]).await?;
    match imported {
        Imported::Stored(n) if n == total => {}
        Imported::Stored(n) => bail!("stored {n} events, expected {total}"),
        Imported::Refused(errors) => bail!("the generated events were refused: {:?}", errors.first().first()),
    }
    let t_ingest = start.elapsed();
    println!(
        "  NDJSON ingest → {label}: {:>10.0} events/s ({:.1} s, {}; goal ≥ 200,000 events/s): \
         reading the file {:.2} s, parsing and checking {:.2} s, neighbourhoods {:.2} s, storing {:.2} s",
        rate(total, t_ingest),
        t_ingest.as_secs_f64(),
        cpu_since(cpu),
        phases.read.as_secs_f64(),
        phases.parse.as_secs_f64(),
        phases.references.as_secs_f64(),
        phases.store.as_secs_f64(),
    );
    let start = Instant::now();
    let events = store.pledge().pledge_facts(FORCE, month(), month()).await?;
    let t_load = start.elapsed();
    let cpu = cpu_time();
    let start = Instant::now();
    let report = store.pledge().pledge_compliance(FORCE, month(), None, now()).await?;
    let t_all = start.elapsed();
    let eligible: u64 = report.commitments.iter().map(|f| f.eligible).sum();
    println!(
        "  one force-month of {} events → compliance ({label}): {:.2} s ({}; goal < 1 s), of which reading and decoding the events {:.2} s; {eligible} items counted",
        events.len(),
        t_all.as_secs_f64(),
        cpu_since(cpu),
        t_load.as_secs_f64()
    );
    Ok(())
}

pub async fn run(total: usize, postgres: &str, sqlite_only: bool) -> Result<()> {
    println!("peel bench pledge: {total} generated events in one force-month ({FORCE}, {HOODS} neighbourhoods)");
    let start = Instant::now();
    let text = ndjson(total)?;
    println!(
        "  generating the NDJSON ({:.0} MB): {:.1} s (not included below)",
        text.len() as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let dir = std::env::temp_dir().join(format!("peel-bench-pledge-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("events.ndjson");
    std::fs::write(&file, &text).with_context(|| format!("writing {}", file.display()))?;
    drop(text);

    let result = async {
        let lite = Store::open(&format!("sqlite:{}", dir.join("bench.db").display())).await?;
        measure("SQLite", &lite, &file, total).await?;
        lite.close().await;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    if !sqlite_only {
        let admin =
            Store::connect(postgres).await.context("connecting to PostgreSQL for the benchmark (--postgres)")?;
        let name = format!("peel_bench_pledge_{}", std::process::id());
        admin.create_database(&name).await?;
        let result = async {
            let pg = Store::open(&with_database(postgres, &name)).await?;
            measure("PostgreSQL", &pg, &file, total).await?;
            pg.close().await;
            Ok::<_, anyhow::Error>(())
        }
        .await;
        admin.drop_database(&name).await?;
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
