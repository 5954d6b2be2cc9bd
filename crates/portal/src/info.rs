//! About, accessibility, and how to complain and escalate: prose pages, so
//! their words live in templates (where a translator or editor finds them),
//! not in Rust.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::lookup::force_or_404;
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "about.html")]
struct About;

#[derive(Template)]
#[template(path = "accessibility.html")]
struct Accessibility;

#[derive(Template)]
#[template(path = "complain.html")]
struct Complain {
    force_id: String,
    name: String,
    /// The force's non-emergency number (101 where it gives none).
    phone: String,
}

pub async fn about() -> Result<Response, PageError> {
    render(&About)
}

pub async fn accessibility() -> Result<Response, PageError> {
    render(&Accessibility)
}

pub async fn complain(State(state): State<AppState>, Path(force_id): Path<String>) -> Result<Response, PageError> {
    let data = state.index.current();
    let force = force_or_404(&data, &force_id)?;
    let phone = force.telephone.clone().unwrap_or_else(|| "101".into());
    render(&Complain { name: force.name.clone(), phone, force_id })
}
