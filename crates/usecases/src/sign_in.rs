//! Signing in and changing one's own password: the lock-out rule, applied
//! the same way to both, and the audit entries each outcome leaves.
//!
//! Every attempt is counted before the password is checked, atomically, so
//! parallel guesses cannot get past the lock-out limit; and a sign-in with an
//! unknown address does the same database work as one with a real address,
//! so timing does not tell which addresses exist.

use chrono::{DateTime, Duration, Utc};
use peel_core::access::{LockoutPolicy, PasswordPolicy, time};
use peel_store::{By, SessionRecord, Store, StoreError, UserRecord};
use serde_json::json;

use crate::accounts::{AccountError, audit};
use crate::secrets;

/// A password checked under the lock-out rule.
struct Checked {
    /// The password is right and the account was not locked.
    ok: bool,
    /// The account was not locked before this attempt.
    usable: bool,
    /// This (wrong) attempt locked the account until then.
    locked_until: Option<DateTime<Utc>>,
}

async fn check(
    store: &Store,
    lockout: LockoutPolicy,
    user: Option<&UserRecord>,
    password: String,
    now: DateTime<Utc>,
) -> Result<Checked, StoreError> {
    let reserved = match user {
        Some(u) if !u.disabled => {
            store
                .accounts()
                .update_login_state(u.id, |s| if s.is_locked(now) { s } else { lockout.after_failure(s, now) })
                .await?
        }
        _ => {
            store.accounts().update_login_state(-1, |s| s).await?;
            None
        }
    };
    let usable = reserved.is_some_and(|(before, _)| !before.is_locked(now));
    let phc = user.filter(|_| usable).map(|u| u.password_hash.clone());
    let ok = secrets::verify_password_blocking(password, phc).await;
    if let (Some(u), true) = (user, ok) {
        store.accounts().set_login_state(u.id, &lockout.after_success()).await?;
    }
    let locked_until = match reserved {
        Some((_, after)) if usable && !ok && after.is_locked(now) => after.locked_until,
        _ => None,
    };
    Ok(Checked { ok, usable, locked_until })
}

/// What a sign-in came to.
#[derive(Debug)]
pub enum SignIn {
    /// A new session: `token` goes in the cookie (only its hash is stored).
    Started { token: String, user_id: i64 },
    /// Refused, for a reason the person is deliberately not told.
    Refused,
}

/// Signs `email` in with `password`: checks it under the lock-out rule,
/// audits the outcome, and on success replaces any session `old_token`
/// named with a new one lasting `session_ttl`.
pub async fn sign_in(
    store: &Store,
    lockout: LockoutPolicy,
    session_ttl: Duration,
    email: &str,
    password: String,
    old_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SignIn, AccountError> {
    let user = if email.trim().is_empty() { None } else { store.accounts().user_by_email(email).await? };
    let checked = check(store, lockout, user.as_ref(), password, now).await?;
    let subject = user.as_ref().map_or("user:unknown".to_string(), |u| format!("user:{}", u.id));
    let user = match user {
        Some(u) if checked.ok => u,
        user => {
            let details = match (&user, checked.usable) {
                (Some(u), false) => json!({ "refused": if u.disabled { "disabled" } else { "locked" } }),
                _ => json!({}),
            };
            if let Some(until) = checked.locked_until {
                let locked = json!({ "locked_until": time::format(until) });
                audit(store, now, "anonymous", "auth.locked", &subject, "security", locked).await?;
            }
            audit(store, now, "anonymous", "auth.login_failed", &subject, "security", details).await?;
            return Ok(SignIn::Refused);
        }
    };
    // Housekeeping: sign-ins are rare enough to sweep expired sessions.
    store.accounts().delete_expired_sessions(now).await?;
    // A fresh token on every sign-in: any token planted before is useless.
    if let Some(old) = old_token {
        store.accounts().delete_session(&secrets::token_hash(old)).await?;
    }
    let token = secrets::random_token()?;
    store
        .accounts()
        .create_session(&SessionRecord {
            token_hash: secrets::token_hash(&token),
            user_id: user.id,
            csrf_token: secrets::random_token()?,
            created_at: time::format(now),
            expires_at: time::format(now + session_ttl),
            last_seen_at: time::format(now),
        })
        .await?;
    let actor = format!("user:{}", user.email);
    audit(store, now, &actor, "auth.login", &subject, "security", json!({})).await?;
    Ok(SignIn::Started { token, user_id: user.id })
}

/// A new password, as typed twice, with the current one.
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes `user`'s own password: the current one is checked first, counted
/// towards the lock-out like a sign-in, then the new one against `policy`.
/// A refusal is [`AccountError::Invalid`] naming the field to fix.
pub async fn change_password(
    store: &Store,
    lockout: LockoutPolicy,
    policy: &PasswordPolicy,
    user: &UserRecord,
    by: &By<'_>,
    change: PasswordChange,
) -> Result<(), AccountError> {
    let now = by.at;
    let checked = check(store, lockout, Some(user), change.current.clone(), now).await?;
    if !checked.ok {
        let subject = format!("user:{}", user.id);
        audit(store, now, by.actor(), "user.password_change_failed", &subject, "security", json!({})).await?;
        let message = if checked.usable {
            "Your current password is not right.".to_string()
        } else {
            format!("Too many wrong attempts. Try again in {} minutes.", lockout.lock_for.num_minutes())
        };
        return Err(AccountError::Invalid { field: "current_password", message });
    }
    let invalid = |field, message: String| Err(AccountError::Invalid { field, message });
    if let Err(p) = policy.check(&change.new, &user.email) {
        return invalid("new_password", p.to_string());
    }
    if change.new != change.confirm {
        return invalid("confirm_password", "The two new passwords are different.".into());
    }
    if change.new == change.current {
        return invalid("new_password", "The new password must be different from the current one.".into());
    }
    let hash = secrets::hash_password_blocking(change.new).await?;
    store.accounts().set_password_hash(user.id, &hash, by).await?;
    Ok(())
}
