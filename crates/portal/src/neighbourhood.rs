//! The neighbourhood page: the team, priorities ("you said, we did"),
//! meetings, crime by category, the 12-month trend, the map, outcomes, how
//! the area compares, and how to contact, complain and escalate.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use peel_core::geo::Area;
use peel_core::geography::{
    Event, Force, Neighbourhood, NeighbourhoodDetails, NeighbourhoodLocation, Officer, Priority,
};
use peel_core::rates::RateBasis;
use peel_core::{CrimeCategory, Month, Outcome};
use peel_spatial::{CrimeRef, OpenData};

use super::figures::{AreaFigures, MonthCount, figures, window};
use super::format::{long_date, one_decimal, strip_tags, thousands, time_of_day};
use super::lookup::{force_or_404, neighbourhood_or_404};
use super::months::{MonthChoice, MonthQuery};
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
    /// The months held to choose from: (value, label, selected).
    picker: Vec<(String, String, bool)>,
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

fn month_counts(crimes: &[CrimeRef<'_>]) -> Vec<MonthCount> {
    let mut m: BTreeMap<(Month, CrimeCategory), i64> = BTreeMap::new();
    for c in crimes {
        *m.entry((c.month(), c.category())).or_default() += 1;
    }
    m.into_iter().map(|((month, category), count)| (month, category, count)).collect()
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "Not known".into(), one_decimal)
}

/// The page's parts that come from the neighbourhood's own file.
fn team(details: &NeighbourhoodDetails) -> Vec<TeamMember> {
    let member =
        |p: &Officer| TeamMember { name: p.name.clone(), rank: p.rank.clone(), bio: p.bio.as_deref().map(strip_tags) };
    details.team.iter().map(member).collect()
}

fn locations(n: &Neighbourhood) -> Vec<String> {
    let line = |l: &NeighbourhoodLocation| {
        let parts = [l.name.as_deref(), l.address.as_deref(), l.postcode.as_deref()];
        parts.into_iter().flatten().map(strip_tags).collect::<Vec<_>>().join(", ")
    };
    n.locations.iter().map(line).filter(|s| !s.is_empty()).collect()
}

fn priorities(details: &NeighbourhoodDetails) -> Vec<PriorityView> {
    let view = |p: &Priority| PriorityView {
        issue: strip_tags(&p.issue),
        issue_date: long_date(&p.issue_date),
        action: p.action.as_deref().map(strip_tags),
        action_date: p.action_date.as_deref().map(long_date).unwrap_or_default(),
    };
    details.priorities.iter().map(view).collect()
}

/// Meetings and events that have not ended by `now` (ISO 8601, as the file's dates).
fn upcoming_events(details: &NeighbourhoodDetails, now: &str) -> Vec<EventView> {
    let view = |e: &Event| {
        let time = time_of_day(&e.start_date);
        let end = e.end_date.as_deref().map(time_of_day).unwrap_or_default();
        let when = match (time.is_empty(), end.is_empty()) {
            (true, _) => long_date(&e.start_date),
            (false, true) => format!("{} at {time}", long_date(&e.start_date)),
            (false, false) => format!("{}, {time} to {end}", long_date(&e.start_date)),
        };
        let description = e.description.as_deref().map(strip_tags);
        EventView { title: e.title.clone(), when, address: e.address.clone(), description }
    };
    details.events.iter().filter(|e| e.end_date.as_deref().unwrap_or(&e.start_date) >= now).map(view).collect()
}

/// Counts by key, most first (ties by key), with the counts written out.
fn ranked<K: Ord + ToString>(counts: BTreeMap<K, i64>) -> Vec<(String, String)> {
    let mut list: Vec<(K, i64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter().map(|(k, n)| (k.to_string(), thousands(n))).collect()
}

/// The latest month's crimes in the area: its map, streets, outcomes and links.
struct ThisMonth {
    map_svg: String,
    legend: Vec<(&'static str, &'static str)>,
    streets: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    crime_links: Vec<(String, &'static str, String, &'static str)>,
    count: i64,
}

fn this_month(data: &OpenData, title: &str, boundary: Option<&Area>, crimes: &[&CrimeRef<'_>]) -> ThisMonth {
    let street = |c: &CrimeRef| c.point().and_then(|p| data.point(p)).map(|(_, at, street)| (at, street));
    let points: Vec<_> = crimes.iter().filter_map(|c| street(c).map(|(at, _)| (at, c.category()))).collect();
    let map_svg =
        if boundary.is_some() || !points.is_empty() { area_map(title, boundary, &points) } else { String::new() };
    let mut streets: BTreeMap<&str, i64> = BTreeMap::new();
    let mut outcomes: BTreeMap<&'static str, i64> = BTreeMap::new();
    for c in crimes {
        if let Some((_, s)) = street(c) {
            *streets.entry(s).or_default() += 1;
        }
        if let Some(o) = c.last_outcome() {
            *outcomes.entry(Outcome::name(o)).or_default() += 1;
        }
    }
    let link = |c: &&CrimeRef| {
        let pid = c.persistent_id()?;
        let at = street(c).map(|(_, s)| s.to_string()).unwrap_or_default();
        Some((
            format!("/crimes/{pid}"),
            c.category().name(),
            at,
            c.last_outcome().map_or("No outcome published", Outcome::name),
        ))
    };
    ThisMonth {
        legend: map_legend(&points),
        map_svg,
        streets: ranked(streets).into_iter().take(10).collect(),
        outcomes: ranked(outcomes),
        crime_links: crimes.iter().filter_map(link).take(100).collect(),
        count: crimes.len() as i64,
    }
}

/// How the neighbourhood compares with its force this month: per 1,000
/// residents where its population is known, else per km² (`peel_core::rates`).
fn comparison(
    data: &OpenData,
    n: &Neighbourhood,
    force: &Force,
    count: i64,
    latest: Month,
) -> (String, Vec<(String, String, String)>) {
    let geography = data.geography();
    let force_count: i64 = data.force_counts(Some(&n.force_id), latest, latest).iter().map(|c| c.2).sum();
    let population = n.population.and_then(|p| i64::try_from(p).ok());
    let km2 = data.neighbourhood_boundary(&n.force_id, &n.id).map(Area::area_km2);
    let force_km2 = geography.force(&n.force_id).and_then(|f| f.boundary.as_ref()).map(Area::area_km2);
    let basis = RateBasis::for_population(population);
    let rows = vec![
        (n.name.clone(), thousands(count), rate(basis.rate(count, population, km2))),
        (
            force.name.clone(),
            thousands(force_count),
            rate(basis.rate(force_count, geography.force_population(&n.force_id), force_km2)),
        ),
    ];
    (basis.unit().to_string(), rows)
}

/// The neighbourhood's 12-month figures to `latest`, and that month's crimes.
fn crime_in(data: &OpenData, n: &Neighbourhood, latest: Month) -> (AreaFigures, ThisMonth) {
    let (from, to) = window(latest);
    // The crimes at the map points inside the boundary (found once, then kept).
    let crimes = data.crimes_at_points(data.neighbourhood_points(&n.force_id, &n.id), from, to);
    let latest_crimes: Vec<&CrimeRef> = crimes.iter().filter(|c| c.month() == latest).collect();
    let boundary = data.neighbourhood_boundary(&n.force_id, &n.id);
    let title = format!("Crime in {} in {}", n.name, latest.long_name());
    (figures(&n.name, &month_counts(&crimes), latest), this_month(data, &title, boundary, &latest_crimes))
}

pub async fn page(
    State(state): State<AppState>,
    Path((force_id, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let details = neighbourhood_or_404(&data, &force_id, &id)?;
    let n = &details.neighbourhood;
    let force = force_or_404(&data, &force_id)?;
    let geography = data.geography();
    let latest = choice.month.unwrap_or_else(|| Month::new(2025, 1).unwrap_or_else(|| unreachable!()));
    let (fig, month) = crime_in(&data, n, latest);
    let (rate_unit, comparison) = comparison(&data, n, force, month.count, latest);
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    render(&NeighbourhoodPage {
        force_name: force.name.clone(),
        id: n.id.clone(),
        name: n.name.clone(),
        bcu: geography.bcu_of(n).map(|b| (b.id.clone(), b.name.clone())),
        csp: geography.csp_of(n).map(|c| (c.id.clone(), c.name.clone())),
        sample: details.sample,
        description: n.description.as_deref().map(strip_tags).filter(|d| !d.is_empty()),
        team: team(details),
        contacts: n.contact_details.iter().map(|(k, v)| (contact_label(k), v.clone())).collect(),
        locations: locations(n),
        priorities: priorities(details),
        events: upcoming_events(details, &now),
        fig,
        map_svg: month.map_svg,
        legend: month.legend,
        streets: month.streets,
        outcomes: month.outcomes,
        crime_links: month.crime_links,
        rate_unit,
        comparison,
        picker: choice.picker,
        force_id,
    })
}
