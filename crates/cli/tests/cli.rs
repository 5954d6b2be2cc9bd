//! The `peel` binary end to end: help, import exit codes and messages,
//! the demo, and a real server answering /healthz on both engines.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use peel_store::Engine;
use peel_store::testing::TestDatabase;

mod support;
use support::all_text as text;

fn peel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_peel"));
    c.env_remove("PEEL_DATABASE_URL").env_remove("PEEL_LISTEN").env("PEEL_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    peel().args(args).output().expect("run peel")
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample")
}

#[test]
fn help_teaches_with_examples() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    let t = text(&o);
    for word in ["import", "serve", "demo", "migrate", "Examples:", "PEEL_DATABASE_URL"] {
        assert!(t.contains(word), "--help lacks {word}: {t}");
    }
    let o = run(&["import", "--help"]);
    let t = text(&o);
    assert!(t.contains("--skip-invalid") && t.contains("--database-url") && t.contains("Examples:"), "{t}");
}

#[test]
fn a_malformed_file_exits_non_zero_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    let bad = dir.path().join("2024-01-city-of-london-street.csv");
    std::fs::write(
        &bad,
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
         ,2024-01,City of London Police,City of London Police,-0.1,51.5,On or near X,,,Anti-social behaviour,,\n\
         ,2024-01,City of London Police,City of London Police,abc,51.5,On or near X,,,Anti-social behaviour,,\n",
    )
    .unwrap();
    let o = run(&["import", "--database-url", &db, bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains(&format!("{}:3: Longitude", bad.display())), "{t}");
    let o = run(&["import", "--database-url", &db, "--skip-invalid", bad.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 invalid rows skipped"), "{}", text(&o));
    let o = run(&["import", "--database-url", &db, "/no/such/file.csv"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("/no/such/file.csv"), "{}", text(&o));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn wait_for(port: u16, path: &str) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Some(r) = get(port, path) {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not answer {path} within 60 s");
}

async fn serves_healthz(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let port = free_port();
    let child = peel()
        .args(["serve", "--database-url", &db.url, "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    let r = tokio::task::spawn_blocking(move || wait_for(port, "/healthz")).await.unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let expected = match engine {
        Engine::Sqlite => "\"database\":\"sqlite\"",
        Engine::Postgres => "\"database\":\"postgres\"",
    };
    assert!(r.contains(expected), "{r}");
}

async fn demo_imports_the_sample(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let o = peel().args(["demo", "--no-serve", "--database-url", &db.url, "--data"]).arg(sample()).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("street crimes") && t.contains("bedfordshire, city-of-london"), "{t}");
    assert!(t.contains("Imported 8715 generated Policing Pledge events"), "{t}");
    // Running the demo again finds everything unchanged.
    let o = peel().args(["demo", "--no-serve", "--database-url", &db.url, "--data"]).arg(sample()).output().unwrap();
    assert!(o.status.success());
    assert!(text(&o).contains("unchanged"), "{}", text(&o));
    let o = run(&["migrate", "--database-url", &db.url]);
    assert!(text(&o).contains("geography and open data"), "{}", text(&o));
}

peel_store::on_both_engines!(serves_healthz, demo_imports_the_sample);
