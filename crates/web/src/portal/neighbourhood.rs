//! The neighbourhood page: the team, priorities ("you said, we did"),
//! meetings, crime by category, the 12-month trend, the map, outcomes, how
//! the area compares, and how to contact, complain and escalate.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use peel_core::geo::Area;
use peel_core::{Month, Outcome};
use peel_store::{MappedCrime, MonthCount};

use super::figures::{AreaFigures, figures, window};
use super::format::{long_date, one_decimal, strip_tags, thousands, time_of_day};
use super::lookup::{force_or_404, neighbourhood_or_404};
use super::svg::{area_map, map_legend};
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "neighbourhood.html")]
pub struct NeighbourhoodPage {
    force_id: String,
    force_name: String,
    id: String,
    name: String,
    bcu: Option<(String, String)>,
    csp: Option<(String, String)>,
    sample: bool,
    description: Option<String>,
    team: Vec<TeamMember>,
    contacts: Vec<(String, String)>,
    locations: Vec<String>,
    priorities: Vec<PriorityView>,
    events: Vec<EventView>,
    fig: AreaFigures,
    map_svg: String,
    legend: Vec<(&'static str, &'static str)>,
    streets: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    /// (href, category, street, latest outcome) of the month's crimes with a reference.
    crime_links: Vec<(String, &'static str, String, &'static str)>,
    rate_unit: String,
    comparison: Vec<(String, String, String)>,
}

struct TeamMember {
    name: String,
    rank: String,
    bio: Option<String>,
}

struct PriorityView {
    issue: String,
    issue_date: String,
    action: Option<String>,
    action_date: String,
}

struct EventView {
    title: String,
    when: String,
    address: Option<String>,
    description: Option<String>,
}

fn contact_label(key: &str) -> String {
    match key {
        "email" => "Email".into(),
        "telephone" => "Telephone".into(),
        "mobile" => "Mobile".into(),
        "web" => "Website".into(),
        "twitter" => "X (Twitter)".into(),
        "facebook" => "Facebook".into(),
        other => {
            let mut s = other.replace('-', " ");
            if let Some(first) = s.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    }
}

/// Crimes inside the boundary over the 12 months ending `latest`.
async fn crimes_within(state: &AppState, area: &Area, latest: Month) -> Result<Vec<MappedCrime>, PageError> {
    let Some(bbox) = area.bbox() else { return Ok(vec![]) };
    let (from, to) = window(latest);
    let all = state.store.crimes_in_bbox(bbox, from, to).await?;
    Ok(all.into_iter().filter(|c| area.contains(c.at)).collect())
}

fn month_counts(crimes: &[MappedCrime]) -> Vec<MonthCount> {
    let mut m: BTreeMap<(Month, peel_core::CrimeCategory), i64> = BTreeMap::new();
    for c in crimes {
        *m.entry((c.month, c.category)).or_default() += 1;
    }
    m.into_iter().map(|((month, category), count)| MonthCount { month, category, count }).collect()
}

fn rate(count: i64, per: Option<f64>) -> String {
    match per {
        Some(d) if d > 0.0 => one_decimal(count as f64 / d),
        _ => "Not known".into(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    Path((force_id, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let store = &state.store;
    let n = neighbourhood_or_404(store, &force_id, &id).await?;
    let force = force_or_404(store, &force_id).await?;
    let boundary = store.neighbourhood_boundary(&force_id, &id).await?;
    let sample = store.neighbourhood_is_sample(&force_id, &id).await?;
    let team = store.neighbourhood_team(&force_id, &id).await?;
    let priorities = store.neighbourhood_priorities(&force_id, &id).await?;
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let events = store.neighbourhood_events(&force_id, &id).await?;
    let csps = store.csps(&force_id).await?;
    let bcus = store.bcus(&force_id).await?;
    let csp = n.csp_id.as_ref().and_then(|c| csps.iter().find(|x| &x.id == c)).or(if csps.len() == 1 {
        csps.first()
    } else {
        None
    });
    let bcu_id = n.bcu_id.clone().or_else(|| csp.map(|c| c.bcu_id.clone()));
    let bcu = bcu_id.and_then(|b| bcus.iter().find(|x| x.id == b)).map(|b| (b.id.clone(), b.name.clone()));

    let latest = store.latest_month().await?.unwrap_or_else(|| Month::new(2025, 1).unwrap_or_else(|| unreachable!()));
    let crimes = match &boundary {
        Some(area) => crimes_within(&state, area, latest).await?,
        None => vec![],
    };
    let fig = figures(&n.name, &month_counts(&crimes), latest);
    let this_month: Vec<&MappedCrime> = crimes.iter().filter(|c| c.month == latest).collect();
    let points: Vec<_> = this_month.iter().map(|c| (c.at, c.category)).collect();
    let map_svg = if boundary.is_some() || !points.is_empty() {
        area_map(&format!("Crime in {} in {}", n.name, latest.long_name()), boundary.as_ref(), &points)
    } else {
        String::new()
    };
    let mut streets: BTreeMap<&str, i64> = BTreeMap::new();
    let mut outcomes: BTreeMap<&'static str, i64> = BTreeMap::new();
    for c in &this_month {
        *streets.entry(c.street_name.as_str()).or_default() += 1;
        if let Some(o) = c.last_outcome {
            *outcomes.entry(Outcome::name(o)).or_default() += 1;
        }
    }
    let mut streets: Vec<(&str, i64)> = streets.into_iter().collect();
    streets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut outcomes: Vec<(&str, i64)> = outcomes.into_iter().collect();
    outcomes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    // How it compares: per 1,000 residents where populations are known, else per km².
    // One force-month through the (force_id, month) index, not every force's month.
    let force_count: i64 = store.force_counts(Some(&force_id), latest, latest).await?.iter().map(|c| c.count).sum();
    let force_pop: i64 = csps.iter().filter_map(|c| c.population).sum();
    let count = this_month.len() as i64;
    let (rate_unit, comparison) = match n.population.filter(|p| *p > 0) {
        Some(pop) => (
            "per 1,000 residents".to_string(),
            vec![
                (n.name.clone(), thousands(count), rate(count, Some(pop as f64 / 1000.0))),
                (
                    force.name.clone(),
                    thousands(force_count),
                    rate(force_count, (force_pop > 0).then(|| force_pop as f64 / 1000.0)),
                ),
            ],
        ),
        None => {
            let km2 = boundary.as_ref().map(Area::area_km2);
            let force_km2 = store.force_boundary(&force_id).await?.map(|a| a.area_km2());
            (
                "per square kilometre".to_string(),
                vec![
                    (n.name.clone(), thousands(count), rate(count, km2)),
                    (force.name.clone(), thousands(force_count), rate(force_count, force_km2)),
                ],
            )
        }
    };

    render(&NeighbourhoodPage {
        force_name: force.name.clone(),
        id: n.id.clone(),
        name: n.name.clone(),
        bcu,
        csp: csp.map(|c| (c.id.clone(), c.name.clone())),
        sample,
        description: n.description.as_deref().map(strip_tags).filter(|d| !d.is_empty()),
        team: team
            .into_iter()
            .map(|p| TeamMember { name: p.name, rank: p.rank, bio: p.bio.as_deref().map(strip_tags) })
            .collect(),
        contacts: n.contact_details.iter().map(|(k, v)| (contact_label(k), v.clone())).collect(),
        locations: n
            .locations
            .iter()
            .map(|l| {
                [l.name.as_deref(), l.address.as_deref(), l.postcode.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(strip_tags)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
            .collect(),
        priorities: priorities
            .into_iter()
            .map(|p| PriorityView {
                issue: strip_tags(&p.issue),
                issue_date: long_date(&p.issue_date),
                action: p.action.as_deref().map(strip_tags),
                action_date: p.action_date.as_deref().map(long_date).unwrap_or_default(),
            })
            .collect(),
        events: events
            .into_iter()
            .filter(|e| e.end_date.as_deref().unwrap_or(&e.start_date) >= now.as_str())
            .map(|e| {
                let time = time_of_day(&e.start_date);
                let end = e.end_date.as_deref().map(time_of_day).unwrap_or_default();
                let when = match (time.is_empty(), end.is_empty()) {
                    (true, _) => long_date(&e.start_date),
                    (false, true) => format!("{} at {time}", long_date(&e.start_date)),
                    (false, false) => format!("{}, {time} to {end}", long_date(&e.start_date)),
                };
                EventView {
                    title: e.title,
                    when,
                    address: e.address,
                    description: e.description.as_deref().map(strip_tags),
                }
            })
            .collect(),
        fig,
        legend: map_legend(&points),
        map_svg,
        streets: streets.into_iter().take(10).map(|(s, n)| (s.to_string(), thousands(n))).collect(),
        outcomes: outcomes.into_iter().map(|(o, n)| (o.to_string(), thousands(n))).collect(),
        crime_links: this_month
            .iter()
            .filter_map(|c| {
                let pid = c.persistent_id.as_deref()?;
                Some((
                    format!("/crimes/{pid}"),
                    c.category.name(),
                    c.street_name.clone(),
                    c.last_outcome.map_or("No outcome published", Outcome::name),
                ))
            })
            .take(100)
            .collect(),
        rate_unit,
        comparison,
        force_id,
    })
}
