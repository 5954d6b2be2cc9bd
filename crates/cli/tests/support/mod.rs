//! Running the `peel` binary from the command-line tests.

#![allow(dead_code)]

use std::process::{Command, Output};

/// `peel ARGS --database-url URL` (no URL when `url` is empty) with `env`
/// set: quiet logs, and never a database named by the caller's own
/// environment.
pub fn peel_with(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_peel"));
    c.args(args).env_remove("PEEL_DATABASE_URL").env("PEEL_LOG", "warn").envs(env.iter().copied());
    if !url.is_empty() {
        c.arg("--database-url").arg(url);
    }
    c.output().expect("run peel")
}

/// What a run printed: standard output and standard error.
pub fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// What a run printed, both streams together.
pub fn all_text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
