//! The start page and search: a postcode (any spacing or case), or a street
//! or place name.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use peel_core::geo::LatLng;
use peel_core::geography::{Csp, Force, Postcode};
use peel_spatial::OpenData;
use peel_store::PlaceMatch;
use serde::Deserialize;

use super::areas::{AreaPage, csp_figures, force_figures};
use super::format::thousands;
use super::locate::{csp_for_district, locate};
use super::lookup::force_or_404;
use super::svg::{area_map, map_legend};
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub query: String,
    pub error: Option<String>,
    pub matches: Vec<MatchLink>,
    pub forces: Vec<(String, String)>,
}

impl HomePage {
    /// A failed search says so first in the title, so screen readers hear it.
    fn page_title(&self) -> String {
        let title = "Find crime and policing information for your area";
        if self.error.is_some() { format!("Error: {title}") } else { title.to_string() }
    }
}

pub struct MatchLink {
    pub href: String,
    pub label: String,
    pub kind: &'static str,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The forces with crimes in the latest month, in police.uk's order.
fn forces_with_data(state: &AppState) -> Vec<(String, String)> {
    let data = state.index.current();
    let Some(latest) = data.latest_month() else { return vec![] };
    let with_data: Vec<String> = data.force_totals(latest).into_iter().map(|(f, _)| f).collect();
    data.geography()
        .forces
        .iter()
        .filter(|f| with_data.contains(&f.force.id))
        .map(|f| (f.force.id.clone(), f.force.name.clone()))
        .collect()
}

pub async fn home(State(state): State<AppState>) -> Result<Response, PageError> {
    render(&HomePage { query: String::new(), error: None, matches: vec![], forces: forces_with_data(&state) })
}

async fn home_with(
    state: &AppState,
    query: &str,
    error: Option<String>,
    matches: Vec<MatchLink>,
) -> Result<Response, PageError> {
    let page = HomePage { query: query.to_string(), error, matches, forces: forces_with_data(state) };
    let status = if page.error.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

/// A postcode attempt: one or two letters then a digit ("EC2V…", "lu1…").
fn looks_like_postcode(q: &str) -> bool {
    let b = q.trim().as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    (1..=2).contains(&letters) && b.get(letters).is_some_and(u8::is_ascii_digit)
}

/// A place found, as a link; a street is named with where it is, since
/// two towns can have a street of the same name.
fn match_link(data: &OpenData, m: PlaceMatch) -> MatchLink {
    match m {
        PlaceMatch::Neighbourhood { force_id, id, name } => {
            MatchLink { href: format!("/neighbourhoods/{force_id}/{id}"), label: name, kind: "neighbourhood" }
        }
        PlaceMatch::Street { name, at } => {
            let located = locate(data, at);
            let geography = data.geography();
            let hood = located
                .neighbourhood
                .and_then(|(f, id)| geography.neighbourhood(&f, &id))
                .map(|n| n.neighbourhood.name.clone());
            let force = located.force_id.and_then(|f| geography.force(&f)).map(|f| f.force.name.clone());
            let label = match (hood, force) {
                (Some(h), Some(f)) => format!("{name}, {h} ({f})"),
                (None, Some(f)) => format!("{name} ({f})"),
                _ => format!("{name} (outside the areas peel holds)"),
            };
            MatchLink { href: format!("/locate?lat={:.6}&lng={:.6}", at.lat, at.lng), label, kind: "street" }
        }
    }
}

pub async fn search(State(state): State<AppState>, Query(q): Query<SearchQuery>) -> Result<Response, PageError> {
    let query = q.q.trim().to_string();
    if query.is_empty() {
        return home_with(&state, "", Some("Enter a postcode, street or place".into()), vec![]).await;
    }
    if query.chars().count() > 100 {
        return home_with(&state, "", Some("Enter no more than 100 characters".into()), vec![]).await;
    }
    if looks_like_postcode(&query) {
        let Ok(postcode) = Postcode::parse(&query) else {
            return home_with(&state, &query, Some("Enter a real postcode, like EC2V 7HH".into()), vec![]).await;
        };
        let Some(point) = state.store.geography().postcode(&postcode).await? else {
            let msg =
                format!("We have no information for {postcode}. peel only holds the areas its operator has loaded.");
            return home_with(&state, &query, Some(msg), vec![]).await;
        };
        return point_page(&state, point.at, Some(postcode.to_string()), point.admin_district.as_deref()).await;
    }
    let found = state.store.geography().search_places(&query, 20).await?;
    let data = state.index.current();
    let mut matches: Vec<MatchLink> = found.into_iter().map(|m| match_link(&data, m)).collect();
    if matches.len() == 1 {
        return Ok(Redirect::to(&matches.remove(0).href).into_response());
    }
    if matches.is_empty() {
        let msg =
            format!("No postcode, street or neighbourhood matches “{query}”. Check the spelling, or try a postcode.");
        return home_with(&state, &query, Some(msg), vec![]).await;
    }
    home_with(&state, &query, None, matches).await
}

#[derive(Deserialize)]
pub struct PointQuery {
    lat: String,
    lng: String,
}

pub async fn locate_point(State(state): State<AppState>, Query(q): Query<PointQuery>) -> Result<Response, PageError> {
    match LatLng::parse(&q.lat, &q.lng) {
        Ok(at) => point_page(&state, at, None, None).await,
        Err(e) => home_with(&state, "", Some(format!("That location is not valid: {e}")), vec![]).await,
    }
}

/// Sends a point to its neighbourhood page, or explains what peel has for it.
async fn point_page(
    state: &AppState,
    at: LatLng,
    postcode: Option<String>,
    district: Option<&str>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let located = locate(&data, at);
    if let Some((force, id)) = located.neighbourhood {
        return Ok(Redirect::to(&format!("/neighbourhoods/{force}/{id}")).into_response());
    }
    let csp = csp_for_district(&data, district);
    let force_id = located.force_id.or_else(|| csp.map(|c| c.force_id.clone()));
    let Some(force_id) = force_id else {
        let what = postcode.as_deref().unwrap_or("that place");
        return home_with(
            state,
            postcode.as_deref().unwrap_or(""),
            Some(format!("{what} is outside the areas peel holds data for.")),
            vec![],
        )
        .await;
    };
    let force = force_or_404(&data, &force_id)?;
    render(&force_only_page(&data, force, csp, at, postcode))
}

/// How far around a place the nearest crimes are drawn: police.uk's own
/// "crime near you" distance.
const NEAR_M: f64 = 1609.344;

/// The page for a place with no neighbourhood boundary loaded: why there is
/// no team to show, the partnership's (else the force's) figures, the
/// latest month's crimes within a mile, and links up to the BCU and force.
fn force_only_page(
    data: &OpenData,
    force: &Force,
    csp: Option<&Csp>,
    at: LatLng,
    postcode: Option<String>,
) -> AreaPage {
    let mut links =
        vec![(format!("/forces/{}", force.id), format!("{} – crime figures for the whole force", force.name))];
    if let Some(c) = csp {
        if let Some(b) = data.geography().bcus_of(&c.force_id).find(|b| b.id == c.bcu_id) {
            links.push((format!("/forces/{}/bcus/{}", c.force_id, b.id), format!("{} basic command unit", b.name)));
        }
        links.push((
            format!("/forces/{}/csps/{}", c.force_id, c.id),
            format!("{} – crime figures for {}", c.name, c.local_authority),
        ));
    }
    let place = postcode.unwrap_or_else(|| "This place".into());
    let figures = match csp {
        Some(c) => csp_figures(data, c, data.latest_month()),
        None => force_figures(data, &force.id, &force.name, data.latest_month()),
    };
    let (map_svg, map_caption, legend) = nearby_map(data, &place, at);
    AreaPage {
        title: format!("{place}: {}", force.name),
        caption: Some("Your area".into()),
        crumbs: vec![],
        notes: vec![format!(
            "Neighbourhood boundaries for {} are not loaded in this copy of peel, so we cannot show your neighbourhood team. The figures below cover {}, and the map shows the crimes nearest {place}.",
            force.name,
            csp.map_or(force.name.clone(), |c| c.name.clone())
        )],
        intro: vec![format!("{place} is policed by {}.", force.name)],
        commentary: None,
        commentary_sample: false,
        figures,
        map_svg,
        map_caption,
        picker: vec![],
        legend,
        links: vec![("Figures for your area".into(), links)],
    }
}

/// The latest month's crimes within [`NEAR_M`] of `at`: the map, its
/// caption (which says how many) and its key. No map where none are held.
fn nearby_map(data: &OpenData, place: &str, at: LatLng) -> (String, String, Vec<(&'static str, &'static str)>) {
    let Some(month) = data.latest_month() else { return (String::new(), String::new(), vec![]) };
    let points = data.points_within_radius(at, NEAR_M);
    let crimes = data.crimes_at_points(&points, month, month);
    let dots: Vec<_> = crimes
        .iter()
        .filter_map(|c| c.point().and_then(|p| data.point(p)).map(|(_, at, _)| (at, c.category())))
        .collect();
    if dots.is_empty() {
        return (String::new(), String::new(), vec![]);
    }
    let title = format!("Crime within a mile of {place} in {}", month.long_name());
    let caption = format!(
        "{} crimes within a mile of {place} in {}, at police.uk's anonymous map points.",
        thousands(dots.len() as i64),
        month.long_name()
    );
    (area_map(&title, None, &dots), caption, map_legend(&dots))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tells_postcodes_from_places() {
        for q in ["EC2V 7HH", "ec2v", "LU1", "m1 1ae", "E1"] {
            assert!(super::looks_like_postcode(q), "{q}");
        }
        for q in ["Cheapside", "Luton", "1 High Street", "Bank"] {
            assert!(!super::looks_like_postcode(q), "{q}");
        }
    }
}
