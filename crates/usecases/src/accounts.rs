//! Account operations shared by the pages, the API and the `peel` command:
//! each checks its input before anything is stored; the store writes each
//! change's audit entry in the same transaction as the change.

use chrono::{DateTime, Utc};
use peel_core::access::{NewAuditEntry, OrgKind, PasswordPolicy, Permission, Reach, Role, Target};
use peel_store::{ApiTokenRecord, By, NewUser, Organisation, Store, StoreError, UserRecord};
use serde_json::Value;

use crate::secrets::{self, SecretError};

/// Why an account operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Bad input: `field` names the form field, `message` says what to fix.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// The purpose recorded for account changes.
pub const PURPOSE: &str = "account administration";

fn invalid(field: &'static str, message: impl Into<String>) -> AccountError {
    AccountError::Invalid { field, message: message.into() }
}

/// Writes one audit entry.
pub async fn audit(
    store: &Store,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    purpose: &str,
    details: Value,
) -> Result<(), StoreError> {
    store
        .audit()
        .append_audit(&NewAuditEntry {
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            purpose: purpose.to_string(),
            details,
        })
        .await
        .map(|_| ())
}

/// A plausible email address: one @, something either side, a dot in the domain, no spaces.
pub fn check_email(email: &str) -> Result<String, AccountError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok { Ok(e) } else { Err(invalid("email", "Enter an email address in the right form, like name@example.org.")) }
}

fn check_name(field: &'static str, what: &str, name: &str) -> Result<String, AccountError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(invalid(field, format!("Enter {what}.")));
    }
    if n.chars().count() > 200 || n.chars().any(char::is_control) {
        return Err(invalid(field, format!("{} must be at most 200 characters, on one line.", capitalise(what))));
    }
    Ok(n.to_string())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Adds an organisation placed at `reach` (installation administrators and
/// the command line).
pub async fn add_organisation(
    store: &Store,
    by: &By<'_>,
    name: &str,
    kind: OrgKind,
    reach: &Reach,
) -> Result<Organisation, AccountError> {
    store.authorise(by, Permission::ManageOrganisations, Target::Installation).await?;
    let name = check_name("name", "the organisation's name", name)?;
    let org = store.accounts().create_organisation(&name, kind, reach, by).await.map_err(|e| match e {
        StoreError::Conflict(m) => invalid("name", format!("{}.", capitalise(&m))),
        StoreError::Invalid(m) => invalid("reach", format!("{}.", capitalise(&m))),
        e => e.into(),
    })?;
    Ok(org)
}

/// What is needed to create an account.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organisation_id: i64,
    pub role: Role,
    pub password: &'a str,
}

/// Adds an account to an organisation the caller administers. The caller's
/// power over that organisation and role is checked before the input.
pub async fn add_user(
    store: &Store,
    by: &By<'_>,
    a: &NewAccount<'_>,
    policy: &PasswordPolicy,
) -> Result<UserRecord, AccountError> {
    let target = Target::Account { organisation_id: a.organisation_id, role: a.role };
    store.authorise(by, Permission::ManageUsers, target).await?;
    let email = check_email(a.email)?;
    let display_name = check_name("display_name", "the person's name", a.display_name)?;
    if store.accounts().organisation(a.organisation_id).await?.is_none() {
        return Err(invalid("organisation", "Choose an organisation that exists."));
    }
    policy.check(a.password, &email).map_err(|p| invalid("password", p.to_string()))?;
    let hash = secrets::hash_password_blocking(a.password.to_string()).await?;
    let new = NewUser {
        email: &email,
        display_name: &display_name,
        organisation_id: a.organisation_id,
        role: a.role,
        password_hash: &hash,
    };
    let user = store.accounts().create_user(&new, by).await.map_err(|e| match e {
        StoreError::Conflict(m) => invalid("email", format!("{}.", capitalise(&m))),
        e => e.into(),
    })?;
    Ok(user)
}

/// Sets a new password for an account the caller administers (checked
/// before the password is).
pub async fn reset_password(
    store: &Store,
    by: &By<'_>,
    user_id: i64,
    password: &str,
    policy: &PasswordPolicy,
) -> Result<UserRecord, AccountError> {
    let user = store.accounts().user_to_change(user_id, by).await?;
    policy.check(password, &user.email).map_err(|p| invalid("password", p.to_string()))?;
    let hash = secrets::hash_password_blocking(password.to_string()).await?;
    store.accounts().set_password_hash(user_id, &hash, by).await?;
    Ok(user)
}

pub async fn set_disabled(store: &Store, by: &By<'_>, user_id: i64, disabled: bool) -> Result<(), AccountError> {
    store.accounts().set_user_disabled(user_id, disabled, by).await?;
    Ok(())
}

/// Issues an API token for `user`. The token is returned once and only its
/// hash is kept.
pub async fn issue_api_token(
    store: &Store,
    by: &By<'_>,
    user: &UserRecord,
    name: &str,
) -> Result<(String, ApiTokenRecord), AccountError> {
    let name = check_name("name", "a name for the token", name)?;
    if user.disabled {
        return Err(invalid("email", format!("The account {} is disabled.", user.email)));
    }
    let token = secrets::new_api_token()?;
    let record = store.accounts().create_api_token(user.id, &name, &secrets::token_hash(&token), by).await?;
    Ok((token, record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(check_email(" Alice@Example.ORG ").unwrap(), "alice@example.org");
        for bad in
            ["", "alice", "@example.org", "alice@", "alice@example", "a b@example.org", "a@b@c.org", "a@.org", "a@org."]
        {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(check_name("name", "a name", "  Bedford  ").unwrap(), "Bedford");
        assert_eq!(check_name("name", "a name", " ").unwrap_err().to_string(), "Enter a name.");
        assert!(check_name("name", "a name", &"x".repeat(201)).is_err());
        assert!(check_name("name", "a name", "two\nlines").is_err());
    }
}
