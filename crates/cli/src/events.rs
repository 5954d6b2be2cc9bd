//! `peel events`: Policing Pledge events from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use peel_core::Month;
use peel_core::bounded::ErrorList;
use peel_core::pledge::{AreaKind, CommitmentId, EventError, Standard, generate, parse_body};
use peel_store::Store;

use crate::DatabaseArg;

#[derive(Subcommand)]
pub enum EventsCommand {
    /// Import Policing Pledge events from NDJSON files (one event a line).
    ///
    /// All the files are one batch: if any event is invalid (unknown type, missing
    /// field, a reply before the message, unknown force or neighbourhood, bad time)
    /// every error is listed as FILE:LINE: FIELD: message and nothing is stored.
    /// Re-sending an event with the same force, type and id replaces it.
    #[command(after_help = "\
Examples:
  peel events import calls-2024-10.ndjson incidents-2024-10.ndjson
  peel events import --database-url postgres://postgres@127.0.0.1/peel today/*.ndjson")]
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// NDJSON files to import.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print a force-month's (or neighbourhood's) Pledge compliance as JSON.
    #[command(after_help = "Examples:\n  peel events compliance --force kent --month 2024-10\n  \
                            peel events compliance --force kent --month 2024-10 --neighbourhood town")]
    Compliance {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        force: String,
        /// Month in London time, YYYY-MM.
        #[arg(long)]
        month: Month,
        #[arg(long)]
        neighbourhood: Option<String>,
    },
    /// Write generated (made-up) events as NDJSON, for demos: every event is marked
    /// "generated": true and has an id starting gen-.
    ///
    /// Team events are made for each of the force's neighbourhoods in the database,
    /// so the output imports cleanly into that database. Only what had happened by
    /// now is written. The same seed gives the same events.
    #[command(
        after_help = "Example:\n  peel events generate --force city-of-london --from 2024-01 --to 2024-06 > demo.ndjson\n  \
                            peel events import demo.ndjson"
    )]
    Generate {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        force: String,
        /// First month (London time), YYYY-MM.
        #[arg(long)]
        from: Month,
        /// Last month, YYYY-MM (default: the first).
        #[arg(long)]
        to: Option<Month>,
        #[arg(long, default_value_t = 2008)]
        seed: u64,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show the Pledge standards in force for a force or neighbourhood, or set or
    /// withdraw a local one.
    ///
    /// A local standard (JSON, as printed here) replaces the national one, or the
    /// force's for a neighbourhood, and must be stricter: same kind of limit, a
    /// shorter time, a higher share or more meetings. Withdrawing one puts the level
    /// below back in force (the force's for a neighbourhood, else the national one);
    /// a force's is not withdrawn while a neighbourhood's would then be looser than
    /// what applies beneath it.
    #[command(after_help = "Examples:\n  peel events standards --force kent\n  \
                            peel events standards --force kent --neighbourhood town --set answer-8s.json\n  \
                            peel events standards --force kent --neighbourhood town --withdraw 999-answer")]
    Standards {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        force: String,
        #[arg(long)]
        neighbourhood: Option<String>,
        /// Store this local standard (a JSON file) first.
        #[arg(long, value_name = "FILE", conflicts_with = "withdraw")]
        set: Option<PathBuf>,
        /// Withdraw this level's local standard for a commitment (e.g. 999-answer) first.
        #[arg(long, value_name = "COMMITMENT-ID")]
        withdraw: Option<CommitmentId>,
    },
    /// Set whether a neighbourhood is urban or rural (which emergency attendance limit applies).
    #[command(after_help = "Example:\n  peel events area --force kent --neighbourhood romney-marsh rural")]
    Area {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        force: String,
        #[arg(long)]
        neighbourhood: String,
        /// urban or rural
        area: AreaKind,
    },
}

pub async fn run(cmd: EventsCommand) -> Result<ExitCode> {
    match cmd {
        EventsCommand::Import { db, files } => {
            let store = crate::open(&db.database_url).await?;
            match import_files(&store, &files).await? {
                Imported::Stored(n) => {
                    println!("Stored {n} events from {} files.", files.len());
                    Ok(ExitCode::SUCCESS)
                }
                Imported::Refused(errors) => {
                    print_refusal(&errors, usize::MAX);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        EventsCommand::Compliance { db, force, month, neighbourhood } => {
            if peel_core::force::by_id(&force).is_none() {
                bail!("unknown force {force:?}: expected a police.uk force id such as city-of-london");
            }
            let store = crate::open(&db.database_url).await?;
            if let Some(n) = &neighbourhood
                && store.geography().neighbourhood(&force, n).await?.is_none()
            {
                bail!("unknown neighbourhood {n:?} in force {force}");
            }
            let report =
                store.pledge().pledge_compliance(&force, month, neighbourhood.as_deref(), chrono::Utc::now()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        EventsCommand::Generate { db, force, from, to, seed, output } => {
            if peel_core::force::by_id(&force).is_none() {
                bail!("unknown force {force:?}: expected a police.uk force id such as city-of-london");
            }
            let store = crate::open(&db.database_url).await?;
            let hoods: Vec<(String, AreaKind)> =
                store.pledge().neighbourhood_areas(&force).await?.into_iter().collect();
            let mut text = String::new();
            let mut count = 0;
            for month in from.through(to.unwrap_or(from)) {
                let plan =
                    generate::Plan { force: &force, month, neighbourhoods: &hoods, seed, now: chrono::Utc::now() };
                for event in generate::month(&plan) {
                    text.push_str(&serde_json::to_string(&event)?);
                    text.push('\n');
                    count += 1;
                }
            }
            match output {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("Wrote {count} generated events to {}.", path.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().lock().write_all(text.as_bytes()).context("writing the events")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        EventsCommand::Standards { db, force, neighbourhood, set, withdraw } => {
            let store = crate::open(&db.database_url).await?;
            if let Some(file) = set {
                let standard: Standard = serde_json::from_str(&read(&file)?)
                    .with_context(|| format!("{} is not a standard", file.display()))?;
                store
                    .pledge()
                    .put_local_standard(&force, neighbourhood.as_deref(), &standard, &crate::cli_by("pledge standards"))
                    .await?;
            }
            let place = match &neighbourhood {
                Some(n) => format!("{force}/{n}"),
                None => force.clone(),
            };
            if let Some(commitment) = withdraw {
                if peel_core::force::by_id(&force).is_none() {
                    bail!("unknown force {force:?}: expected a police.uk force id such as city-of-london");
                }
                // Saying there was nothing, and failing, lets a script tell a
                // typo in the level from a withdrawal that happened.
                let by = crate::cli_by("pledge standards");
                if store
                    .pledge()
                    .withdraw_local_standard(&force, neighbourhood.as_deref(), commitment, &by)
                    .await?
                    .is_none()
                {
                    bail!("{place} has no local {commitment} standard of its own to withdraw; nothing was changed");
                }
            }
            let standards = store.pledge().pledge_standards(&force, neighbourhood.as_deref()).await?;
            println!("{}", serde_json::to_string_pretty(&standards)?);
            if let Some(commitment) = withdraw {
                let now = standards.get(commitment);
                eprintln!(
                    "Withdrew {place}'s local {commitment} standard; version {} is now in force there.",
                    now.version
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        EventsCommand::Area { db, force, neighbourhood, area } => {
            let store = crate::open(&db.database_url).await?;
            store
                .pledge()
                .set_neighbourhood_area(&force, &neighbourhood, area, &crate::cli_by("pledge standards"))
                .await?;
            println!("{force}/{neighbourhood} is now {}.", area.as_str());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn field_label(field: &str) -> &str {
    if field.is_empty() { "(line)" } else { field }
}

/// Prints up to `at_most` of a refused batch's errors and how many there were.
pub fn print_refusal(errors: &ErrorList<(PathBuf, EventError)>, at_most: usize) {
    for (file, e) in errors.first().iter().take(at_most) {
        eprintln!("{}:{}: {}: {}", file.display(), e.line, field_label(&e.field), e.message);
    }
    let shown = errors.first().len().min(at_most);
    if errors.total() > shown {
        eprintln!("… and {} more errors", errors.total() - shown);
    }
    eprintln!("{} errors; nothing was stored.", errors.total());
}

/// What importing a set of files did.
#[derive(Debug)]
pub enum Imported {
    /// Every event was valid and stored (this many, after replacements).
    Stored(usize),
    /// Nothing was stored; the first errors (by file, then line) with their
    /// files, and how many there were.
    Refused(ErrorList<(PathBuf, EventError)>),
}

/// Reads, checks and stores `files` as one all-or-nothing batch.
pub async fn import_files(store: &Store, files: &[PathBuf]) -> Result<Imported> {
    Ok(import_files_timed(store, files).await?.0)
}

/// How long each step of [`import_files`] took (`peel bench pledge`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Phases {
    pub read: Duration,
    pub parse: Duration,
    pub references: Duration,
    pub store: Duration,
}

/// [`import_files`], timing each step.
pub async fn import_files_timed(store: &Store, files: &[PathBuf]) -> Result<(Imported, Phases)> {
    let mut phases = Phases::default();
    let mut errors = ErrorList::new();
    let mut events = Vec::new();
    for file in files {
        let start = Instant::now();
        let text = read(file)?;
        phases.read += start.elapsed();
        let start = Instant::now();
        let batch = parse_body(&text);
        phases.parse += start.elapsed();
        let start = Instant::now();
        let unknown = store.pledge().pledge_reference_errors(&batch.events).await?;
        let file_errors = batch.errors.merge_by_key(unknown, |e| e.line);
        errors.append(file_errors.map(|e| (file.clone(), e)));
        let parsed = batch.events.into_iter().map(|e| e.event);
        if events.is_empty() {
            // In place: a million events are not copied to a new vector.
            events = parsed.collect();
        } else {
            events.extend(parsed);
        }
        phases.references += start.elapsed();
    }
    if !errors.is_empty() {
        return Ok((Imported::Refused(errors), phases));
    }
    let start = Instant::now();
    let stored = store.pledge().put_pledge_events(&events).await?;
    phases.store = start.elapsed();
    Ok((Imported::Stored(stored), phases))
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peel_store::Engine;
    use peel_store::testing::TestDatabase;

    const FIXTURE: &str = include_str!("../../core/tests/fixtures/pledge-kent-2024-10.ndjson");

    async fn imports_files_as_one_batch(engine: Engine) {
        let db = TestDatabase::new(engine).await;
        let store = db.store().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("good.ndjson");
        // Only events without neighbourhoods: this store has none.
        let lines: Vec<&str> = FIXTURE.lines().filter(|l| !l.contains("neighbourhood")).collect();
        std::fs::write(&good, lines.join("\n")).expect("write");
        let bad = dir.path().join("bad.ndjson");
        std::fs::write(&bad, format!("{}\n{{\"id\":\"x\",\"force\":\"kent\",\"type\":\"nope\"}}\n", lines[0]))
            .expect("write");

        let Imported::Refused(errors) = import_files(&store, &[good.clone(), bad.clone()]).await.expect("import")
        else {
            panic!("a bad file refuses the whole batch");
        };
        assert_eq!(errors.total(), 1);
        let (file, e) = &errors.first()[0];
        assert_eq!((file.as_path(), e.line, e.field.as_str()), (bad.as_path(), 2, "type"));
        assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 0);

        let Imported::Stored(n) = import_files(&store, std::slice::from_ref(&good)).await.expect("import") else {
            panic!("the good file is valid");
        };
        assert_eq!(n, lines.len());
        // Importing again replaces rather than duplicates.
        import_files(&store, &[good]).await.expect("import");
        assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), lines.len() as i64);
        assert!(import_files(&store, &[dir.path().join("missing.ndjson")]).await.is_err());
    }

    peel_store::on_both_engines!(imports_files_as_one_batch);
}
