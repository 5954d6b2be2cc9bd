//! Organisations, user accounts, sessions and API tokens.
//!
//! Secrets never reach this layer in the clear: callers pass the argon2id
//! PHC string of a password and the SHA-256 of a session or API token.

use chrono::{DateTime, Utc};
use peel_core::access::time;
use peel_core::access::{LoginState, OrgKind, Role};

use serde_json::json;

use crate::audit::{By, append_audit_in};
use crate::{Store, StoreError, on_db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: String,
}

/// A user account as stored (with its organisation's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub role: Role,
    pub password_hash: String,
    pub login: LoginState,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organisation_id: i64,
    pub role: Role,
    pub password_hash: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: String,
    pub expires_at: String,
    /// Moves on each use; see [`Store::live_session`].
    pub last_seen_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

type OrgRow = (i64, String, String, String);
type UserRow = (i64, String, String, i64, String, String, String, i64, Option<String>, Option<String>, bool, String);
type TokenRow = (i64, i64, String, String, Option<String>, bool);

const USER_SELECT: &str = "SELECT u.id, u.email, u.display_name, u.organisation_id, o.name, u.role, u.password_hash, \
     u.failed_attempts, u.failed_since, u.locked_until, u.disabled, u.created_at \
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

fn org_from_row(r: OrgRow) -> Result<Organisation, StoreError> {
    let kind = r.2.parse().map_err(|e| StoreError::Corrupt(format!("organisation {}: {e}", r.0)))?;
    Ok(Organisation { id: r.0, name: r.1, kind, created_at: r.3 })
}

fn user_from_row(r: UserRow) -> Result<UserRecord, StoreError> {
    let role = r.5.parse().map_err(|e| StoreError::Corrupt(format!("user {}: {e}", r.0)))?;
    let when = |s: Option<String>, what: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        s.map(|s| time::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("user {}: bad {what} {s:?}", r.0))))
            .transpose()
    };
    Ok(UserRecord {
        id: r.0,
        email: r.1,
        display_name: r.2,
        organisation_id: r.3,
        organisation_name: r.4,
        role,
        password_hash: r.6,
        login: LoginState {
            failed_attempts: u32::try_from(r.7).unwrap_or(u32::MAX),
            failed_since: when(r.8, "failed_since")?,
            locked_until: when(r.9, "locked_until")?,
        },
        disabled: r.10,
        created_at: r.11,
    })
}

fn token_from_row(r: TokenRow) -> ApiTokenRecord {
    ApiTokenRecord { id: r.0, user_id: r.1, name: r.2, created_at: r.3, last_used_at: r.4, revoked: r.5 }
}

/// Turns a unique-constraint failure into [`StoreError::Conflict`] with `what`.
fn conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what()),
        _ => StoreError::Sqlx(e),
    }
}

impl Store {
    // ---- organisations -------------------------------------------------

    /// Adds an organisation (audited as `organisation.create`).
    pub async fn create_organisation(
        &self,
        name: &str,
        kind: OrgKind,
        by: &By<'_>,
    ) -> Result<Organisation, StoreError> {
        let name = name.trim();
        let row: OrgRow = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: OrgRow = sqlx::query_as(
                "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id, name, kind, created_at",
            )
            .bind(name)
            .bind(kind.slug())
            .bind(time::format(by.at))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict(e, || format!("an organisation called {name:?} already exists")))?;
            let entry = by.entry("organisation.create", format!("organisation:{}", row.0), json!({ "name": row.1, "kind": row.2 }));
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            row
        });
        org_from_row(row)
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrgRow> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, name, kind, created_at FROM organisations ORDER BY lower(name), id").fetch_all(pool).await?
        });
        rows.into_iter().map(org_from_row).collect()
    }

    pub async fn organisation(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, name, kind, created_at FROM organisations WHERE id = $1").bind(id).fetch_optional(pool).await?
        });
        row.map(org_from_row).transpose()
    }

    /// Finds an organisation by name, ignoring case.
    pub async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, name, kind, created_at FROM organisations WHERE lower(name) = lower($1)")
                .bind(name.trim())
                .fetch_optional(pool)
                .await?
        });
        row.map(org_from_row).transpose()
    }

    // ---- users ---------------------------------------------------------

    /// Creates an account (audited as `user.create`). The email is stored lower-case.
    pub async fn create_user(&self, u: &NewUser<'_>, by: &By<'_>) -> Result<UserRecord, StoreError> {
        let email = u.email.trim().to_lowercase();
        let at = time::format(by.at);
        let id: i64 = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, organisation_id, role, password_hash, created_at, password_set_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(&email)
            .bind(u.display_name.trim())
            .bind(u.organisation_id)
            .bind(u.role.slug())
            .bind(u.password_hash)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict(e, || format!("a user with the email address {email} already exists")))?;
            let details = json!({ "email": email, "role": u.role.slug(), "organisation_id": u.organisation_id });
            let entry = by.entry("user.create", format!("user:{id}"), details);
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            id
        });
        self.user(id).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1"));
        let row: Option<UserRow> = on_db!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.map(user_from_row).transpose()
    }

    /// Finds an account by email address, ignoring case.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.email = $1"));
        let email = email.trim().to_lowercase();
        let row: Option<UserRow> = on_db!(self, pool => {
            sqlx::query_as(sql).bind(&email).fetch_optional(pool).await?
        });
        row.map(user_from_row).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} ORDER BY u.email"));
        let rows: Vec<UserRow> = on_db!(self, pool => { sqlx::query_as(sql).fetch_all(pool).await? });
        rows.into_iter().map(user_from_row).collect()
    }

    /// Records the outcome of a sign-in attempt.
    pub async fn set_login_state(&self, user_id: i64, s: &LoginState) -> Result<(), StoreError> {
        on_db!(self, pool => {
            sqlx::query("UPDATE users SET failed_attempts = $2, failed_since = $3, locked_until = $4 WHERE id = $1")
                .bind(user_id)
                .bind(i64::from(s.failed_attempts))
                .bind(s.failed_since.map(time::format))
                .bind(s.locked_until.map(time::format))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Applies `change` to the account's sign-in state and stores the result,
    /// atomically: concurrent sign-in attempts are serialised, so none is
    /// lost from the lock-out count. Returns the state before and after, or
    /// `None` if there is no such account.
    pub async fn update_login_state(
        &self,
        user_id: i64,
        change: impl FnOnce(LoginState) -> LoginState,
    ) -> Result<Option<(LoginState, LoginState)>, StoreError> {
        let result = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // A write first, so the row (PostgreSQL) or database (SQLite) is
            // locked before the state is read.
            sqlx::query("UPDATE users SET failed_attempts = failed_attempts WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let row: Option<(i64, Option<String>, Option<String>)> =
                sqlx::query_as("SELECT failed_attempts, failed_since, locked_until FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match row {
                None => None,
                Some((attempts, since, until)) => {
                    let parse = |s: Option<String>| -> Result<Option<DateTime<Utc>>, StoreError> {
                        s.map(|s| time::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("user {user_id}: bad time {s:?}"))))
                            .transpose()
                    };
                    let before = LoginState {
                        failed_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                        failed_since: parse(since)?,
                        locked_until: parse(until)?,
                    };
                    let after = change(before);
                    sqlx::query("UPDATE users SET failed_attempts = $2, failed_since = $3, locked_until = $4 WHERE id = $1")
                        .bind(user_id)
                        .bind(i64::from(after.failed_attempts))
                        .bind(after.failed_since.map(time::format))
                        .bind(after.locked_until.map(time::format))
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Some((before, after))
                }
            }
        });
        Ok(result)
    }

    /// Disables or re-enables an account (audited as `user.disable` or
    /// `user.enable`). Disabling ends its sessions and revokes its API tokens.
    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool, by: &By<'_>) -> Result<(), StoreError> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                .bind(user_id)
                .bind(disabled)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            let action = if disabled { "user.disable" } else { "user.enable" };
            append_audit_in!(tx, &by.entry(action, format!("user:{user_id}"), json!({})));
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets a new password, clears any lock-out and ends every session,
    /// audited as `action` (a reset by someone else, or a change by the person).
    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        action: &str,
        by: &By<'_>,
    ) -> Result<(), StoreError> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE users SET password_hash = $2, password_set_at = $3, failed_attempts = 0, failed_since = NULL, \
                 locked_until = NULL WHERE id = $1",
            )
            .bind(user_id)
            .bind(hash)
            .bind(time::format(by.at))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            append_audit_in!(tx, &by.entry(action, format!("user:{user_id}"), json!({})));
            tx.commit().await?;
        });
        Ok(())
    }

    // ---- sessions ------------------------------------------------------

    pub async fn create_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(&s.created_at)
            .bind(&s.expires_at)
            .bind(&s.last_seen_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with this token hash, marked as used at `now`. A
    /// session is live until `expires_at`, and while it was last used after
    /// `idle_since` (so `now - idle timeout`).
    pub async fn live_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<(String, i64, String, String, String, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "UPDATE sessions SET last_seen_at = $2 \
                 WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3 \
                 RETURNING token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at",
            )
            .bind(token_hash)
            .bind(time::format(now))
            .bind(time::format(idle_since))
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|r| SessionRecord {
            token_hash: r.0,
            user_id: r.1,
            csrf_token: r.2,
            created_at: r.3,
            expires_at: r.4,
            last_seen_at: r.5,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(time::format(now)).execute(pool).await?.rows_affected()
        });
        Ok(n)
    }

    // ---- API tokens ----------------------------------------------------

    /// Stores a new API token's hash (audited as `api_token.create`).
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        by: &By<'_>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let row: TokenRow = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: TokenRow = sqlx::query_as(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING id, user_id, name, created_at, last_used_at, revoked",
            )
            .bind(user_id)
            .bind(name.trim())
            .bind(token_hash)
            .bind(time::format(by.at))
            .fetch_one(&mut *tx)
            .await?;
            let entry = by.entry("api_token.create", format!("user:{user_id}"), json!({ "token_id": row.0, "name": row.2 }));
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            row
        });
        Ok(token_from_row(row))
    }

    /// The unrevoked token with this hash, marking it used at `now`.
    pub async fn use_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiTokenRecord>, StoreError> {
        let row: Option<TokenRow> = on_db!(self, pool => {
            sqlx::query_as(
                "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND NOT revoked \
                 RETURNING id, user_id, name, created_at, last_used_at, revoked",
            )
            .bind(token_hash)
            .bind(time::format(now))
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(token_from_row))
    }

    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let rows: Vec<TokenRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, user_id, name, created_at, last_used_at, revoked FROM api_tokens WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(token_from_row).collect())
    }

    /// Revokes a token (audited as `api_token.revoke`).
    pub async fn revoke_api_token(&self, id: i64, by: &By<'_>) -> Result<(), StoreError> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let user_id: Option<i64> = sqlx::query_scalar("UPDATE api_tokens SET revoked = TRUE WHERE id = $1 RETURNING user_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(user_id) = user_id else { return Err(StoreError::NotFound(format!("API token {id}"))) };
            append_audit_in!(tx, &by.entry("api_token.revoke", format!("user:{user_id}"), json!({ "token_id": id })));
            tx.commit().await?;
        });
        Ok(())
    }
}
