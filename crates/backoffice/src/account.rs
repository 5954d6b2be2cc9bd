//! `/account/password`: people change their own password.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Authed, Page, need};
use super::html::{self, FieldError, PageError};
use super::layout::{Chrome, render};
use crate::AppState;
use askama::Template;
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

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    chrome: Chrome,
    errors: &'a [FieldError],
}

fn password_page(status: StatusCode, a: &Authed, errors: &[FieldError]) -> Result<Response, PageError> {
    render(status, &PasswordPage { chrome: Chrome::of(a), errors })
}

pub async fn password_form(Page(a, ..): Page<need::ViewOwnAccount>) -> Result<Response, PageError> {
    password_page(StatusCode::OK, &a, &[])
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
        Err(e) => password_page(StatusCode::UNPROCESSABLE_ENTITY, &a, &html::field_errors(e)?),
    }
}
