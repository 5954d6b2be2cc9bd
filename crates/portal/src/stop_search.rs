//! Stop and search pages and their CSV and JSON downloads
//! (`/forces/{force}/stop-and-search[.csv|.json]`, likewise
//! `/neighbourhoods/{force}/{id}/stop-and-search`): one
//! [`StopSearchReport`] each, so the three always agree.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use peel_core::Month;
use peel_core::stop_search::NOT_STATED;
use peel_spatial::OpenData;

use super::download::csv_attachment;
use super::format::{one_decimal, thousands};
use super::lookup::{force_or_404, neighbourhood_or_404};
use super::months::{MonthChoice, MonthQuery};
use super::stop_search_report::{StopSearchReport, force_report, neighbourhood_report};
use super::svg::bar_chart;
use super::{PageError, render};
use crate::AppState;

/// A month picker's options: (value, label, selected), newest first.
type Picker = Vec<(String, String, bool)>;

/// The breakdowns drawn as a chart beside their table (the others are tables only).
const CHARTED: [&str; 4] = ["object_of_search", "outcome", "self_defined_ethnicity", "officer_defined_ethnicity"];

#[derive(Template)]
#[template(path = "stop_search.html")]
struct StopSearchPage {
    r: StopSearchReport,
    crumbs: Vec<(String, String)>,
    picker: Picker,
    sections: Vec<Section>,
    /// The page's address without a query: the downloads add `.csv`, `.json`.
    base: String,
}

/// One breakdown as the page shows it.
struct Section {
    key: &'static str,
    title: &'static str,
    chart: String,
    /// (value, stops, share, same month last year, change)
    rows: Vec<(String, String, String, String, String)>,
}

impl StopSearchPage {
    fn count(&self, n: &Option<u64>) -> String {
        n.map_or_else(|| "Not held".into(), count)
    }

    fn num(&self, n: &u64) -> String {
        count(*n)
    }

    fn stops(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "Not held".into(), super::force_rates::count_text)
    }

    fn rate(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "Not known".into(), |x| format!("{x:.2}"))
    }

    fn share(&self, x: &Option<f64>) -> String {
        share(*x)
    }

    fn change(&self, x: &Option<f64>, before: &Option<u64>) -> String {
        change(*x, *before)
    }
}

fn count(n: u64) -> String {
    thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

fn share(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{}%", one_decimal(x)))
}

/// "+12.5%", or why there is no change to show.
fn change(x: Option<f64>, before: Option<u64>) -> String {
    match (x, before) {
        (Some(x), _) => format!("{x:+.1}%"),
        (None, Some(0)) => "None last year".into(),
        (None, _) => "Not held".into(),
    }
}

/// The month asked for, and the picker of the force's months held for stop
/// and search. A month peel holds other figures for but no stop and search
/// of this force is shown (saying so), not refused; a month it holds
/// nothing for is a page not found; a `date` that is no month, a 400.
fn choose(data: &OpenData, force_id: &str, date: Option<&str>) -> Result<(Month, Picker), PageError> {
    let held = data.stop_months(force_id);
    let mut known: Vec<Month> = held.clone();
    known.extend(data.street_dates().iter().map(|(m, _)| *m));
    known.sort_unstable();
    known.dedup();
    let latest = held.last().copied().or_else(|| data.latest_month());
    let choice = MonthChoice::among(known, latest, date, "stop and search figures")?;
    let month = choice.month.ok_or_else(|| PageError::not_found("any stop and search or crime figures"))?;
    let picker = choice
        .picker
        .into_iter()
        .filter_map(|(value, label, selected)| {
            let m: Month = value.parse().ok()?;
            match (held.contains(&m), selected) {
                (true, _) => Some((value, label, selected)),
                (false, true) => Some((value, format!("{label} (none held)"), true)),
                (false, false) => None,
            }
        })
        .collect();
    Ok((month, picker))
}

async fn force_load(state: &AppState, fid: &str, q: &MonthQuery) -> Result<StopSearchReport, PageError> {
    let data = state.index.current();
    let force = force_or_404(&data, fid)?;
    let (month, _) = choose(&data, fid, q.date.as_deref())?;
    let inputs = state.store.comparisons().comparison_inputs().await?;
    Ok(force_report(&data, fid, &force.name, month, &inputs))
}

fn neighbourhood_load(state: &AppState, fid: &str, id: &str, q: &MonthQuery) -> Result<StopSearchReport, PageError> {
    let data = state.index.current();
    let force = force_or_404(&data, fid)?;
    let details = neighbourhood_or_404(&data, fid, id)?;
    let (month, _) = choose(&data, fid, q.date.as_deref())?;
    Ok(neighbourhood_report(&data, &details.neighbourhood, &force.name, month, details.sample))
}

fn sections(r: &StopSearchReport) -> Vec<Section> {
    r.breakdowns
        .iter()
        .map(|b| {
            let chart = if CHARTED.contains(&b.key) {
                let bars: Vec<(&str, u64)> = b.rows.iter().map(|x| (x.value.as_str(), x.stops)).collect();
                let desc = format!(
                    "Bar chart of the stops and searches of {} by {}. {} The same figures are in the table beside it.",
                    r.month_name,
                    b.title.to_lowercase(),
                    if b.rows.iter().any(|x| x.value == NOT_STATED) {
                        "“Not stated” counts the stops where the field was left empty."
                    } else {
                        ""
                    }
                );
                bar_chart(
                    &format!("chart-{}", b.key),
                    &format!("{}: {}, {}", b.title, r.area_name, r.month_name),
                    &desc,
                    &bars,
                )
            } else {
                String::new()
            };
            let rows = b
                .rows
                .iter()
                .map(|x| {
                    (
                        x.value.clone(),
                        count(x.stops),
                        share(x.share_percent),
                        x.same_month_last_year.map_or_else(|| "Not held".into(), count),
                        change(x.change_percent, x.same_month_last_year),
                    )
                })
                .collect();
            Section { key: b.key, title: b.title, chart, rows }
        })
        .collect()
}

fn base(r: &StopSearchReport) -> String {
    match &r.neighbourhood {
        Some(id) => format!("/neighbourhoods/{}/{id}/stop-and-search", r.force),
        None => format!("/forces/{}/stop-and-search", r.force),
    }
}

fn page(state: &AppState, r: StopSearchReport) -> Result<Response, PageError> {
    let data = state.index.current();
    let (_, picker) = choose(&data, &r.force, Some(&r.month))?;
    let mut crumbs = vec![(format!("/forces/{}", r.force), r.force_name.clone())];
    if let Some(id) = &r.neighbourhood {
        crumbs.push((format!("/neighbourhoods/{}/{id}", r.force), r.area_name.clone()));
    }
    render(&StopSearchPage { crumbs, picker, sections: sections(&r), base: base(&r), r })
}

/// The CSV download: one row per figure of the page, tidy (every row names
/// its area and month), numbers as the JSON holds them.
pub fn csv(r: &StopSearchReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "area",
        "month",
        "table",
        "row",
        "stops",
        "share_percent",
        "same_month_last_year",
        "change_percent",
        "per_1000_residents",
        "note",
    ]);
    let f = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let u = |x: Option<u64>| x.map(|x| x.to_string()).unwrap_or_default();
    let head = [r.area_name.clone(), r.month.clone()];
    let mut row = |table: &str, cells: [String; 7]| {
        let mut rec: Vec<String> = head.to_vec();
        rec.push(table.to_string());
        rec.extend(cells);
        let _ = w.write_record(&rec);
    };
    let e = String::new;
    if let Some(why) = &r.no_figures {
        row("no_figures", [e(), e(), e(), e(), e(), e(), why.clone()]);
    }
    if let Some(stops) = r.stops {
        row(
            "total",
            [
                "All stops and searches".into(),
                stops.to_string(),
                e(),
                u(r.stops_last_year),
                f(r.change_percent),
                f(r.per_1000),
                e(),
            ],
        );
    }
    if let Some(n) = r.without_location {
        row("total", ["Without a map point".into(), n.to_string(), e(), e(), e(), e(), e()]);
    }
    if let Some(l) = &r.linked {
        row(
            "linked",
            [
                "Yes".into(),
                l.yes.to_string(),
                f(l.share_percent),
                e(),
                e(),
                e(),
                "share: of the stops where it is stated".into(),
            ],
        );
        row("linked", ["No".into(), l.no.to_string(), e(), e(), e(), e(), e()]);
        row("linked", [NOT_STATED.into(), l.not_stated.to_string(), e(), e(), e(), e(), e()]);
    }
    for b in &r.breakdowns {
        for x in &b.rows {
            row(
                b.key,
                [
                    x.value.clone(),
                    x.stops.to_string(),
                    f(x.share_percent),
                    u(x.same_month_last_year),
                    f(x.change_percent),
                    e(),
                    e(),
                ],
            );
        }
    }
    for c in &r.comparison.rows {
        row("comparison", [c.name.clone(), f(c.stops), e(), e(), e(), f(c.per_1000), e()]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn csv_response(r: &StopSearchReport) -> Response {
    let name = match &r.neighbourhood {
        Some(id) => format!("{}-{id}-stop-and-search-{}.csv", r.force, r.month),
        None => format!("{}-stop-and-search-{}.csv", r.force, r.month),
    };
    csv_attachment(&name, csv(r))
}

pub async fn force_page(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    page(&s, force_load(&s, &f, &q).await?)
}

pub async fn force_csv(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    Ok(csv_response(&force_load(&s, &f, &q).await?))
}

pub async fn force_json(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    Ok(Json(force_load(&s, &f, &q).await?).into_response())
}

pub async fn neighbourhood_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    page(&s, neighbourhood_load(&s, &f, &id, &q)?)
}

pub async fn neighbourhood_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    Ok(csv_response(&neighbourhood_load(&s, &f, &id, &q)?))
}

pub async fn neighbourhood_json(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    Ok(Json(neighbourhood_load(&s, &f, &id, &q)?).into_response())
}
