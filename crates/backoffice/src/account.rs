//! `/account/password`: people change their own password.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Authed, Page, need};
use super::html::{self, FieldError, PageError};
use crate::AppState;
use peel_usecases::sign_in::{self, PasswordChange};

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

/// Checks the current password (counted towards the lock-out like a
/// sign-in), then the new one, then stores it and ends every session.
pub async fn change_password(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewOwnAccount>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let change =
        PasswordChange { current: form.current_password, new: form.new_password, confirm: form.confirm_password };
    let by = a.by("security", bo.now());
    match sign_in::change_password(&state.store, bo.lockout, &bo.password_policy, &a.user, &by, change).await {
        Ok(()) => Ok(Redirect::to("/login?changed=1").into_response()),
        Err(e) => Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, password_page(&a, &html::field_errors(e)?))),
    }
}
