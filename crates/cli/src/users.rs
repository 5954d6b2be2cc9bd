//! `peel org …` and `peel user …`: bootstrap organisations, accounts and API tokens.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::Utc;
use clap::Subcommand;
use peel_core::access::{OrgKind, Partnership, PasswordPolicy, Reach, Role};
use peel_store::{Organisation, Store};
use peel_usecases::accounts::{self, AccountError, NewAccount};

use crate::DatabaseArg;

/// The purpose recorded for changes made with these commands.
const PURPOSE: &str = "account administration";

/// Where an organisation works: its force, or its partnerships.
#[derive(clap::Args)]
pub struct ReachArgs {
    /// For a police force's organisation: the force's police.uk id (its staff then work within that force).
    /// Without it, an organisation named exactly as police.uk names a force ("Kent Police") is that force.
    #[arg(long, value_name = "FORCE-ID")]
    force: Option<String>,
    /// For a council, housing provider or victim service: a community safety partnership it belongs to,
    /// as FORCE-ID/PARTNERSHIP-ID (repeat for each; import the partnerships first).
    #[arg(long = "partnership", value_name = "FORCE/PARTNERSHIP")]
    partnerships: Vec<String>,
}

impl ReachArgs {
    /// What an organisation of `kind` called `name` works within.
    fn reach(&self, kind: OrgKind, name: &str) -> Result<Reach> {
        match (kind, &self.force) {
            (OrgKind::Force, _) if !self.partnerships.is_empty() => {
                bail!("a police force's organisation works within its whole force: give --force, not --partnership")
            }
            (OrgKind::Force, Some(f)) => Ok(Reach::Force(f.trim().to_string())),
            // As an upgrade places the force organisations an older version made.
            (OrgKind::Force, None) => {
                Ok(peel_core::force::by_name(name).map_or(Reach::Unset, |f| Reach::Force(f.id.to_string())))
            }
            (_, Some(_)) => bail!("only a police force's organisation is a force: give its --partnership instead"),
            (_, None) => {
                let mut ps = Vec::new();
                for p in &self.partnerships {
                    let Some((force_id, csp_id)) = p.trim().split_once('/') else {
                        bail!("--partnership {p:?}: write it as FORCE-ID/PARTNERSHIP-ID, such as bedfordshire/luton");
                    };
                    ps.push(Partnership { force_id: force_id.into(), csp_id: csp_id.into() });
                }
                Ok(Reach::Partnerships(ps))
            }
        }
    }
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organisation: a police force, a council, a housing provider or a victim service.
    ///
    /// Each organisation's staff act only within what it works within: a police force's staff within
    /// its force (--force), a partner's within the community safety partnerships it belongs to
    /// (--partnership, repeated).
    #[command(after_help = "Examples:\n  peel org add --kind force --force bedfordshire \"Bedfordshire Police\"\n  \
        peel import data/sample/areas     # the partnerships, before a partner is placed in one\n  \
        peel org add --kind council --partnership bedfordshire/luton \"Luton Borough Council\"")]
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        /// One of: force, council, housing-provider, victim-service.
        #[arg(long)]
        kind: String,
        #[command(flatten)]
        reach: ReachArgs,
        /// The organisation's name (unique, ignoring case).
        name: String,
    },
    /// Say anew what an organisation works within: its force, or its partnerships (replacing the old list).
    #[command(after_help = "Examples:\n  peel org scope --force kent \"Kent Police\"\n  \
        peel org scope --partnership bedfordshire/luton --partnership bedfordshire/bedford \"Victim Support\"")]
    Scope {
        #[command(flatten)]
        db: DatabaseArg,
        #[command(flatten)]
        reach: ReachArgs,
        /// The organisation's name or number.
        org: String,
    },
    /// List organisations and what each works within.
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a back-office account. Asks for the password, or reads PEEL_USER_PASSWORD.
    #[command(after_help = "\
Examples:
  peel user add --org \"Bedfordshire Police\" --role administrator admin@police.example
  PEEL_USER_PASSWORD='a long passphrase' peel user add --org 1 --role auditor --name \"Sam Auditor\" sam@council.example

Roles: call-handler, officer, supervisor, partner-caseworker, asb-coordinator, auditor, administrator
(manages its own organisation's accounts), event-feed (a force system sending Policing Pledge events for
its own force), installation-administrator (manages organisations and their administrators, and the ASB
rule set; made only here, at the command line).
Passwords: at least 12 characters, not containing the email address.")]
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        /// The organisation's name or number.
        #[arg(long)]
        org: String,
        /// The account's role.
        #[arg(long)]
        role: String,
        /// The person's full name (default: the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
        /// The email address they sign in with.
        email: String,
    },
    /// List accounts (written to the audit log, as it shows personal data).
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Disable an account: it can no longer sign in, its sessions end and its API tokens are revoked.
    Disable {
        #[command(flatten)]
        db: DatabaseArg,
        email: String,
    },
    /// Enable a disabled account again (its old API tokens stay revoked).
    Enable {
        #[command(flatten)]
        db: DatabaseArg,
        email: String,
    },
    /// Make an API token for an account, for machines using /api/v1/. It is printed once.
    #[command(after_help = "Example:\n  peel user token --name \"nightly audit export\" auditor@council.example")]
    Token {
        #[command(flatten)]
        db: DatabaseArg,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// The account the token acts as.
        email: String,
    },
}

async fn find_org(store: &Store, given: &str) -> Result<Organisation> {
    if let Ok(id) = given.trim().parse::<i64>()
        && let Some(o) = store.accounts().organisation(id).await?
    {
        return Ok(o);
    }
    if let Some(o) = store.accounts().organisation_by_name(given).await? {
        return Ok(o);
    }
    let known: Vec<String> =
        store.accounts().organisations().await?.into_iter().map(|o| format!("{} ({})", o.name, o.id)).collect();
    if known.is_empty() {
        bail!("there is no organisation {given:?}, and none yet: add one with `peel org add --kind KIND NAME`");
    }
    bail!("there is no organisation {given:?}; known: {}", known.join(", "))
}

fn explain(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::Invalid { field, message } => anyhow!("{field}: {message}"),
        e => anyhow!(e),
    }
}

fn read_password(email: &str) -> Result<String> {
    if let Ok(pw) = std::env::var("PEEL_USER_PASSWORD") {
        return Ok(pw);
    }
    let first = rpassword::prompt_password(format!("Password for {email}: "))
        .context("cannot read a password from the terminal; set PEEL_USER_PASSWORD to give it in a script")?;
    let second = rpassword::prompt_password("The same password again: ").context("cannot read the password")?;
    if first != second {
        bail!("the two passwords differ; nothing was stored");
    }
    Ok(first)
}

pub async fn run_org(cmd: OrgCommand) -> Result<ExitCode> {
    match cmd {
        OrgCommand::Add { db, kind, reach, name } => {
            let kind: OrgKind = kind.parse()?;
            let reach = reach.reach(kind, &name)?;
            let store = crate::open(&db.database_url).await?;
            let by = crate::cli_by(PURPOSE);
            let org = accounts::add_organisation(&store, &by, &name, kind, &reach).await.map_err(explain)?;
            println!(
                "Added organisation {} ({}), number {}. It works within {}.",
                org.name,
                org.kind.label(),
                org.id,
                org.reach.describe()
            );
            if org.reach == Reach::Unset || org.reach == Reach::Partnerships(vec![]) {
                eprintln!(
                    "Its staff can reach no force's or partnership's work until you give it one: peel org scope."
                );
            }
        }
        OrgCommand::Scope { db, reach, org } => {
            let store = crate::open(&db.database_url).await?;
            let org = find_org(&store, &org).await?;
            let reach = reach.reach(org.kind, &org.name)?;
            let org = store.accounts().set_organisation_reach(org.id, &reach, &crate::cli_by(PURPOSE)).await?;
            println!("{} now works within {}.", org.name, org.reach.describe());
        }
        OrgCommand::List { db } => {
            let store = crate::open(&db.database_url).await?;
            for o in store.accounts().organisations().await? {
                println!("{:>5}  {:<17} {:<40} {}", o.id, o.kind.slug(), o.name, o.reach.describe());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(db: &DatabaseArg, email: &str, disabled: bool) -> Result<()> {
    let store = crate::open(&db.database_url).await?;
    let user = store.accounts().user_by_email(email).await?.ok_or_else(|| anyhow!("there is no account {email:?}"))?;
    accounts::set_disabled(&store, &crate::cli_by(PURPOSE), user.id, disabled).await.map_err(explain)?;
    println!("{} is now {}.", user.email, if disabled { "disabled" } else { "enabled" });
    Ok(())
}

pub async fn run_user(cmd: UserCommand) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add { db, org, role, name, email } => {
            let role: Role = role.parse()?;
            let email = accounts::check_email(&email).map_err(explain)?;
            let store = crate::open(&db.database_url).await?;
            let org = find_org(&store, &org).await?;
            let display_name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
            let password = read_password(&email)?;
            let new = NewAccount {
                email: &email,
                display_name: &display_name,
                organisation_id: org.id,
                role,
                password: &password,
            };
            let user = accounts::add_user(&store, &crate::cli_by(PURPOSE), &new, &PasswordPolicy::default())
                .await
                .map_err(explain)?;
            println!(
                "Added {} ({}) at {} as {}, number {}.",
                user.display_name,
                user.email,
                org.name,
                role.label(),
                user.id
            );
        }
        UserCommand::List { db } => {
            let store = crate::open(&db.database_url).await?;
            let users = store.accounts().users(&crate::cli_by(PURPOSE)).await?;
            let now = Utc::now();
            for u in users {
                let status = if u.disabled {
                    "disabled"
                } else if u.login.is_locked(now) {
                    "locked"
                } else {
                    "active"
                };
                println!(
                    "{:>5}  {:<32} {:<19} {:<9} {} ({})",
                    u.id,
                    u.email,
                    u.role.slug(),
                    status,
                    u.display_name,
                    u.organisation_name
                );
            }
        }
        UserCommand::Disable { db, email } => set_disabled(&db, &email, true).await?,
        UserCommand::Enable { db, email } => set_disabled(&db, &email, false).await?,
        UserCommand::Token { db, name, email } => {
            let store = crate::open(&db.database_url).await?;
            let user = store
                .accounts()
                .user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow!("there is no account {email:?}"))?;
            let (token, record) =
                accounts::issue_api_token(&store, &crate::cli_by(PURPOSE), &user, &name).await.map_err(explain)?;
            eprintln!(
                "API token {} ({:?}) for {} ({}). It is shown only this once; keep it secret.\n\
                 Send it as: Authorization: Bearer <token>",
                record.id,
                record.name,
                user.email,
                user.role.label()
            );
            println!("{token}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
