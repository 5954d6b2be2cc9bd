//! The external load generators of `peel bench api`: `wrk` against a running
//! `peel serve`, `pgbench` against PostGIS, each given the same query list.
//! Neither is peel's code, so neither side is measured by a client the
//! other wrote; both run on the same machine as their server, as the two
//! servers do.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// What a load generator reports of one run.
pub struct Load {
    pub requests: u64,
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers that were not 2xx (wrk: locate's 404s for points in no
    /// neighbourhood) or failed transactions (pgbench).
    pub not_ok: u64,
}

impl Load {
    pub fn cell(&self) -> String {
        format!("{:.0} ({:.2}/{:.2})", self.per_s, self.p50_ms, self.p99_ms)
    }

    pub fn row(&self, label: &str) -> String {
        format!(
            "    {label:<26} {:>9.0} req/s   p50 {:>8.3} ms   p99 {:>8.3} ms   ({} requests{})",
            self.per_s,
            self.p50_ms,
            self.p99_ms,
            self.requests,
            if self.not_ok > 0 { format!(", {} not 2xx", self.not_ok) } else { String::new() }
        )
    }
}

/// Each wrk thread walks the path list from its own offset, one request
/// after another on each keep-alive connection, and reports in one line.
const WRK_SCRIPT: &str = r#"
local paths = {}
local i = 0
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7)
  threads = threads + 1
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = offset or 0
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("PEEL_WRK %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"#;

/// `connections` keep-alive connections for `seconds` against peel on
/// 127.0.0.1:`port`, cycling through `paths`.
pub fn wrk(dir: &Path, port: u16, paths: &[String], connections: usize, seconds: u64) -> Result<Load> {
    let list = dir.join("wrk-paths.txt");
    std::fs::write(&list, paths.join("\n") + "\n")?;
    let script = dir.join("wrk.lua");
    std::fs::write(&script, WRK_SCRIPT)?;
    let threads = connections.clamp(1, 2);
    let out = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .args(["--timeout", "10s", "-s"])
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("--")
        .arg(&list)
        .output()
        .context("running wrk (Debian: apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("PEEL_WRK "))
        .with_context(|| format!("wrk printed no summary: {text}{}", String::from_utf8_lossy(&out.stderr)))?;
    let v: Vec<u64> = line.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
    let [requests, duration_us, p50_us, p99_us, status, socket] = v[..] else { bail!("wrk summary: {line}") };
    if socket > 0 {
        bail!("wrk: {socket} connection errors");
    }
    Ok(Load {
        requests,
        per_s: requests as f64 / (duration_us as f64 / 1e6),
        p50_ms: p50_us as f64 / 1e3,
        p99_ms: p99_us as f64 / 1e3,
        not_ok: status,
    })
}

/// `clients` connections for `seconds` against PostgreSQL at `url`, one
/// script per statement (pgbench picks one at random for each transaction),
/// prepared once per connection; latencies from pgbench's transaction log.
pub fn pgbench(dir: &Path, url: &str, statements: &[String], clients: usize, seconds: u64) -> Result<Load> {
    let sub = dir.join(format!("pgbench-{clients}"));
    let _ = std::fs::remove_dir_all(&sub);
    std::fs::create_dir_all(&sub)?;
    let mut cmd = Command::new("pgbench");
    cmd.args(["-n", "-M", "prepared"])
        .arg(format!("-c{clients}"))
        .arg(format!("-j{}", clients.clamp(1, 2)))
        .arg(format!("-T{seconds}"))
        .arg("-l")
        .arg(format!("--log-prefix={}", sub.join("log").display()));
    for (i, sql) in statements.iter().enumerate() {
        let file = sub.join(format!("q{i}.sql"));
        std::fs::write(&file, format!("{sql};\n"))?;
        cmd.arg("-f").arg(&file);
    }
    let out = cmd.arg(url).output().context("running pgbench (Debian: postgresql-client)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("pgbench failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    let number = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
    };
    let per_s = number("tps =").context("pgbench printed no tps")?;
    let failed = number("number of failed transactions:").unwrap_or(0.0) as u64;
    // Log lines: client, transaction, latency µs, script, epoch s, µs.
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(&sub)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with("log") {
            for line in std::fs::read_to_string(entry.path())?.lines() {
                if let Some(us) = line.split_whitespace().nth(2).and_then(|v| v.parse::<u64>().ok()) {
                    latencies.push(us);
                }
            }
        }
    }
    latencies.sort_unstable();
    let pct =
        |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).copied();
    Ok(Load {
        requests: latencies.len() as u64,
        per_s,
        p50_ms: pct(0.5).unwrap_or_default() as f64 / 1e3,
        p99_ms: pct(0.99).unwrap_or_default() as f64 / 1e3,
        not_ok: failed,
    })
}

/// `a ÷ b` of throughput, as the report writes it.
pub fn ratio(a: Option<&Load>, b: Option<&Load>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b.per_s > 0.0 => format!("{:.1}×", a.per_s / b.per_s),
        _ => "n/a".into(),
    }
}
