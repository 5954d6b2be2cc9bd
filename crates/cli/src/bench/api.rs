//! `peel bench api`: the police.uk-compatible API against PostGIS.
//!
//! Both sides hold the same crimes, map points and neighbourhood polygons and
//! answer the same queries with the same JSON. peel answers from its
//! in-memory open-data engine; PostGIS answers from a GiST-indexed table
//! with the JSON built in SQL (`json_agg`), as a competent PostGIS user
//! would write it. The PostGIS table is denormalised (point, street and
//! outcome status on each crime row), which favours PostGIS: it never joins.
//! End to end, `wrk` loads a running `peel serve` and `pgbench` loads
//! PostGIS with the same queries; the pages, the resident memory and how
//! soon an import is served are measured on the same `peel serve`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Args;
use peel_core::geo::{Area, LatLng, ONE_MILE_M};
use peel_core::{CategoryFilter, CrimeCategory, Month, Outcome};
use peel_import::{ImportOptions, Importer};
use peel_store::testing::with_database;
use peel_store::{LocationCache, OpenDataBatch, Store};
use peel_web::AppState;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{PgPool, SqlitePool};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tower::ServiceExt;

use super::load::{self, Load};
use super::served::{self, Served};
use super::{Rng, chunks, street_row};

#[derive(Args)]
pub struct ApiArgs {
    /// Street rows in the generated national month (a real one is about 500,000).
    #[arg(long, default_value_t = 500_000)]
    rows: u64,
    /// Seconds per measurement (each query set is measured six ways).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Connections for the saturation runs (wrk's HTTP connections, pgbench's clients).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Port on 127.0.0.1 for the `peel serve` under test (the next port serves the PostgreSQL freshness run).
    #[arg(long, default_value_t = 18150)]
    port: u16,
    /// New months imported to time how soon a running server serves them, on each engine.
    #[arg(long, default_value_t = 5)]
    fresh_rounds: usize,
    /// PostgreSQL server with PostGIS (a scratch database is created and dropped there).
    #[arg(long, env = "PEEL_BENCH_POSTGRES", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// Skip PostGIS (print peel's figures only).
    #[arg(long)]
    no_postgis: bool,
    /// The shared data folder (police-uk-bulk/, boundaries/); default ../shared/data beside the checkout.
    #[arg(long)]
    shared: Option<PathBuf>,
}

/// The generated month (the first month `chunks` generates).
fn generated_month() -> Month {
    Month::new(2023, 1).unwrap_or_else(|| unreachable!())
}

/// The Metropolitan Police's share of a national month of street crime
/// (about 90,000 of 500,000), placed at real London points.
const DENSE_SHARE: f64 = 0.18;

/// Radius queries whose area holds more than this are refused by peel
/// (police.uk's limit), so such points are left out of the query set.
const MAX_RESULTS: usize = peel_web::api::MAX_AREA_RESULTS;

/// Queries per set; each client walks the list from its own offset.
const QUERIES_PER_SET: usize = 50;

pub async fn run(args: ApiArgs) -> Result<()> {
    let shared = shared_dir(args.shared.clone());
    let sample = crate::sample_dir(None)?;
    let dir = std::env::temp_dir().join(format!("peel-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(&args, &sample, shared.as_deref(), &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn shared_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    let candidates = match given {
        Some(d) => vec![d],
        None => {
            vec![PathBuf::from("../shared/data"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")]
        }
    };
    candidates.into_iter().find(|d| d.join("boundaries").is_dir() || d.join("police-uk-bulk").is_dir())
}

async fn run_in(args: &ApiArgs, sample: &Path, shared: Option<&Path>, dir: &Path) -> Result<()> {
    println!("peel bench api: peel (in-memory open-data engine) against PostGIS (GiST, json_agg)");
    let db_path = dir.join("bench.db");
    let url = format!("sqlite:{}", db_path.display());
    let store = Store::open(&url).await?;
    let t = Instant::now();
    let data = load_peel(&store, sample, shared, args.rows).await?;
    println!("  data: {}", data.describe);
    println!("  loaded into SQLite in {:.1} s", t.elapsed().as_secs_f64());
    let state = AppState::load(store.clone()).await?;
    let index = state.index.current();
    println!("  index: {} map points, {} neighbourhood polygons", index.point_count(), index.neighbourhood_count());
    let lite = SqlitePoolOptions::new().max_connections(1).connect(&url).await?;
    let sets = query_sets(&state, &lite, &data).await?;
    for set in &sets {
        println!("  query set {:<13} {} queries, {}", set.name, set.queries.len(), set.about);
    }

    let pg = if args.no_postgis {
        println!("  PostGIS: skipped (--no-postgis)");
        None
    } else {
        match PostGis::create(&args.postgres, args.clients).await {
            Ok(mut pg) => {
                let t = Instant::now();
                match pg.load(&lite, &data.areas).await {
                    Ok(()) => {
                        println!("  loaded into PostGIS in {:.1} s ({})", t.elapsed().as_secs_f64(), pg.indexes);
                        Some(pg)
                    }
                    Err(e) => {
                        println!("  PostGIS: could not load the data ({e:#}); skipping the PostGIS half");
                        pg.drop().await;
                        None
                    }
                }
            }
            Err(e) => {
                println!(
                    "  PostGIS: not available ({e:#}); skipping the PostGIS half. It needs a reachable \
                     PostgreSQL (--postgres) with PostGIS installed (Debian: postgresql-15-postgis-3)"
                );
                None
            }
        }
    };

    let result = measure_served(args, &state, pg.as_ref(), &sets, &store, &url, dir).await;
    if let Some(pg) = pg {
        pg.drop().await;
    }
    lite.close().await;
    store.close().await;
    result?;
    if !args.no_postgis {
        fresh_on_postgres(args, sample, shared).await?;
    }
    Ok(())
}

/// Everything measured against the running `peel serve` on the SQLite file.
async fn measure_served(
    args: &ApiArgs,
    state: &AppState,
    pg: Option<&PostGis>,
    sets: &[QuerySet],
    store: &Store,
    url: &str,
    dir: &Path,
) -> Result<()> {
    let t = Instant::now();
    let served = Served::start(url, args.port).await?;
    println!("\n  peel serve (SQLite) answering on 127.0.0.1:{} after {:.1} s", args.port, t.elapsed().as_secs_f64());
    if let Some((rss, peak)) = served.rss() {
        println!(
            "  peel serve resident memory: {:.0} MiB (peak {:.0} MiB) holding {} crimes",
            rss as f64 / 1048576.0,
            peak as f64 / 1048576.0,
            state.index.current().record_counts().0
        );
    }
    measure_all(args, state, pg, sets, &served, dir).await?;
    measure_pages(&served, sets, state).await?;
    let took = served::freshness(store, &served, fresh_month(), args.fresh_rounds).await?;
    print_freshness("SQLite, the server reading the data version four times a second", &took);
    Ok(())
}

/// The first month the freshness runs import (after everything loaded).
fn fresh_month() -> Month {
    Month::new(2030, 1).unwrap_or_else(|| unreachable!())
}

/// The freshness figure on PostgreSQL: the same data loaded into a scratch
/// peel database there, a `peel serve` on it, and new months imported.
async fn fresh_on_postgres(args: &ApiArgs, sample: &Path, shared: Option<&Path>) -> Result<()> {
    let admin = match PgPoolOptions::new().max_connections(1).connect(&args.postgres).await {
        Ok(a) => a,
        Err(e) => {
            println!("  freshness on PostgreSQL: skipped ({e})");
            return Ok(());
        }
    };
    let name = format!("bench_peel_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
    let url = with_database(&args.postgres, &name);
    let result = async {
        let store = Store::open(&url).await?;
        let t = Instant::now();
        load_peel(&store, sample, shared, args.rows).await?;
        println!("\n  the same data loaded into a peel PostgreSQL database in {:.1} s", t.elapsed().as_secs_f64());
        let served = Served::start(&url, args.port + 1).await?;
        let took = served::freshness(&store, &served, fresh_month(), args.fresh_rounds).await;
        drop(served);
        store.close().await;
        print_freshness("PostgreSQL, the server woken by NOTIFY", &took?);
        Ok::<_, anyhow::Error>(())
    }
    .await;
    let _ =
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&admin).await;
    admin.close().await;
    result
}

/// What was loaded, for the report and the query sets.
struct Data {
    describe: String,
    /// The real month with the most crimes in the sample.
    real_month: Month,
    /// Boundaries the locate-neighbourhood set draws its points over.
    areas: Vec<(String, String, Area)>,
}

async fn load_peel(store: &Store, sample: &Path, shared: Option<&Path>, rows: u64) -> Result<Data> {
    let quiet = ImportOptions { skip_invalid: false, quiet: true };
    let summary = Importer::new(store, quiet).import_paths(&[sample.to_path_buf()]).await?;
    if !summary.failed.is_empty() {
        bail!("the sample did not import cleanly");
    }
    let mut describe =
        format!("real: the bundled sample ({} rows, City of London + Bedfordshire)", summary.total_rows());
    let met_kml = shared.map(|s| s.join("boundaries/neighbourhood-kml-2025-02/metropolitan")).filter(|d| d.is_dir());
    if let Some(kml) = &met_kml {
        let s = Importer::new(store, quiet).import_paths(std::slice::from_ref(kml)).await?;
        describe.push_str(&format!(
            "; real: {} Metropolitan neighbourhood boundaries (shared data)",
            s.neighbourhood_boundaries
        ));
    } else {
        describe
            .push_str("; no shared data: the sample's City of London boundaries stand in for the Metropolitan ones");
    }
    let met_points = match shared {
        Some(s) => met_stop_points(s)?,
        None => Vec::new(),
    };
    let (anchors, anchor_source) = if met_points.is_empty() {
        let sample = peel_web::build_index(store).await?;
        let pts: Vec<LatLng> = (0..sample.point_count() as u32).filter_map(|p| sample.point(p)).map(|p| p.1).collect();
        (pts, "the sample's real map points")
    } else {
        (met_points, "real Metropolitan stop-and-search points, shared data")
    };
    if anchors.is_empty() {
        bail!("no real points to place the generated crimes at");
    }

    // The generated month: a dense force at real points, the rest spread
    // over the other forces as `peel bench import` generates them.
    let month = generated_month();
    let dense_n = (rows as f64 * DENSE_SHARE) as u64;
    let mut rng = Rng(0x5EED_0000_4C44_0001);
    let dense: Vec<_> = (0..dense_n)
        .map(|_| {
            let k = rng.below(anchors.len() as u64);
            street_row(&mut rng, "metropolitan", month, anchors[k as usize], k, "Metropolitan Police Service")
        })
        .collect();
    let mut cache = LocationCache::default();
    store
        .open_data()
        .replace_force_month(
            "metropolitan",
            None,
            month,
            "bench-api-dense",
            "generated",
            OpenDataBatch::Street(&dense),
            &mut cache,
        )
        .await?;
    let mut generated = dense_n;
    for (i, chunk) in chunks(rows.saturating_sub(dense_n)).enumerate() {
        if chunk.force_id == "metropolitan" {
            continue;
        }
        generated += chunk.rows.len() as u64;
        store
            .open_data()
            .replace_force_month(
                chunk.force_id,
                None,
                chunk.month,
                &format!("bench-api-{i}"),
                "generated",
                OpenDataBatch::Street(&chunk.rows),
                &mut cache,
            )
            .await?;
    }
    describe.push_str(&format!(
        "; generated: {generated} street crimes for {month} (real category/outcome distributions), \
         {dense_n} of them Metropolitan at {} points ({anchor_source}), the rest on a grid per force",
        anchors.len()
    ));

    let all = store.geography().neighbourhood_boundaries().await?;
    let met: Vec<_> = all.iter().filter(|(f, _, _)| f == "metropolitan").cloned().collect();
    let areas = if met.is_empty() { all } else { met };
    let real_month = summary.months.iter().max().copied().context("the sample holds no street crimes")?;
    Ok(Data { describe, real_month, areas })
}

/// Every located stop and search in the Metropolitan files of the shared data (with repeats,
/// so busy places weigh more).
fn met_stop_points(shared: &Path) -> Result<Vec<LatLng>> {
    let bulk = shared.join("police-uk-bulk");
    let mut files = Vec::new();
    if let Ok(months) = std::fs::read_dir(&bulk) {
        for m in months.flatten() {
            for f in std::fs::read_dir(m.path())?.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.ends_with("-metropolitan-stop-and-search.csv") {
                    files.push(f.path());
                }
            }
        }
    }
    files.sort();
    let mut points = Vec::new();
    for f in files {
        let mut reader = csv::Reader::from_path(&f)?;
        let headers = reader.headers()?.clone();
        let (Some(la), Some(lo)) =
            (headers.iter().position(|h| h == "Latitude"), headers.iter().position(|h| h == "Longitude"))
        else {
            continue;
        };
        for record in reader.records().flatten() {
            if let (Some(Ok(lat)), Some(Ok(lng))) =
                (record.get(la).map(str::parse::<f64>), record.get(lo).map(str::parse::<f64>))
            {
                points.push(LatLng { lat, lng });
            }
        }
    }
    Ok(points)
}

/// One query, as a police.uk URL for peel and as SQL for PostGIS.
#[derive(Clone, Debug)]
enum Query {
    Radius { month: Month, at: LatLng },
    Poly { month: Month, ring: Vec<LatLng> },
    Locate { at: LatLng },
    AtLocation { month: Month, id: i64 },
}

impl Query {
    fn path(&self) -> String {
        match self {
            Query::Radius { month, at } => {
                format!("/api/crimes-street/all-crime?lat={:.6}&lng={:.6}&date={month}", at.lat, at.lng)
            }
            Query::Poly { month, ring } => {
                let poly: Vec<String> = ring.iter().map(|p| format!("{:.6},{:.6}", p.lat, p.lng)).collect();
                format!("/api/crimes-street/all-crime?poly={}&date={month}", poly.join(":"))
            }
            Query::Locate { at } => format!("/api/locate-neighbourhood?q={:.6},{:.6}", at.lat, at.lng),
            Query::AtLocation { month, id } => format!("/api/crimes-at-location?location_id={id}&date={month}"),
        }
    }
}

impl Query {
    /// The query as one SQL statement with its values written in, for pgbench.
    fn sql(&self) -> String {
        let lit = |s: String| format!("'{}'", s.replace('\'', "''"));
        let fill = |sql: &str, values: &[String]| {
            values.iter().enumerate().rev().fold(sql.to_string(), |q, (i, v)| q.replace(&format!("${}", i + 1), v))
        };
        match self {
            Query::Radius { month, at } => fill(
                PG_RADIUS,
                &[lit(month.to_string()), at.lng.to_string(), at.lat.to_string(), ONE_MILE_M.to_string()],
            ),
            Query::Poly { month, ring } => fill(PG_POLY, &[lit(month.to_string()), lit(wkt_ring(ring))]),
            Query::Locate { at } => fill(PG_LOCATE, &[at.lng.to_string(), at.lat.to_string()]),
            Query::AtLocation { month, id } => fill(PG_AT, &[lit(month.to_string()), id.to_string()]),
        }
    }
}

struct QuerySet {
    name: &'static str,
    about: String,
    queries: Vec<Query>,
}

/// Map points with the most crimes in `month`, busiest first.
async fn busiest(lite: &SqlitePool, month: Month, limit: i64) -> Result<Vec<LatLng>> {
    let rows: Vec<(f64, f64)> = sqlx::query_as(
        "SELECT l.latitude, l.longitude FROM crimes c JOIN locations l ON l.id = c.location_id \
         WHERE c.month = $1 GROUP BY l.id ORDER BY COUNT(*) DESC, l.id LIMIT $2",
    )
    .bind(month.to_string())
    .bind(limit)
    .fetch_all(lite)
    .await?;
    Ok(rows.into_iter().map(|(lat, lng)| LatLng { lat, lng }).collect())
}

/// Dense points whose one-mile circle holds no more than peel's limit: up to
/// `n` spread over the busiest map points, and of all those tried the one
/// whose circle holds nearest 5,000 crimes; each with its result count.
async fn dense_points(
    state: &AppState,
    lite: &SqlitePool,
    month: Month,
    n: usize,
) -> Result<(Vec<(LatLng, usize)>, Option<(LatLng, usize)>)> {
    let candidates = busiest(lite, month, 4000).await?;
    let index = state.index.current();
    let stride = (candidates.len() / (n * 2)).max(1);
    let mut tried = Vec::new();
    for at in candidates.into_iter().step_by(stride.min(10)) {
        let points = index.points_within_radius(at, ONE_MILE_M);
        let count = index.count_crimes(month, &points, CategoryFilter::All);
        if count > 0 && count <= MAX_RESULTS {
            tried.push((at, count));
        }
    }
    let near_5000 = tried.iter().min_by_key(|(_, c)| c.abs_diff(5000)).copied();
    let spread = (tried.len() / n).max(1);
    Ok((tried.into_iter().step_by(spread).take(n).collect(), near_5000))
}

/// A regular 16-gon of radius `r_m` metres around `c`.
fn polygon_around(c: LatLng, r_m: f64) -> Vec<LatLng> {
    let dlat = r_m / 111_320.0;
    let dlng = dlat / c.lat.to_radians().cos();
    (0..16)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::TAU / 16.0;
            let round = |v: f64| (v * 1e6).round() / 1e6;
            LatLng { lat: round(c.lat + dlat * a.sin()), lng: round(c.lng + dlng * a.cos()) }
        })
        .collect()
}

fn mean(v: &[usize]) -> f64 {
    v.iter().sum::<usize>() as f64 / v.len().max(1) as f64
}

async fn query_sets(state: &AppState, lite: &SqlitePool, data: &Data) -> Result<Vec<QuerySet>> {
    let gen_month = generated_month();
    let mut sets = Vec::new();

    let (dense, near_5000) = dense_points(state, lite, gen_month, QUERIES_PER_SET).await?;
    let counts: Vec<usize> = dense.iter().map(|(_, n)| *n).collect();
    sets.push(QuerySet {
        name: "radius",
        about: format!(
            "1-mile circles around the busiest generated map points ({gen_month}), {:.0} crimes each on average, {}..{}",
            mean(&counts),
            counts.iter().min().unwrap_or(&0),
            counts.iter().max().unwrap_or(&0)
        ),
        queries: dense.iter().map(|(at, _)| Query::Radius { month: gen_month, at: *at }).collect(),
    });

    let (real, _) = dense_points(state, lite, data.real_month, QUERIES_PER_SET).await?;
    let counts: Vec<usize> = real.iter().map(|(_, n)| *n).collect();
    sets.push(QuerySet {
        name: "radius-real",
        about: format!(
            "1-mile circles around the busiest real map points ({}), {:.0} crimes each on average",
            data.real_month,
            mean(&counts)
        ),
        queries: real.iter().map(|(at, _)| Query::Radius { month: data.real_month, at: *at }).collect(),
    });

    let index = state.index.current();
    let mut poly_counts = Vec::new();
    let mut polys = Vec::new();
    for (at, _) in &dense {
        let ring = polygon_around(*at, 800.0);
        let poly = peel_core::geo::Polygon::new(ring.clone())?;
        let points = index.points_within_polygon(&poly);
        poly_counts.push(index.count_crimes(gen_month, &points, CategoryFilter::All));
        polys.push(Query::Poly { month: gen_month, ring });
    }
    sets.push(QuerySet {
        name: "polygon",
        about: format!(
            "16-gons of radius 800 m around the same points, {:.0} crimes each on average",
            mean(&poly_counts)
        ),
        queries: polys,
    });

    let mut bbox: Option<peel_core::geo::BBox> = None;
    for (_, _, area) in &data.areas {
        if let Some(b) = area.bbox() {
            bbox = Some(match bbox {
                None => b,
                Some(a) => peel_core::geo::BBox {
                    min_lat: a.min_lat.min(b.min_lat),
                    min_lng: a.min_lng.min(b.min_lng),
                    max_lat: a.max_lat.max(b.max_lat),
                    max_lng: a.max_lng.max(b.max_lng),
                },
            });
        }
    }
    if let Some(b) = bbox {
        let mut rng = Rng(0x10CA_7E00_0000_0001);
        let mut unit = move || (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let points: Vec<LatLng> = (0..1000)
            .map(|_| LatLng {
                lat: b.min_lat + (b.max_lat - b.min_lat) * unit(),
                lng: b.min_lng + (b.max_lng - b.min_lng) * unit(),
            })
            .collect();
        let hits = points.iter().filter(|p| index.locate(**p).is_some()).count();
        sets.push(QuerySet {
            name: "locate",
            about: format!(
                "random points over the bounding box of {} neighbourhoods, {hits} of {} inside one",
                data.areas.len(),
                points.len()
            ),
            queries: points.into_iter().map(|at| Query::Locate { at }).collect(),
        });
    }

    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT location_id FROM crimes WHERE month = $1 AND location_id IS NOT NULL ORDER BY location_id",
    )
    .bind(gen_month.to_string())
    .fetch_all(lite)
    .await?;
    let mut rng = Rng(0xA7_10CA_7100_0001);
    let picked: Vec<i64> = (0..500).filter_map(|_| ids.get(rng.below(ids.len() as u64) as usize).copied()).collect();
    sets.push(QuerySet {
        name: "at-location",
        about: format!("random map points with crimes in {gen_month}, by location_id"),
        queries: picked.into_iter().map(|id| Query::AtLocation { month: gen_month, id }).collect(),
    });
    if let Some((at, _)) = near_5000 {
        sets.push(QuerySet {
            name: "radius-5000",
            about: "the one 1-mile circle nearest 5,000 crimes (for the < 2 ms goal)".into(),
            queries: vec![Query::Radius { month: gen_month, at }],
        });
    }
    Ok(sets)
}

/// A crime as the PostGIS side copies it from peel's SQLite file: with its
/// map point, street, outcome status and the month of its latest outcome.
#[derive(sqlx::FromRow)]
struct CrimeRow {
    id: i64,
    month: String,
    category: String,
    persistent_id: Option<String>,
    location_id: Option<i64>,
    street_name: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    context: String,
    location_type: String,
    location_subtype: String,
    last_outcome: Option<String>,
    latest: Option<String>,
}

/// The PostGIS side: a scratch database on the given server.
struct PostGis {
    admin: PgPool,
    name: String,
    pool: PgPool,
    /// The scratch database's URL, for pgbench.
    url: String,
    indexes: String,
}

/// The crime as police.uk shapes it, built in SQL from the denormalised row.
macro_rules! crimes_json {
    ($where:literal) => {
        concat!(
            "SELECT COALESCE(json_agg(json_build_object(",
            "'category', category, 'persistent_id', COALESCE(persistent_id, ''), ",
            "'location_subtype', location_subtype, 'id', id, ",
            "'location', json_build_object('latitude', lat_s, 'street', ",
            "json_build_object('id', location_id, 'name', street_name), 'longitude', lng_s), ",
            "'context', context, 'month', month, 'location_type', location_type, ",
            "'outcome_status', CASE WHEN outcome_name IS NULL THEN NULL ",
            "ELSE json_build_object('category', outcome_name, 'date', outcome_date) END",
            ") ORDER BY id), '[]'::json)::text FROM bench_crimes WHERE ",
            $where
        )
    };
}

/// Within one mile on the sphere, as peel measures it.
const PG_RADIUS: &str =
    crimes_json!("month = $1 AND ST_DWithin(geog, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography, $4, false)");
const PG_POLY: &str = crimes_json!("month = $1 AND ST_Covers(ST_GeomFromText($2, 4326), geom)");
const PG_AT: &str = crimes_json!("month = $1 AND location_id = $2");
const PG_LOCATE: &str = "SELECT json_build_object('force', force_id, 'neighbourhood', id)::text \
     FROM bench_neighbourhoods WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) \
     ORDER BY force_id, id LIMIT 1";

impl PostGis {
    async fn create(url: &str, clients: usize) -> Result<PostGis> {
        let admin = PgPoolOptions::new().max_connections(1).connect(url).await.context("connecting")?;
        let name = format!("bench_postgis_{}", std::process::id());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
        let db_url = with_database(url, &name);
        let pool = PgPoolOptions::new().max_connections(clients.max(1) as u32).connect(&db_url).await;
        let pg = match pool {
            Ok(pool) => PostGis { admin, name, pool, url: db_url, indexes: String::new() },
            Err(e) => {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}"))).execute(&admin).await;
                return Err(e.into());
            }
        };
        if let Err(e) = sqlx::query("CREATE EXTENSION postgis").execute(&pg.pool).await {
            pg.drop().await;
            return Err(anyhow::Error::from(e).context("CREATE EXTENSION postgis"));
        }
        Ok(pg)
    }

    async fn drop(self) {
        self.pool.close().await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
            .execute(&self.admin)
            .await;
        self.admin.close().await;
    }

    /// Copies every crime from peel's SQLite file (with its point, street and
    /// outcome status) and every neighbourhood polygon, then indexes them.
    async fn load(&mut self, lite: &SqlitePool, areas: &[(String, String, Area)]) -> Result<()> {
        let pool = &self.pool;
        sqlx::query(
            "CREATE TABLE bench_crimes (id bigint PRIMARY KEY, month text NOT NULL, category text NOT NULL, \
             persistent_id text, location_id bigint, street_name text, lat_s text, lng_s text, \
             context text NOT NULL, location_type text NOT NULL, location_subtype text NOT NULL, \
             outcome_name text, outcome_date text, geog geography(Point, 4326), geom geometry(Point, 4326))",
        )
        .execute(pool)
        .await?;
        sqlx::query(
            "CREATE TABLE bench_neighbourhoods (force_id text NOT NULL, id text NOT NULL, \
             geom geometry(MultiPolygon, 4326) NOT NULL, PRIMARY KEY (force_id, id))",
        )
        .execute(pool)
        .await?;
        let mut after = 0i64;
        loop {
            let rows: Vec<CrimeRow> = sqlx::query_as(
                "SELECT c.id, c.month, c.category, c.persistent_id, c.location_id, l.street_name, l.latitude, \
                 l.longitude, c.context, c.location_type, c.location_subtype, c.last_outcome, \
                 (SELECT MAX(o.month) FROM outcomes o WHERE o.persistent_id = c.persistent_id) AS latest \
                 FROM crimes c LEFT JOIN locations l ON l.id = c.location_id WHERE c.id > $1 ORDER BY c.id LIMIT 50000",
            )
            .bind(after)
            .fetch_all(lite)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let mut csv = String::with_capacity(rows.len() * 300);
            for CrimeRow {
                id,
                month,
                category,
                persistent_id: pid,
                location_id: loc,
                street_name: street,
                latitude: lat,
                longitude: lng,
                context,
                location_type: ltype,
                location_subtype: lsub,
                last_outcome: outcome,
                latest,
            } in rows
            {
                let asb = category == CrimeCategory::AntiSocialBehaviour.slug();
                let status = outcome.filter(|_| !asb).and_then(|code| Outcome::from_code(&code));
                let has_pid = pid.as_deref().is_some_and(|p| !p.is_empty());
                let (name, date) = match status {
                    Some(o) => (q(o.crime_status_name()), latest.filter(|_| has_pid).unwrap_or_else(|| month.clone())),
                    None => (String::new(), String::new()),
                };
                let (lat_s, lng_s, point) = match (lat, lng) {
                    (Some(lat), Some(lng)) => {
                        (format!("{lat:.6}"), format!("{lng:.6}"), format!("SRID=4326;POINT({lng} {lat})"))
                    }
                    _ => (String::new(), String::new(), String::new()),
                };
                csv.push_str(&format!(
                    "{id},{month},{category},{},{},{},{lat_s},{lng_s},{},{},{},{name},{date},{point},{point}\n",
                    pid.as_deref().map(q).unwrap_or_default(),
                    loc.map(|l| l.to_string()).unwrap_or_default(),
                    street.as_deref().map(q).unwrap_or_default(),
                    q(&context),
                    q(&ltype),
                    q(&lsub),
                ));
            }
            let mut conn = pool.acquire().await?;
            let mut copy = conn.copy_in_raw("COPY bench_crimes FROM STDIN (FORMAT csv)").await?;
            copy.send(csv.into_bytes()).await?;
            copy.finish().await?;
        }
        for (force_id, id, area) in areas {
            sqlx::query(
                "INSERT INTO bench_neighbourhoods VALUES ($1, $2, ST_Multi(ST_GeomFromText($3, 4326))) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(force_id)
            .bind(id)
            .bind(wkt_area(area))
            .execute(pool)
            .await?;
        }
        // Month and point in one GiST index (btree_gist), as a PostGIS user
        // would index "crimes of a month in an area"; a plain GiST on the
        // point if btree_gist is missing.
        let composite = sqlx::query("CREATE EXTENSION btree_gist").execute(pool).await.is_ok();
        let (geog, geom) = if composite { ("(month, geog)", "(month, geom)") } else { ("(geog)", "(geom)") };
        for sql in [
            format!("CREATE INDEX bench_crimes_geog ON bench_crimes USING gist {geog}"),
            format!("CREATE INDEX bench_crimes_geom ON bench_crimes USING gist {geom}"),
            "CREATE INDEX bench_crimes_month_location ON bench_crimes (month, location_id)".to_string(),
            "CREATE INDEX bench_neighbourhoods_geom ON bench_neighbourhoods USING gist (geom)".to_string(),
            "VACUUM ANALYZE bench_crimes".to_string(),
            "VACUUM ANALYZE bench_neighbourhoods".to_string(),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        }
        self.indexes =
            format!("GiST on {geog} and {geom}, btree on (month, location_id), GiST on the neighbourhood polygons");
        Ok(())
    }

    /// The answer's length in bytes.
    async fn call(pool: &PgPool, q: &Query) -> Result<String> {
        let body: Option<String> = match q {
            Query::Radius { month, at } => Some(
                sqlx::query_scalar(PG_RADIUS)
                    .bind(month.to_string())
                    .bind(at.lng)
                    .bind(at.lat)
                    .bind(ONE_MILE_M)
                    .fetch_one(pool)
                    .await?,
            ),
            Query::Poly { month, ring } => {
                Some(sqlx::query_scalar(PG_POLY).bind(month.to_string()).bind(wkt_ring(ring)).fetch_one(pool).await?)
            }
            Query::Locate { at } => {
                sqlx::query_scalar(PG_LOCATE).bind(at.lng).bind(at.lat).fetch_optional(pool).await?
            }
            Query::AtLocation { month, id } => {
                Some(sqlx::query_scalar(PG_AT).bind(month.to_string()).bind(*id).fetch_one(pool).await?)
            }
        };
        Ok(body.unwrap_or_default())
    }
}

fn ring_text(ring: &[LatLng]) -> String {
    let mut pts: Vec<String> = ring.iter().map(|p| format!("{} {}", p.lng, p.lat)).collect();
    if ring.first() != ring.last()
        && let Some(first) = ring.first()
    {
        pts.push(format!("{} {}", first.lng, first.lat));
    }
    format!("({})", pts.join(", "))
}

fn wkt_ring(ring: &[LatLng]) -> String {
    format!("POLYGON({})", ring_text(ring))
}

fn wkt_area(area: &Area) -> String {
    let polys: Vec<String> = area
        .polygons
        .iter()
        .map(|p| {
            let rings: Vec<String> =
                std::iter::once(ring_text(&p.outer)).chain(p.holes.iter().map(|h| ring_text(h))).collect();
            format!("({})", rings.join(", "))
        })
        .collect();
    format!("MULTIPOLYGON({})", polys.join(", "))
}

/// peel in-process: the whole router (routing, parameters, the engine, JSON,
/// ETag), without a socket: the server-side time.
async fn peel_call(router: &Router, path: &str) -> Result<axum::body::Bytes> {
    let response = router.clone().oneshot(Request::get(path).body(Body::empty())?).await?;
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    if status != StatusCode::OK && status != StatusCode::NOT_FOUND {
        bail!("{path}: {status}");
    }
    Ok(body)
}

/// A keep-alive HTTP/1.1 connection, for the page timings and the
/// freshness figure (the throughput figures use `wrk`).
pub(super) struct Conn {
    stream: BufReader<TcpStream>,
    line: String,
}

impl Conn {
    pub(super) async fn open(addr: std::net::SocketAddr) -> Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream: BufReader::new(stream), line: String::new() })
    }

    /// GETs `path`: the status code and the body.
    pub(super) async fn get(&mut self, path: &str) -> Result<(u16, Vec<u8>)> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut length = None;
        let mut chunked = false;
        let mut status = None;
        loop {
            self.line.clear();
            if self.stream.read_line(&mut self.line).await? == 0 {
                bail!("connection closed");
            }
            if status.is_none() {
                status = Some(self.line.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()).unwrap_or(0));
                continue;
            }
            if self.line == "\r\n" {
                break;
            }
            let lower = self.line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = Some(v.trim().parse::<usize>()?);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let status = status.unwrap_or(0);
        let mut body = Vec::new();
        if let Some(n) = length {
            body.resize(n, 0);
            self.stream.read_exact(&mut body).await?;
            return Ok((status, body));
        }
        if !chunked {
            bail!("{path}: neither Content-Length nor chunked");
        }
        let mut buf = Vec::new();
        loop {
            self.line.clear();
            self.stream.read_line(&mut self.line).await?;
            let size = usize::from_str_radix(self.line.trim(), 16)?;
            buf.resize(size + 2, 0);
            self.stream.read_exact(&mut buf).await?;
            if size == 0 {
                return Ok((status, body));
            }
            body.extend_from_slice(&buf[..size]);
        }
    }
}

type CallFuture = Pin<Box<dyn Future<Output = Result<usize>> + Send>>;
/// `(client, query index)` → bytes answered.
type Call = Arc<dyn Fn(usize, usize) -> CallFuture + Send + Sync>;

struct Stats {
    requests: usize,
    per_s: f64,
    p50: Duration,
    p99: Duration,
}

impl Stats {
    fn row(&self, label: &str) -> String {
        format!(
            "    {label:<26} {:>9.0} req/s   p50 {:>8.3} ms   p99 {:>8.3} ms   ({} requests)",
            self.per_s,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.requests
        )
    }
}

/// Runs `clients` closed-loop clients for `seconds`, each walking the query
/// list from its own offset.
async fn measure(seconds: u64, clients: usize, queries: usize, call: Call) -> Result<Stats> {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = c * 7;
            while Instant::now() < deadline {
                let t = Instant::now();
                call(c, i % queries).await?;
                latencies.push(t.elapsed());
                i += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied();
    Ok(Stats {
        requests: all.len(),
        per_s: all.len() as f64 / secs,
        p50: pct(0.50).unwrap_or_default(),
        p99: pct(0.99).unwrap_or_default(),
    })
}

/// How many records an answer holds (a JSON array's length; 1 for an object, 0 for a 404).
pub(super) fn answer_size(answer: &(u16, Vec<u8>)) -> Option<usize> {
    let body = &answer.1;
    if answer.0 == 404 || body.is_empty() || body == b"Not Found" {
        return Some(0);
    }
    match serde_json::from_slice::<serde_json::Value>(body).ok()? {
        serde_json::Value::Array(a) => Some(a.len()),
        serde_json::Value::Object(_) => Some(1),
        _ => None,
    }
}

/// The median of `n` runs of `f`, in ms.
async fn median_ms<F, Fut>(n: usize, mut f: F) -> Result<f64>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    Ok(times[n / 2].as_secs_f64() * 1e3)
}

/// One query set's figures.
struct SetFigures {
    name: &'static str,
    in_process: Stats,
    wrk_1: Load,
    wrk_n: Load,
    pg_1: Option<Load>,
    pg_n: Option<Load>,
}

async fn measure_all(
    args: &ApiArgs,
    state: &AppState,
    pg: Option<&PostGis>,
    sets: &[QuerySet],
    served: &Served,
    dir: &Path,
) -> Result<()> {
    let router = peel_web::app(state.clone());
    let n = args.clients.max(1);
    println!(
        "\n  Each figure: {} s. peel: `wrk` with keep-alive connections against `peel serve` on 127.0.0.1:{} \
         (a separate process); PostGIS: `pgbench -M prepared` with one script per query; 1 connection, then {n}. \
         Both load generators cycle through the same first {WIRE_QUERIES} queries of each set.",
        args.seconds, served.port
    );

    // The 5,000-crime goal: the radius query nearest 5,000 results, server-side (in-process).
    if let Some(set) = sets.iter().find(|s| s.name == "radius-5000") {
        let mut best: Option<(usize, &Query)> = None;
        for q in &set.queries {
            let body = peel_call(&router, &q.path()).await?;
            let size = answer_size(&(200, body.to_vec())).unwrap_or(0);
            if best.is_none_or(|(b, _)| size.abs_diff(5000) < b.abs_diff(5000)) {
                best = Some((size, q));
            }
        }
        if let Some((size, q)) = best {
            let path = q.path();
            let peel_ms = median_ms(50, || async { peel_call(&router, &path).await.map(drop) }).await?;
            let mut conn = Conn::open(served.addr()).await?;
            let mut times = Vec::new();
            for _ in 0..50 {
                let t = Instant::now();
                conn.get(&path).await?;
                times.push(t.elapsed());
            }
            times.sort_unstable();
            let http_ms = times[25].as_secs_f64() * 1e3;
            println!(
                "  goal: a 1-mile radius returning ~5,000 crimes in < 2 ms server-side: {size} crimes in {peel_ms:.2} ms \
                 (median of 50, in-process), {http_ms:.2} ms over HTTP with keep-alive"
            );
            if let Some(pg) = pg {
                let pg_ms = median_ms(50, || async { PostGis::call(&pg.pool, q).await.map(drop) }).await?;
                println!(
                    "        the same query on PostGIS: {pg_ms:.2} ms (median of 50, over the wire); ratio {:.1}×",
                    pg_ms / peel_ms
                );
            }
        }
    }
    // The locate goal: the index alone, one thread.
    if let Some(set) = sets.iter().find(|s| s.name == "locate") {
        let index = state.index.current();
        let points: Vec<LatLng> =
            set.queries.iter().filter_map(|q| if let Query::Locate { at } = q { Some(*at) } else { None }).collect();
        let start = Instant::now();
        let mut n = 0usize;
        let mut found = 0usize;
        while start.elapsed() < Duration::from_secs(2) {
            for p in &points {
                found += usize::from(index.locate(*p).is_some());
            }
            n += points.len();
        }
        std::hint::black_box(found);
        println!(
            "  locate-neighbourhood in-process: {:.0} lookups/s (R-tree + point-in-polygon, one thread)",
            n as f64 / start.elapsed().as_secs_f64()
        );
    }

    let mut summary = Vec::new();
    for set in sets.iter().filter(|s| s.name != "radius-5000") {
        if set.queries.is_empty() {
            println!("\n  {}: no queries (skipped)", set.name);
            continue;
        }
        let paths: Arc<Vec<String>> = Arc::new(set.queries.iter().map(Query::path).collect());
        println!("\n  {} — {}", set.name, set.about);

        // Warm both sides and check they agree.
        if let Some(pg) = pg {
            let mut agree = 0;
            let mut checked = 0;
            for (q, path) in set.queries.iter().zip(paths.iter()).take(20) {
                let a = answer_size(&(200, peel_call(&router, path).await?.to_vec()));
                let b = answer_size(&(200, PostGis::call(&pg.pool, q).await?.into_bytes()));
                checked += 1;
                if a == b {
                    agree += 1;
                } else {
                    println!("    answers differ for {path}: peel {a:?} records, PostGIS {b:?}");
                }
            }
            println!("    peel and PostGIS return the same number of records for {agree} of {checked} queries checked");
        }

        let in_process: Call = {
            let (router, paths) = (router.clone(), paths.clone());
            Arc::new(move |_, i| {
                let (router, paths) = (router.clone(), paths.clone());
                Box::pin(async move { Ok(peel_call(&router, &paths[i]).await?.len()) })
            })
        };
        let s = args.seconds;
        let in_proc = measure(s, 1, paths.len(), in_process).await?;
        println!("{}", in_proc.row("peel in-process, 1"));
        let wire: Vec<String> = paths.iter().take(WIRE_QUERIES).cloned().collect();
        let wrk_1 = load::wrk(dir, served.port, &wire, 1, s)?;
        println!("{}", wrk_1.row("peel wrk, 1"));
        let wrk_n = load::wrk(dir, served.port, &wire, n, s)?;
        println!("{}", wrk_n.row(&format!("peel wrk, {n}")));
        let (pg_1, pg_n) = match pg {
            Some(pg) => {
                let sql: Vec<String> = set.queries.iter().take(WIRE_QUERIES).map(Query::sql).collect();
                let one = load::pgbench(dir, &pg.url, &sql, 1, s)?;
                println!("{}", one.row("PostGIS pgbench, 1"));
                let many = load::pgbench(dir, &pg.url, &sql, n, s)?;
                println!("{}", many.row(&format!("PostGIS pgbench, {n}")));
                (Some(one), Some(many))
            }
            None => (None, None),
        };
        println!(
            "    ratios (req/s, peel ÷ PostGIS): 1 connection {}; {n} connections {}",
            load::ratio(Some(&wrk_1), pg_1.as_ref()),
            load::ratio(Some(&wrk_n), pg_n.as_ref()),
        );
        summary.push(SetFigures { name: set.name, in_process: in_proc, wrk_1, wrk_n, pg_1, pg_n });
    }

    println!("\n  summary (req/s; p50/p99 ms)");
    println!(
        "  | set | peel in-process, 1 | peel wrk, 1 | PostGIS pgbench, 1 | ratio | peel wrk, {n} | PostGIS pgbench, {n} | ratio |"
    );
    println!("  |---|---|---|---|---|---|---|---|");
    let cell =
        |s: &Stats| format!("{:.0} ({:.2}/{:.2})", s.per_s, s.p50.as_secs_f64() * 1e3, s.p99.as_secs_f64() * 1e3);
    let opt = |s: &Option<Load>| s.as_ref().map_or("n/a".to_string(), Load::cell);
    for f in &summary {
        println!(
            "  | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.name,
            cell(&f.in_process),
            f.wrk_1.cell(),
            opt(&f.pg_1),
            load::ratio(Some(&f.wrk_1), f.pg_1.as_ref()),
            f.wrk_n.cell(),
            opt(&f.pg_n),
            load::ratio(Some(&f.wrk_n), f.pg_n.as_ref()),
        );
    }
    Ok(())
}

/// Pages timed: p50 and p90 of 200 requests on one keep-alive connection.
async fn measure_pages(served: &Served, sets: &[QuerySet], state: &AppState) -> Result<()> {
    let mut pages = vec![
        "/".to_string(),
        "/neighbourhoods/city-of-london/ban".to_string(),
        "/forces/city-of-london".to_string(),
        "/forces/bedfordshire".to_string(),
    ];
    // The Metropolitan neighbourhood holding the busiest generated circle, and its force.
    let index = state.index.current();
    if let Some(Query::Radius { at, .. }) =
        sets.iter().find(|s| s.name == "radius-5000").and_then(|s| s.queries.first())
        && let Some(n) = index.locate(*at)
    {
        pages.push(format!("/neighbourhoods/{}/{}", n.force_id, n.neighbourhood_id));
        pages.push(format!("/forces/{}", n.force_id));
    }
    println!("\n  pages: p50 and p90 of {PAGE_REQUESTS} GETs on one keep-alive connection (server time plus loopback)");
    println!("  | page | p50 ms | p90 ms | bytes |");
    println!("  |---|---|---|---|");
    for page in &pages {
        let mut conn = Conn::open(served.addr()).await?;
        let (status, _) = conn.get(page).await?;
        if status != 200 {
            println!("  | `{page}` | {status}: not timed | | |");
            continue;
        }
        let (p50, p90, bytes) = served::page_times(served, page, PAGE_REQUESTS).await?;
        println!("  | `{page}` | {p50:.2} | {p90:.2} | {bytes} |");
    }
    println!("  goals: neighbourhood page p50 < 3 ms, force page p50 < 5 ms");
    Ok(())
}

const PAGE_REQUESTS: usize = 200;

/// Queries per set given to `wrk` and `pgbench` (pgbench takes at most 128 scripts).
const WIRE_QUERIES: usize = 100;

fn print_freshness(engine: &str, took: &[Duration]) {
    let ms: Vec<String> = took.iter().map(|d| format!("{:.0}", d.as_secs_f64() * 1e3)).collect();
    let max = took.iter().max().copied().unwrap_or_default();
    println!(
        "  goal: a new month served < 2 s after its import commits ({engine}): {} ms (max {:.2} s) {}",
        ms.join(", "),
        max.as_secs_f64(),
        if max < Duration::from_secs(2) { "met" } else { "not met" }
    );
}
