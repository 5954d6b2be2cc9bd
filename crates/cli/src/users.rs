//! `peel org …` and `peel user …`: bootstrap organisations, accounts and API tokens.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::Utc;
use clap::Subcommand;
use peel_core::access::{OrgKind, PasswordPolicy, Role};
use peel_store::{Organisation, Store};
use peel_web::backoffice::accounts::{self, AccountError, NewAccount};

use crate::DatabaseArg;

/// Who the audit log names for changes made with this command.
const ACTOR: &str = "cli";

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organisation: a police force, a council, a housing provider or a victim service.
    #[command(
        after_help = "Examples:\n  peel org add --kind council \"Bedford Borough Council\"\n  peel org add --kind force \"Bedfordshire Police\""
    )]
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        /// One of: force, council, housing-provider, victim-service.
        #[arg(long)]
        kind: String,
        /// The organisation's name (unique, ignoring case).
        name: String,
    },
    /// List organisations.
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

Roles: call-handler, officer, supervisor, partner-caseworker, asb-coordinator, auditor, administrator,
event-feed (a force system sending Policing Pledge events).
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
        && let Some(o) = store.organisation(id).await?
    {
        return Ok(o);
    }
    if let Some(o) = store.organisation_by_name(given).await? {
        return Ok(o);
    }
    let known: Vec<String> =
        store.organisations().await?.into_iter().map(|o| format!("{} ({})", o.name, o.id)).collect();
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
        OrgCommand::Add { db, kind, name } => {
            let kind: OrgKind = kind.parse()?;
            let store = crate::open(&db.database_url).await?;
            let org = accounts::add_organisation(&store, ACTOR, &name, kind, Utc::now()).await.map_err(explain)?;
            println!("Added organisation {} ({}), number {}.", org.name, org.kind.label(), org.id);
        }
        OrgCommand::List { db } => {
            let store = crate::open(&db.database_url).await?;
            for o in store.organisations().await? {
                println!("{:>5}  {:<17} {}", o.id, o.kind.slug(), o.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_disabled(db: &DatabaseArg, email: &str, disabled: bool) -> Result<()> {
    let store = crate::open(&db.database_url).await?;
    let user = store.user_by_email(email).await?.ok_or_else(|| anyhow!("there is no account {email:?}"))?;
    accounts::set_disabled(&store, ACTOR, user.id, disabled, Utc::now()).await.map_err(explain)?;
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
            let user = accounts::add_user(&store, ACTOR, &new, &PasswordPolicy::default(), Utc::now())
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
            let users = store.users().await?;
            accounts::audit(
                &store,
                Utc::now(),
                ACTOR,
                "user.list",
                "users",
                "account administration",
                serde_json::json!({ "count": users.len() }),
            )
            .await?;
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
            let user = store.user_by_email(&email).await?.ok_or_else(|| anyhow!("there is no account {email:?}"))?;
            let (token, record) =
                accounts::issue_api_token(&store, ACTOR, &user, &name, Utc::now()).await.map_err(explain)?;
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
