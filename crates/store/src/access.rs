//! Organisations, user accounts, sessions and API tokens.
//!
//! Secrets never reach this layer in the clear: callers pass the argon2id
//! PHC string of a password and the SHA-256 of a session or API token.

use chrono::{DateTime, Utc};
use peel_core::access::time;
use peel_core::access::{Account, Caller, LoginState, OrgKind, Partnership, Permission, Reach, Role, Target};

use serde_json::json;

use crate::audit::{By, append_audit_in};
use crate::handles::Accounts;
use crate::{StoreError, on_db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: String,
    /// What its staff reach: a force's organisation its force, another's
    /// the partnerships it belongs to ([`Reach::Unset`]: a force nobody has
    /// placed yet).
    pub reach: Reach,
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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: String,
    pub expires_at: String,
    /// Moves on each use; see [`Accounts::live_session`].
    pub last_seen_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    name: String,
    kind: String,
    created_at: String,
    force_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    organisation_id: i64,
    organisation_name: String,
    role: String,
    password_hash: String,
    failed_attempts: i64,
    failed_since: Option<String>,
    locked_until: Option<String>,
    disabled: bool,
    created_at: String,
}

/// An account's sign-in state as stored.
#[derive(sqlx::FromRow)]
struct LoginRow {
    failed_attempts: i64,
    failed_since: Option<String>,
    locked_until: Option<String>,
}

const USER_SELECT: &str = "SELECT u.id, u.email, u.display_name, u.organisation_id, o.name AS organisation_name, \
     u.role, u.password_hash, u.failed_attempts, u.failed_since, u.locked_until, u.disabled, u.created_at \
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

const ORG_SELECT: &str = "SELECT id, name, kind, created_at, force_id FROM organisations";

/// An organisation from its row and the partnerships it belongs to.
fn org_from_row(r: OrgRow, partnerships: Vec<Partnership>) -> Result<Organisation, StoreError> {
    let kind: OrgKind = r.kind.parse().map_err(|e| StoreError::Corrupt(format!("organisation {}: {e}", r.id)))?;
    let reach = match (kind, r.force_id) {
        (OrgKind::Force, Some(f)) => Reach::Force(f),
        (OrgKind::Force, None) => Reach::Unset,
        _ => Reach::Partnerships(partnerships),
    };
    Ok(Organisation { id: r.id, name: r.name, kind, created_at: r.created_at, reach })
}

impl LoginRow {
    fn state(self, user_id: i64) -> Result<LoginState, StoreError> {
        let when = |s: Option<String>| -> Result<Option<DateTime<Utc>>, StoreError> {
            s.map(|s| time::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("user {user_id}: bad time {s:?}"))))
                .transpose()
        };
        Ok(LoginState {
            failed_attempts: u32::try_from(self.failed_attempts).unwrap_or(u32::MAX),
            failed_since: when(self.failed_since)?,
            locked_until: when(self.locked_until)?,
        })
    }
}

fn user_from_row(r: UserRow) -> Result<UserRecord, StoreError> {
    let role = r.role.parse().map_err(|e| StoreError::Corrupt(format!("user {}: {e}", r.id)))?;
    let login =
        LoginRow { failed_attempts: r.failed_attempts, failed_since: r.failed_since, locked_until: r.locked_until }
            .state(r.id)?;
    Ok(UserRecord {
        id: r.id,
        email: r.email,
        display_name: r.display_name,
        organisation_id: r.organisation_id,
        organisation_name: r.organisation_name,
        role,
        password_hash: r.password_hash,
        login,
        disabled: r.disabled,
        created_at: r.created_at,
    })
}

/// A reach as the audit log records it.
fn reach_json(r: &Reach) -> serde_json::Value {
    match r {
        Reach::Force(f) => json!({ "force": f }),
        Reach::Partnerships(ps) => json!({ "partnerships": ps.iter().map(ToString::to_string).collect::<Vec<_>>() }),
        Reach::Installation => json!("installation"),
        Reach::Unset => json!(null),
    }
}

/// Turns a unique-constraint failure into [`StoreError::Conflict`] with `what`.
fn conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what()),
        _ => StoreError::Sqlx(e),
    }
}

impl Accounts<'_> {
    // ---- organisations -------------------------------------------------

    /// Adds an organisation placed at `reach` (audited as
    /// `organisation.create`): installation administrators and the command
    /// line only.
    pub async fn create_organisation(
        self,
        name: &str,
        kind: OrgKind,
        reach: &Reach,
        by: &By<'_>,
    ) -> Result<Organisation, StoreError> {
        self.0.authorise(by, Permission::ManageOrganisations, Target::Installation).await?;
        let name = name.trim();
        let (force_id, partnerships) = self.check_placement(kind, reach).await?;
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO organisations (name, kind, created_at, force_id) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(name)
            .bind(kind.slug())
            .bind(time::format(by.at))
            .bind(&force_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict(e, || format!("an organisation called {name:?} already exists")))?;
            for p in &partnerships {
                sqlx::query("INSERT INTO organisation_partnerships (organisation_id, force_id, csp_id) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&p.force_id)
                    .bind(&p.csp_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let details = json!({ "name": name, "kind": kind.slug(), "reach": reach_json(reach) });
            append_audit_in!(tx, &by.entry("organisation.create", format!("organisation:{id}"), details));
            tx.commit().await?;
            id
        });
        self.organisation(id).await?.ok_or_else(|| StoreError::NotFound(format!("organisation {id}")))
    }

    /// Places an organisation anew: the force it is, or the partnerships it
    /// belongs to (audited as `organisation.reach`, with the reach before).
    pub async fn set_organisation_reach(self, id: i64, reach: &Reach, by: &By<'_>) -> Result<Organisation, StoreError> {
        self.0.authorise(by, Permission::ManageOrganisations, Target::Installation).await?;
        let org = self.organisation(id).await?.ok_or_else(|| StoreError::NotFound(format!("organisation {id}")))?;
        let (force_id, partnerships) = self.check_placement(org.kind, reach).await?;
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE organisations SET force_id = $2 WHERE id = $1").bind(id).bind(&force_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM organisation_partnerships WHERE organisation_id = $1").bind(id).execute(&mut *tx).await?;
            for p in &partnerships {
                sqlx::query("INSERT INTO organisation_partnerships (organisation_id, force_id, csp_id) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&p.force_id)
                    .bind(&p.csp_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let details = json!({ "before": reach_json(&org.reach), "after": reach_json(reach) });
            append_audit_in!(tx, &by.entry("organisation.reach", format!("organisation:{id}"), details));
            tx.commit().await?;
        });
        self.organisation(id).await?.ok_or_else(|| StoreError::NotFound(format!("organisation {id}")))
    }

    /// The force id and partnerships to store for an organisation of `kind`
    /// placed at `reach`, or why it cannot be placed there.
    async fn check_placement(
        self,
        kind: OrgKind,
        reach: &Reach,
    ) -> Result<(Option<String>, Vec<Partnership>), StoreError> {
        match (kind, reach) {
            (OrgKind::Force, Reach::Force(f)) => match peel_core::force::by_id(f) {
                Some(known) => Ok((Some(known.id.to_string()), vec![])),
                None => Err(StoreError::Invalid(format!(
                    "there is no police force {f:?}: give its police.uk id, such as bedfordshire or city-of-london"
                ))),
            },
            (OrgKind::Force, Reach::Unset) => Ok((None, vec![])),
            (OrgKind::Force, _) => {
                Err(StoreError::Invalid("a police force's organisation reaches its force: give the force's id".into()))
            }
            (_, Reach::Partnerships(ps)) => {
                let mut ps = ps.clone();
                ps.sort();
                ps.dedup();
                for p in &ps {
                    if !self.csp_exists(&p.force_id, &p.csp_id).await? {
                        return Err(StoreError::Invalid(format!(
                            "there is no partnership {p} (force/partnership): import the partnerships first \
                             (peel import data/sample/areas, or your own areas file)"
                        )));
                    }
                }
                Ok((None, ps))
            }
            (_, Reach::Unset) => Ok((None, vec![])),
            (k, _) => Err(StoreError::Invalid(format!(
                "a {} belongs to community safety partnerships, not to a force: give its partnerships",
                k.label().to_lowercase()
            ))),
        }
    }

    async fn csp_exists(self, force_id: &str, csp_id: &str) -> Result<bool, StoreError> {
        let n: i64 = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM csps WHERE force_id = $1 AND id = $2")
                .bind(force_id)
                .bind(csp_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n > 0)
    }

    /// Every organisation's partnerships, by organisation.
    async fn partnerships_by_org(self, org: Option<i64>) -> Result<Vec<(i64, Partnership)>, StoreError> {
        let rows: Vec<(i64, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT organisation_id, force_id, csp_id FROM organisation_partnerships \
                 WHERE ($1 IS NULL OR organisation_id = $1) ORDER BY organisation_id, force_id, csp_id",
            )
            .bind(org)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(o, force_id, csp_id)| (o, Partnership { force_id, csp_id })).collect())
    }

    async fn orgs_from_rows(self, rows: Vec<OrgRow>, only: Option<i64>) -> Result<Vec<Organisation>, StoreError> {
        let mut all = self.partnerships_by_org(only).await?;
        rows.into_iter()
            .map(|r| {
                let mine = all.iter().filter(|(o, _)| *o == r.id).map(|(_, p)| p.clone()).collect();
                all.retain(|(o, _)| *o != r.id);
                org_from_row(r, mine)
            })
            .collect()
    }

    /// Every organisation (names and kinds are not personal data: cases are
    /// shared by choosing one).
    pub async fn organisations(self) -> Result<Vec<Organisation>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{ORG_SELECT} ORDER BY lower(name), id"));
        let rows: Vec<OrgRow> = on_db!(self.0, pool => { sqlx::query_as(sql).fetch_all(pool).await? });
        self.orgs_from_rows(rows, None).await
    }

    /// The organisations `caller` may add accounts to: their own, or all of
    /// them for the installation's administrators and the command line.
    pub async fn organisations_for(self, caller: &Caller) -> Result<Vec<Organisation>, StoreError> {
        let all = self.organisations().await?;
        Ok(all
            .into_iter()
            .filter(|o| caller.authorise(Permission::ManageUsers, Target::Organisation(o.id)).is_ok())
            .collect())
    }

    pub async fn organisation(self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{ORG_SELECT} WHERE id = $1"));
        let row: Option<OrgRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        match row {
            Some(r) => Ok(self.orgs_from_rows(vec![r], Some(id)).await?.pop()),
            None => Ok(None),
        }
    }

    /// Finds an organisation by name, ignoring case.
    pub async fn organisation_by_name(self, name: &str) -> Result<Option<Organisation>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{ORG_SELECT} WHERE lower(name) = lower($1)"));
        let row: Option<OrgRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(name.trim()).fetch_optional(pool).await?
        });
        match row {
            Some(r) => {
                let id = r.id;
                Ok(self.orgs_from_rows(vec![r], Some(id)).await?.pop())
            }
            None => Ok(None),
        }
    }

    /// The caller an account acts as: its role, and its organisation's reach.
    pub async fn caller_for(self, user: &UserRecord) -> Result<Caller, StoreError> {
        let org = self
            .organisation(user.organisation_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {} has no organisation", user.id)))?;
        Ok(Caller::Account(Account::new(user.id, &user.email, org.id, &org.name, user.role, org.reach)))
    }

    // ---- users ---------------------------------------------------------

    /// Creates an account (audited as `user.create`), in an organisation
    /// the caller administers. The email is stored lower-case.
    pub async fn create_user(self, u: &NewUser<'_>, by: &By<'_>) -> Result<UserRecord, StoreError> {
        let target = Target::Account { organisation_id: u.organisation_id, role: u.role };
        self.0.authorise(by, Permission::ManageUsers, target).await?;
        let email = u.email.trim().to_lowercase();
        let at = time::format(by.at);
        let id: i64 = on_db!(self.0, pool => {
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

    pub async fn user(self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1"));
        let row: Option<UserRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.map(user_from_row).transpose()
    }

    /// Finds an account by email address, ignoring case.
    pub async fn user_by_email(self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.email = $1"));
        let email = email.trim().to_lowercase();
        let row: Option<UserRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(&email).fetch_optional(pool).await?
        });
        row.map(user_from_row).transpose()
    }

    /// The accounts `by`'s caller administers (audited as `user.list`, as
    /// it shows personal data): their own organisation's, each
    /// organisation's administrators for the installation's, every account
    /// for the command line.
    pub async fn users(self, by: &By<'_>) -> Result<Vec<UserRecord>, StoreError> {
        self.0.authorise(by, Permission::ManageUsers, Target::Own).await?;
        let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} ORDER BY u.email"));
        let rows: Vec<UserRow> = on_db!(self.0, pool => { sqlx::query_as(sql).fetch_all(pool).await? });
        let users: Vec<UserRecord> = rows
            .into_iter()
            .map(user_from_row)
            .filter(|u| {
                u.as_ref().map_or(true, |u| {
                    by.may(
                        Permission::ManageUsers,
                        Target::Account { organisation_id: u.organisation_id, role: u.role },
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let mut details = json!({ "count": users.len() });
        if let Some(a) = by.caller.account() {
            details["organisation_id"] = a.organisation_id.into();
        }
        self.0.audit().append_audit(&by.entry("user.list", "users".into(), details)).await?;
        Ok(users)
    }

    /// One account the caller administers, for its record page (audited as
    /// `user.read`). Refused, with nothing read, for anyone else's.
    pub async fn managed_user(self, id: i64, by: &By<'_>) -> Result<UserRecord, StoreError> {
        let user = self.user_to_change(id, by).await?;
        self.0.audit().append_audit(&by.entry("user.read", format!("user:{id}"), json!({}))).await?;
        Ok(user)
    }

    /// Account `user_id`, if the caller may change it (an administrator of
    /// its organisation), checked before anything is read from it or changed.
    pub async fn user_to_change(self, user_id: i64, by: &By<'_>) -> Result<UserRecord, StoreError> {
        self.0.authorise(by, Permission::ManageUsers, Target::Own).await?;
        let user = self.user(user_id).await?.ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        let target = Target::Account { organisation_id: user.organisation_id, role: user.role };
        self.0.authorise(by, Permission::ManageUsers, target).await?;
        Ok(user)
    }

    /// Records the outcome of a sign-in attempt.
    pub async fn set_login_state(self, user_id: i64, s: &LoginState) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
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
        self,
        user_id: i64,
        change: impl FnOnce(LoginState) -> LoginState,
    ) -> Result<Option<(LoginState, LoginState)>, StoreError> {
        let result = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            // A write first, so the row (PostgreSQL) or database (SQLite) is
            // locked before the state is read.
            sqlx::query("UPDATE users SET failed_attempts = failed_attempts WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let row: Option<LoginRow> =
                sqlx::query_as("SELECT failed_attempts, failed_since, locked_until FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match row {
                None => None,
                Some(row) => {
                    let before = row.state(user_id)?;
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
    pub async fn set_user_disabled(self, user_id: i64, disabled: bool, by: &By<'_>) -> Result<(), StoreError> {
        self.user_to_change(user_id, by).await?;
        on_db!(self.0, pool => {
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
    /// audited as `user.password_change` when the caller changes their own,
    /// else as `user.password_reset` by an administrator of the account's
    /// organisation.
    pub async fn set_password_hash(self, user_id: i64, hash: &str, by: &By<'_>) -> Result<(), StoreError> {
        let own = by.caller.account().is_some_and(|a| a.user_id == user_id);
        let action = if own {
            self.0.authorise(by, Permission::ViewOwnAccount, Target::Own).await?;
            "user.password_change"
        } else {
            self.user_to_change(user_id, by).await?;
            "user.password_reset"
        };
        on_db!(self.0, pool => {
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

    pub async fn create_session(self, s: &SessionRecord) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
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
        self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<SessionRecord> = on_db!(self.0, pool => {
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
        Ok(row)
    }

    pub async fn delete_session(self, token_hash: &str) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired_sessions(self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = on_db!(self.0, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(time::format(now)).execute(pool).await?.rows_affected()
        });
        Ok(n)
    }

    // ---- API tokens ----------------------------------------------------

    /// Stores a new API token's hash (audited as `api_token.create`).
    pub async fn create_api_token(
        self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        by: &By<'_>,
    ) -> Result<ApiTokenRecord, StoreError> {
        self.user_to_change(user_id, by).await?;
        let row: ApiTokenRecord = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let row: ApiTokenRecord = sqlx::query_as(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING id, user_id, name, created_at, last_used_at, revoked",
            )
            .bind(user_id)
            .bind(name.trim())
            .bind(token_hash)
            .bind(time::format(by.at))
            .fetch_one(&mut *tx)
            .await?;
            let entry = by.entry("api_token.create", format!("user:{user_id}"), json!({ "token_id": row.id, "name": row.name }));
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            row
        });
        Ok(row)
    }

    /// The unrevoked token with this hash, marking it used at `now`.
    pub async fn use_api_token(
        self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiTokenRecord>, StoreError> {
        let row: Option<ApiTokenRecord> = on_db!(self.0, pool => {
            sqlx::query_as(
                "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND NOT revoked \
                 RETURNING id, user_id, name, created_at, last_used_at, revoked",
            )
            .bind(token_hash)
            .bind(time::format(now))
            .fetch_optional(pool)
            .await?
        });
        Ok(row)
    }

    pub async fn api_tokens(self, user_id: i64) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let rows: Vec<ApiTokenRecord> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT id, user_id, name, created_at, last_used_at, revoked FROM api_tokens WHERE user_id = $1 ORDER BY id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Revokes a token (audited as `api_token.revoke`).
    pub async fn revoke_api_token(self, id: i64, by: &By<'_>) -> Result<(), StoreError> {
        let owner: Option<i64> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1").bind(id).fetch_optional(pool).await?
        });
        let Some(owner) = owner else { return Err(StoreError::NotFound(format!("API token {id}"))) };
        self.user_to_change(owner, by).await?;
        on_db!(self.0, pool => {
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
