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
    persistent_id: String,
    history: Vec<(String, &'static str)>,
}

pub async fn page(State(state): State<AppState>, Path(persistent_id): Path<String>) -> Result<Response, PageError> {
    let missing = || PageError::NotFound(format!("a crime with reference “{persistent_id}”"));
    if persistent_id.len() != 64 || !persistent_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let crime = state.store.crime_by_persistent_id(&persistent_id).await?.ok_or_else(missing)?;
    let history = state.store.outcomes_for_crime(&persistent_id).await?;
    let force_name = state.store.force(&crime.force_id).await?.map_or(crime.force_id.clone(), |f| f.name);
    let neighbourhood = match &crime.location {
        Some(p) => match state.index.current().locate(p.at) {
            Some(n) => state
                .store
                .neighbourhood(&n.force_id, &n.neighbourhood_id)
                .await?
                .map(|hood| (format!("/neighbourhoods/{}/{}", hood.force_id, hood.id), hood.name)),
            None => None,
        },
        None => None,
    };
    let latest = match crime.outcome_status {
        Some((o, m)) => format!("{} ({})", o.name(), m.long_name()),
        None => "No outcome published".into(),
    };
    render(&CrimePage {
        force_id: crime.force_id,
        force_name,
        neighbourhood,
        category: crime.category.name(),
        month: crime.month.long_name(),
        place: crime.location.map_or("No location was published".into(), |l| l.street_name),
        latest,
        persistent_id,
        history: history.into_iter().map(|(m, o)| (m.long_name(), o.name())).collect(),
    })
}
