//! Progress reporting: a bar on a terminal, plain log lines otherwise.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    started: Instant,
    rows: u64,
}

impl Progress {
    /// `total_bytes` sizes the bar; `quiet` hides everything (tests, benchmarks).
    pub fn new(total_bytes: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, quiet, started: Instant::now(), rows: 0 }
    }

    /// Counts rows as they are stored (a zip holds many files).
    pub fn add_rows(&mut self, rows: u64) {
        self.rows += rows;
    }

    /// Advances the bar past one file given on the command line or found in a folder.
    pub fn file_done(&mut self, path: &str, bytes: u64) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.rows as f64 / secs;
        match &self.bar {
            Some(bar) => {
                bar.inc(bytes);
                bar.set_message(format!("{} rows, {:.0} rows/s", self.rows, rate));
            }
            None if self.quiet => {}
            None => tracing::info!(file = path, total_rows = self.rows, rows_per_s = rate as u64, "imported"),
        }
    }

    /// Prints a line above the bar (or logs it) without breaking the bar.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => tracing::warn!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.started.elapsed().as_secs_f64().max(1e-3)
    }
}
