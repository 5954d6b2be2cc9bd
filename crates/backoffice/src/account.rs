//! `/account/password`: people change their own password.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::auth::{Authed, Page, need};
use super::html::{self, FieldError, PageError};
use crate::AppState;
use peel_usecases::accounts::audit;
use peel_usecases::secrets;

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

fn password_page(a: &Authed, errors: &[FieldError]) -> String {
    let body = format!(
        "{summary}<p>Your new password must be at least 12 characters long and must not contain your email address. \
         Changing it signs you out everywhere, and you then sign in with the new one.</p>\
         <form method=\"post\" action=\"/account/password\" novalidate>{csrf}{current}{new}{confirm}\
         <button type=\"submit\">Change password</button></form>",
        summary = html::error_summary(errors),
        csrf = html::csrf_field(a.csrf()),
        current = html::input("current_password", "Current password", "password", "", "current-password", errors),
        new = html::input("new_password", "New password", "password", "", "new-password", errors),
        confirm = html::input("confirm_password", "New password again", "password", "", "new-password", errors),
    );
    html::page("Change your password", Some(a), &body)
}

pub async fn password_form(Page(a, ..): Page<need::ViewOwnAccount>) -> Response {
    html::respond(StatusCode::OK, password_page(&a, &[]))
}

fn problem(field: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError { field: field.into(), message: message.into() }]
}

/// Checks the current password (counted towards the lock-out like a
/// sign-in), then the new one, then stores it and ends every session.
pub async fn change_password(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewOwnAccount>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let store = &state.store;
    let now = bo.now();
    let policy = bo.lockout;
    let reserved = store
        .update_login_state(a.user.id, |s| if s.is_locked(now) { s } else { policy.after_failure(s, now) })
        .await?;
    let usable = reserved.is_some_and(|(before, _)| !before.is_locked(now));
    let phc = Some(a.user.password_hash.clone()).filter(|_| usable);
    let ok = secrets::verify_password_blocking(form.current_password.clone(), phc).await;
    let subject = format!("user:{}", a.user.id);
    if !ok {
        audit(store, now, &a.actor(), "user.password_change_failed", &subject, "security", json!({})).await?;
        let errors = if usable {
            problem("current_password", "Your current password is not right.")
        } else {
            problem(
                "current_password",
                format!("Too many wrong attempts. Try again in {} minutes.", bo.lockout.lock_for.num_minutes()),
            )
        };
        return Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, password_page(&a, &errors)));
    }
    store.set_login_state(a.user.id, &policy.after_success()).await?;
    let errors = if let Err(p) = bo.password_policy.check(&form.new_password, &a.user.email) {
        problem("new_password", p.to_string())
    } else if form.new_password != form.confirm_password {
        problem("confirm_password", "The two new passwords are different.")
    } else if form.new_password == form.current_password {
        problem("new_password", "The new password must be different from the current one.")
    } else {
        vec![]
    };
    if !errors.is_empty() {
        return Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, password_page(&a, &errors)));
    }
    let hash = secrets::hash_password_blocking(form.new_password.clone())
        .await
        .map_err(|e| crate::WebError::Internal(e.to_string()))?;
    store.set_password_hash(a.user.id, &hash, &a.by("security", now)).await?;
    Ok(Redirect::to("/login?changed=1").into_response())
}
