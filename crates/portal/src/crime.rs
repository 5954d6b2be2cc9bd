//! One crime by its police.uk persistent id, with its outcome history:
//! "what happens to offenders caught".

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "crime.html")]
pub struct CrimePage {
    force_id: String,
    force_name: String,
    neighbourhood: Option<(String, String)>,
    category: &'static str,
    month: String,
    place: String,
    latest: String,
    /// The crime's own record gives an outcome, whether or not any outcome records were published.
    has_outcome: bool,
    persistent_id: String,
    history: Vec<(String, &'static str)>,
}

pub async fn page(State(state): State<AppState>, Path(persistent_id): Path<String>) -> Result<Response, PageError> {
    let missing = || PageError::not_found(format!("a crime with reference “{persistent_id}”"));
    if persistent_id.len() != 64 || !persistent_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let data = state.index.current();
    let crime = data.crime(&persistent_id).ok_or_else(missing)?;
    let history = crime.history();
    let force_id = crime.force_id().to_string();
    let force_name = data.geography().force(&force_id).map_or(force_id.clone(), |f| f.force.name.clone());
    let point = crime.point().and_then(|p| data.point(p));
    let neighbourhood = point
        .and_then(|(_, at, _)| data.locate(at))
        .and_then(|n| data.geography().neighbourhood(&n.force_id, &n.neighbourhood_id))
        .map(|d| {
            (
                format!("/neighbourhoods/{}/{}", d.neighbourhood.force_id, d.neighbourhood.id),
                d.neighbourhood.name.clone(),
            )
        });
    let status = crime.outcome_status();
    let latest = match status {
        Some((o, m)) => format!("{} ({})", o.name(), m.long_name()),
        None => "No outcome published".into(),
    };
    render(&CrimePage {
        force_id,
        force_name,
        neighbourhood,
        category: crime.category().name(),
        month: crime.month().long_name(),
        place: point.map_or("No location was published".into(), |(_, _, street)| street.to_string()),
        latest,
        has_outcome: status.is_some(),
        persistent_id,
        history: history.into_iter().map(|(m, o)| (m.long_name(), o.name())).collect(),
    })
}
