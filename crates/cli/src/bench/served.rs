//! A `peel serve` process for `peel bench api`: what `wrk` loads, what the
//! page timings and the freshness figure are taken from, and whose resident
//! memory is read. It is this same binary, started as a separate process on
//! the benchmark's database, as a self-hoster runs it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use peel_core::Month;
use peel_core::geo::LatLng;
use peel_store::{LocationCache, OpenDataBatch, Store};

use super::api::{Conn, answer_size};
use super::{Rng, street_row};

pub struct Served {
    child: Child,
    pub port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `peel serve` on `url` at 127.0.0.1:`port` and waits until it answers.
    pub async fn start(url: &str, port: u16) -> Result<Served> {
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--database-url", url, "--listen", &format!("127.0.0.1:{port}")])
            .env_remove("PEEL_RATE_LIMIT")
            .env("PEEL_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting peel serve")?;
        let served = Served { child, port };
        let start = Instant::now();
        loop {
            if let Ok(mut c) = Conn::open(served.addr()).await
                && c.get("/healthz").await.is_ok()
            {
                return Ok(served);
            }
            if start.elapsed() > Duration::from_secs(300) {
                bail!("peel serve on port {port} did not answer within 300 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Resident and peak resident memory, in bytes.
    pub fn rss(&self) -> Option<(u64, u64)> {
        rss_of(&format!("/proc/{}/status", self.child.id()))
    }
}

/// `VmRSS` and `VmHWM` of a `/proc/…/status` file, in bytes.
pub fn rss_of(status_file: &str) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let kib = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((kib("VmRSS:")? * 1024, kib("VmHWM:")? * 1024))
}

/// p50 and p90 of `n` GETs of `path` one after another on one keep-alive
/// connection (after 10 to warm it), in ms.
pub async fn page_times(served: &Served, path: &str, n: usize) -> Result<(f64, f64, usize)> {
    let mut conn = Conn::open(served.addr()).await?;
    let mut bytes = 0;
    for _ in 0..10 {
        bytes = conn.get(path).await?.1.len();
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        conn.get(path).await?;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    let ms = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1e3;
    Ok((ms(0.5), ms(0.9), bytes))
}

/// How long after each of `rounds` imports commits (a new City of London
/// month of 200 crimes, written through `store` by this process) the
/// running server answers the new month in full.
pub async fn freshness(store: &Store, served: &Served, first: Month, rounds: usize) -> Result<Vec<Duration>> {
    let at = LatLng { lat: 51.5133, lng: -0.0891 };
    let mut rng = Rng(0xF2E5_0000_0000_0001);
    let mut cache = LocationCache::default();
    let mut conn = Conn::open(served.addr()).await?;
    let mut took = Vec::new();
    for k in 0..rounds {
        let month = first.plus(k as i32);
        let rows: Vec<_> =
            (0..200).map(|_| street_row(&mut rng, "city-of-london", month, at, 0, "City of London Police")).collect();
        let path = format!("/api/crimes-street/all-crime?lat={}&lng={}&date={month}", at.lat, at.lng);
        if answer_size(&conn.get(&path).await?) != Some(0) {
            bail!("{month} is already served; choose a later --fresh-month");
        }
        store
            .open_data()
            .replace_force_month(
                "city-of-london",
                None,
                month,
                &format!("bench-fresh-{month}"),
                "generated",
                OpenDataBatch::Street(&rows),
                &mut cache,
            )
            .await?;
        let committed = Instant::now();
        loop {
            if answer_size(&conn.get(&path).await?) == Some(rows.len()) {
                took.push(committed.elapsed());
                break;
            }
            if committed.elapsed() > Duration::from_secs(60) {
                bail!("{month} not served within 60 s of its import");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    Ok(took)
}
