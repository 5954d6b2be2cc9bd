//! Real client libraries from the Python package registry, installed once
//! into a virtual environment under `target/` and shared by the tests that
//! drive a running peel with them. The tests fail (never skip) when Python
//! or a package cannot be had.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of a virtual environment `target/<name>` holding `packages`,
/// made on first use: built in a scratch folder and renamed into place, so
/// parallel tests never see half of one.
pub fn venv_with(name: &str, packages: &[&str]) -> PathBuf {
    let venv = workspace().join("target").join(name);
    let python = venv.join("bin/python");
    if python.exists() {
        return python;
    }
    let scratch = workspace().join(format!("target/{name}-tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let ok =
        Command::new("python3").args(["-m", "venv"]).arg(&scratch).status().expect("python3 is needed for this test");
    assert!(ok.success(), "python3 -m venv failed");
    let ok = Command::new(scratch.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages)
        .status()
        .expect("pip");
    assert!(ok.success(), "pip install {packages:?} failed");
    if std::fs::rename(&scratch, &venv).is_err() {
        let _ = std::fs::remove_dir_all(&scratch); // another test made it first
    }
    python
}

/// Runs a Python test script with `env`, and its combined output if it passed.
pub fn run_script(python: &Path, script: &str, env: &[(&str, String)]) -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client").join(script);
    let out = Command::new(python).arg(script).envs(env.iter().map(|(k, v)| (k, v))).output().expect("run python");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(text) } else { Err(text) }
}
