//! The `peel` command.

mod asb;
mod asb_standards;
mod audit;
mod bench;
mod case_reviews;
mod confidence;
mod events;
mod export;
mod pledge_bench;
mod privacy;
mod users;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use peel_import::{ImportOptions, Importer, Summary};
use peel_store::Store;
use peel_web::ServerLimits;

const AFTER_HELP: &str = "\
Examples:
  peel demo                                 run the demo on the bundled sample data
  peel import data/sample                   import a folder of police.uk files into ./peel.db
  peel import --database-url postgres://postgres@127.0.0.1/peel 2024-03.zip
  peel serve --listen 0.0.0.0:8080          serve the API and pages
  peel org add --kind force --force bedfordshire \"Bedfordshire Police\"
  peel org add --kind council --partnership bedfordshire/luton \"Luton Borough Council\"
  peel user add --org \"Luton Borough Council\" --role administrator admin@luton.example
  peel audit verify                         check nobody has changed the audit log

Every command that uses the database takes --database-url, or reads PEEL_DATABASE_URL.
A URL starting postgres:// selects PostgreSQL; anything else is a SQLite file.";

/// peel: open neighbourhood policing for England and Wales.
///
/// peel serves the National Crime Map and a police.uk-compatible API from
/// police.uk's own open data, on an embedded SQLite file or on PostgreSQL.
#[derive(Parser)]
#[command(name = "peel", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DatabaseArg {
    /// Database to use: postgres://user@host/db, or sqlite:FILE (a file is created on first use).
    #[arg(long, env = "PEEL_DATABASE_URL", default_value = peel_store::DEFAULT_DATABASE_URL)]
    database_url: String,
}

/// Bounds on connections for `peel serve` and `peel demo` (docs/security.md).
#[derive(Args, Clone, Copy)]
struct ServerArgs {
    /// Seconds a request's line and headers may take to arrive, from their first byte.
    #[arg(long, env = "PEEL_HEADER_TIMEOUT", value_name = "SECONDS",
          default_value_t = ServerLimits::default().header_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a request's whole body may take to arrive, from its headers (then 408).
    #[arg(long, env = "PEEL_BODY_TIMEOUT", value_name = "SECONDS",
          default_value_t = ServerLimits::default().body_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Seconds a connection may wait for a request, or for its client to read an answer, before it is closed.
    #[arg(long, env = "PEEL_IDLE_TIMEOUT", value_name = "SECONDS",
          default_value_t = ServerLimits::default().idle_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout: u64,
    /// Connections served at once; more wait to be accepted. Keep it below `ulimit -n` less 64.
    #[arg(long, env = "PEEL_MAX_CONNECTIONS", value_name = "N",
          default_value_t = ServerLimits::default().max_connections as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
}

impl ServerArgs {
    fn limits(self) -> ServerLimits {
        ServerLimits {
            header_timeout: Duration::from_secs(self.header_timeout),
            body_timeout: Duration::from_secs(self.body_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Import police.uk files: bulk CSVs, folders of them, archive zips, boundary KML, postcode tables.
    ///
    /// Each file is recognised by its content and imported atomically. Importing the
    /// same file twice changes nothing; a re-published force-month replaces the old one.
    /// By default a file with any invalid row is refused whole, with file:line and the
    /// field named, and nothing of it is written.
    #[command(after_help = "\
Examples:
  peel import data/sample
  peel import 2024-03-city-of-london-street.csv 2024-03-city-of-london-outcomes.csv
  peel import --skip-invalid archive/2024-03.zip
  peel import boundaries/city-of-london/          (neighbourhood boundaries: <force>/<id>.kml)
  peel import postcodes.csv                       (a table with postcode,latitude,longitude columns)
  peel import confidence-responses.csv            (survey responses: force,bcu,neighbourhood,month,measure,response,weight,source)")]
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// Import the valid rows of a file that has invalid ones, and list each row left out.
        #[arg(long)]
        skip_invalid: bool,
        /// Files, folders or zip archives to import.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Export the open data as police.uk's bulk files: street, outcomes and stop-and-search CSVs.
    ///
    /// Writes every force-month file that was imported for the months given (every month
    /// when none are), with police.uk's file names, columns and formats, so that police.uk
    /// tools, and `peel import`, read them. OUT ending in .zip makes one archive laid out as
    /// police.uk's (YYYY-MM/YYYY-MM-<force>-street.csv, …); any other OUT is a folder, made
    /// if needed, with the same layout inside. Importing what was exported into an empty
    /// database gives the same answers on every API route.
    #[command(after_help = "\
Examples:
  peel export --out 2024-03.zip 2024-03                    one month, every force, as police.uk's archive
  peel export --out exported/ --force city-of-london 2024-01 2024-02
  peel export --out everything.zip                         every month imported
  peel import --database-url sqlite:copy.db exported/      (read it back)

The same files are served by `peel serve` at /api/bulk/YYYY-MM/YYYY-MM-<force>-<kind>.csv
and /api/bulk/YYYY-MM.zip (docs/bulk-download.md).")]
    Export {
        #[command(flatten)]
        db: DatabaseArg,
        /// Where to write: a folder, or a file ending in .zip.
        #[arg(long, value_name = "OUT")]
        out: PathBuf,
        /// Only this force's files (police.uk's force id, as in its file names: city-of-london).
        #[arg(long, value_name = "FORCE")]
        force: Option<String>,
        /// Months to export, YYYY-MM (every month imported when none are given).
        #[arg(value_name = "MONTH")]
        months: Vec<peel_core::Month>,
    },
    /// Serve the police.uk-compatible API, the pages and /healthz.
    ///
    /// Connections are bounded: a client that sends nothing, half a request or half a
    /// body is cut off after the timeouts below, and at most --max-connections are
    /// served at once. Request bodies are limited in size (64 MiB for event batches,
    /// 2 MiB elsewhere). docs/security.md explains each limit.
    #[command(
        after_help = "Examples:\n  peel serve\n  PEEL_DATABASE_URL=postgres://postgres@127.0.0.1/peel peel serve --listen 0.0.0.0:8080\n  peel serve --idle-timeout 5 --max-connections 2000     (raise ulimit -n first)"
    )]
    Serve {
        #[command(flatten)]
        db: DatabaseArg,
        /// Address to listen on.
        #[arg(long, env = "PEEL_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Limit each client to this many /api/ requests a second, with bursts (police.uk: 15/30). Off by default.
        #[arg(long, env = "PEEL_RATE_LIMIT", value_name = "PER_SECOND/BURST")]
        rate_limit: Option<peel_web::rate_limit::RateLimit>,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Run the demo: create ./peel-demo.db, import the bundled sample, serve it.
    ///
    /// The sample is real police.uk data (City of London and Bedfordshire) with a few
    /// neighbourhood teams, priorities and events written as sample content, and
    /// generated Policing Pledge events (data/sample/pledge) so the Pledge pages have figures,
    /// and illustrative (made-up) survey responses (data/sample/confidence) for the
    /// confidence pages.
    Demo {
        /// Database for the demo.
        #[arg(long, default_value = "sqlite:peel-demo.db")]
        database_url: String,
        /// Address to listen on.
        #[arg(long, env = "PEEL_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder holding the sample (default: data/sample in this checkout).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Import the sample and exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Create or upgrade the database schema, and list the migrations applied.
    ///
    /// Also lists any unsafe links (not http, https, mailto or tel) that an older
    /// peel stored and the upgrade to schema version 16 removed.
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Policing Pledge events: import them, see compliance, configure neighbourhoods.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Benchmarks (not tests): print throughput and ratios against a baseline.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Back-office organisations: add and list.
    #[command(subcommand)]
    Org(users::OrgCommand),
    /// Back-office accounts: add users, make API tokens.
    #[command(subcommand)]
    User(users::UserCommand),
    /// The audit log: verify it has not been tampered with.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Data protection: apply the retention policy, export what is held on a person.
    #[command(subcommand)]
    Privacy(privacy::PrivacyCommand),
    /// Community Trigger case reviews: load a partnership's procedure.
    #[command(subcommand, name = "case-review")]
    CaseReview(case_reviews::CaseReviewCommand),
    /// Anti-social behaviour casework: the versioned repeat-victim rule and risk questionnaire.
    #[command(subcommand)]
    Asb(asb::AsbCommand),
    /// Public confidence figures: the minimum base they are published on.
    #[command(subcommand)]
    Confidence(confidence::ConfidenceCommand),
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PEEL_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Import { db, skip_invalid, paths } => {
            let store = open(&db.database_url).await?;
            let summary =
                Importer::new(&store, ImportOptions { skip_invalid, quiet: false }).import_paths(&paths).await?;
            print_summary(&summary);
            Ok(if summary.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Export { db, out, force, months } => {
            let store = open(&db.database_url).await?;
            export::run(&store, &months, force.as_deref(), &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { db, listen, rate_limit, server } => {
            let store = open(&db.database_url).await?;
            serve(store, listen, rate_limit, server.limits()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { database_url, listen, data, no_serve, server } => {
            let dir = sample_dir(data)?;
            let store = open(&database_url).await?;
            eprintln!("Importing the sample from {} into {database_url} …", dir.display());
            let summary =
                Importer::new(&store, ImportOptions::default()).import_paths(std::slice::from_ref(&dir)).await?;
            print_summary(&summary);
            if !summary.failed.is_empty() {
                bail!("the sample did not import cleanly");
            }
            import_demo_events(&store, &dir).await?;
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            serve(store, listen, None, server.limits()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { db } => {
            let store = open(&db.database_url).await?;
            for (version, description) in store.applied_migrations().await? {
                println!("{version:>4}  {description}");
            }
            println!("database is up to date");
            let removed = store.unsafe_links_removed().await?;
            if !removed.is_empty() {
                println!(
                    "\n{} unsafe links (not http, https, mailto or tel) stored by an older peel were removed on upgrade:",
                    removed.len()
                );
                for r in &removed {
                    println!("  {} {}: {}: {:?} {}", r.removed_at, r.place, r.field, r.link, r.reason);
                }
                println!("Re-import or re-adopt the corrected files to put safe links back.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Events(cmd) => events::run(cmd).await,
        Command::Bench(cmd) => {
            bench::run(cmd).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Org(cmd) => users::run_org(cmd).await,
        Command::User(cmd) => users::run_user(cmd).await,
        Command::Audit(cmd) => audit::run(cmd).await,
        Command::Confidence(cmd) => confidence::run(cmd).await,
        Command::Privacy(cmd) => privacy::run(cmd).await,
        Command::CaseReview(cmd) => case_reviews::run(cmd).await,
        Command::Asb(cmd) => asb::run(cmd).await,
    }
}

/// A change made at the command line: the operator, who holds the
/// database itself, is refused nothing, and the audit log names them `cli`.
fn cli_by(purpose: &str) -> peel_store::By<'_> {
    static CLI: peel_core::access::Caller = peel_core::access::Caller::CommandLine;
    peel_store::By { caller: &CLI, purpose, at: chrono::Utc::now() }
}

/// The account `email` acts as, for a command run on their behalf (`--by`):
/// the store then checks their role and their organisation's reach, as for
/// the same change made on a page.
async fn caller_of(store: &Store, email: &str) -> Result<peel_core::access::Caller> {
    let user =
        store.accounts().user_by_email(email).await?.ok_or_else(|| anyhow::anyhow!("there is no account {email}"))?;
    if user.disabled {
        bail!("the account {email} is disabled");
    }
    Ok(store.accounts().caller_for(&user).await?)
}

async fn open(url: &str) -> Result<Store> {
    Store::open(url).await.with_context(|| format!("opening the database {}", redact(url)))
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if url[s + 3..at].contains(':') => format!("{}***{}", &url[..s + 3], &url[at..]),
        _ => url.to_string(),
    }
}

async fn serve(
    store: Store,
    listen: SocketAddr,
    rate_limit: Option<peel_web::rate_limit::RateLimit>,
    limits: ServerLimits,
) -> Result<()> {
    // The API's spatial index is built from the store before listening.
    let state = peel_web::AppState::load(store).await?;
    println!("peel is serving on http://{listen}/  (Ctrl-C to stop)");
    peel_web::serve(state, listen, rate_limit, limits).await?;
    Ok(())
}

/// Imports the sample's generated Pledge events (`pledge/*.ndjson`), after
/// the neighbourhoods they name. Re-running replaces them, changing nothing.
async fn import_demo_events(store: &Store, dir: &Path) -> Result<()> {
    let folder = dir.join("pledge");
    let Ok(entries) = std::fs::read_dir(&folder) else { return Ok(()) };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Ok(());
    }
    match events::import_files(store, &files).await? {
        events::Imported::Stored(n) => {
            println!("Imported {n} generated Policing Pledge events (demo figures, marked as generated).");
            Ok(())
        }
        events::Imported::Refused(errors) => {
            events::print_refusal(&errors, 20);
            bail!("the sample's Pledge events did not import ({} errors)", errors.total())
        }
    }
}

/// Finds the bundled sample: `--data`, else `data/sample` here, else in the
/// checkout this binary was built from.
fn sample_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = given {
        if d.is_dir() {
            return Ok(d);
        }
        bail!("{} is not a folder", d.display());
    }
    let here = PathBuf::from("data/sample");
    if here.is_dir() {
        return Ok(here);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample");
    if built.is_dir() {
        return Ok(built);
    }
    bail!("cannot find the sample data: run peel demo from the peel checkout, or pass --data DIR")
}

fn print_summary(s: &Summary) {
    let months = match (s.months.first(), s.months.last()) {
        (Some(a), Some(b)) if a == b => format!("{} month ({a})", 1),
        (Some(a), Some(b)) => format!("{} months ({a} to {b})", s.months.len()),
        _ => "no months".into(),
    };
    println!(
        "Imported {} files ({} unchanged), {} rows at {:.0} rows/s:",
        s.files,
        s.unchanged_files,
        s.total_rows(),
        s.rows_per_second
    );
    for (kind, n) in &s.rows {
        println!("  {:>9} {}", n, kind.label());
    }
    if s.postcodes > 0 {
        println!("  {:>9} postcodes", s.postcodes);
    }
    if s.neighbourhood_boundaries + s.force_boundaries + s.neighbourhood_details > 0 {
        println!(
            "  {:>9} neighbourhood boundaries, {} force boundaries, {} neighbourhood details",
            s.neighbourhood_boundaries, s.force_boundaries, s.neighbourhood_details
        );
    }
    if s.peer_groups > 0 {
        println!("  {:>9} most similar groups (the list held replaced)", s.peer_groups);
    }
    if s.force_variables > 0 {
        println!("  {:>9} values of the variables groups are computed from", s.force_variables);
    }
    if s.survey_responses > 0 {
        println!(
            "  {:>9} survey responses on public confidence ({} rows of the same sources replaced)",
            s.survey_responses, s.survey_responses_replaced
        );
    }
    println!(
        "  {months}; forces: {}",
        if s.forces.is_empty() { "none".into() } else { s.forces.iter().cloned().collect::<Vec<_>>().join(", ") }
    );
    if !s.skipped.is_empty() {
        println!("  {} invalid rows skipped (listed above)", s.skipped.total());
    }
    if !s.failed.is_empty() {
        eprintln!("{} files were refused and nothing of them was written:", s.failed.len());
        for e in &s.failed {
            eprintln!("{e}");
        }
    }
}
