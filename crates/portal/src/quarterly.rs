//! Quarterly BCU and CSP pages and their CSV and JSON downloads
//! (`/forces/{force}/bcus/{id}/quarterly[.csv|.json]`, likewise `csps`):
//! one [`QuarterlyReport`] each, so the three always agree.

use std::fmt::Write;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use peel_core::quarterly::Quarter;
use serde::Deserialize;

use super::download::csv_attachment;
use super::format::thousands;
use super::lookup::{bcu_or_404, force_or_404};
use super::pledge::about;
use super::quarterly_report::{
    Area, PledgeFigures, QuarterlyReport, build, default_quarter, pledge_rows, quarters_held,
};
use super::svg::escape;
use super::{PageError, render};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct QuarterQuery {
    #[serde(default)]
    pub quarter: Option<String>,
}

#[derive(Clone, Copy)]
enum Kind {
    Bcu,
    Csp,
}

#[derive(Template)]
#[template(path = "quarterly.html")]
struct QuarterlyPage {
    r: QuarterlyReport,
    crumbs: Vec<(String, String)>,
    /// The quarters held to choose from: (value, label, selected), newest first.
    picker: Vec<(String, String, bool)>,
    chart_svg: String,
    base: String,
}

impl QuarterlyPage {
    fn count(&self, n: &u64) -> String {
        count(n)
    }

    fn count_or(&self, n: &Option<u64>) -> String {
        n.map_or_else(|| "Not held".into(), |n| count(&n))
    }

    fn num(&self, x: &Option<f64>, places: usize) -> String {
        num(x, places)
    }

    fn share(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "–".into(), |x| format!("{x:.1}%"))
    }

    /// "+12.5%", or why there is no change to show.
    fn change(&self, x: &Option<f64>, before: &Option<u64>) -> String {
        match (*x, *before) {
            (Some(x), _) => format!("{x:+.1}%"),
            (None, Some(0)) => "None last year".into(),
            (None, _) => "Not held".into(),
        }
    }

    fn p(&self, p: &Option<f64>) -> String {
        p_text(p)
    }

    fn held_text(&self) -> String {
        let held: Vec<&str> = self.r.months.iter().filter(|m| m.held).map(|m| m.name.as_str()).collect();
        if held.is_empty() { "none of its months".into() } else { held.join(", ") }
    }
}

/// A count as the page shows it: "1,234".
fn count(n: &u64) -> String {
    thousands(i64::try_from(*n).unwrap_or(i64::MAX))
}

/// A rate, share or change as the page shows it, or "Not known".
fn num(x: &Option<f64>, places: usize) -> String {
    x.map_or_else(|| "Not known".into(), |x| format!("{x:.places$}"))
}

/// A p-value as the page shows it: four decimals, or "< 0.0001".
pub fn p_text(p: &Option<f64>) -> String {
    match p {
        None => "Not tested".into(),
        Some(p) if *p < 0.0001 => "< 0.0001".into(),
        Some(p) => format!("{p:.4}"),
    }
}

/// Finds the area asked for and builds its report for the quarter asked
/// for (the latest complete one when none is).
async fn load(
    state: &AppState,
    kind: Kind,
    fid: &str,
    id: &str,
    q: &QuarterQuery,
) -> Result<QuarterlyReport, PageError> {
    let data = state.index.current();
    let f = force_or_404(&data, fid)?;
    let geography = data.geography();
    let (area, bcu_id) = match kind {
        Kind::Bcu => {
            let bcu = bcu_or_404(&data, f, id)?;
            let csps = geography.csps_of(fid).filter(|c| c.bcu_id == id).collect();
            let name = format!("{} basic command unit", bcu.name);
            (Area { force: fid, force_name: &f.name, kind: "bcu", id, name, csps }, bcu.id.clone())
        }
        Kind::Csp => {
            let csp = geography.csps_of(fid).find(|c| c.id == id).ok_or_else(|| {
                PageError::not_found(format!("a community safety partnership called “{id}” in {}", f.name))
            })?;
            let area =
                Area { force: fid, force_name: &f.name, kind: "csp", id, name: csp.name.clone(), csps: vec![csp] };
            (area, csp.bcu_id.clone())
        }
    };
    let held = quarters_held(&data.force_months(fid));
    let quarter = choose(q, &held, &f.name)?;
    let sources = state.store.comparisons().comparison_inputs().await?.population_sources;
    let population_note = population_note(&area, sources.get(fid));
    let pledge = pledge(state, &data, fid, &bcu_id, kind, quarter).await?;
    Ok(build(&data, &area, quarter, population_note, pledge))
}

fn choose(
    q: &QuarterQuery,
    held: &std::collections::BTreeMap<Quarter, usize>,
    force_name: &str,
) -> Result<Quarter, PageError> {
    let none = || PageError::not_found(format!("any crime figures for {force_name}"));
    match q.quarter.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => default_quarter(held).ok_or_else(none),
        Some(s) => {
            let not_held =
                || PageError::not_found(format!("crime figures for the quarter “{s}” (write it as 2025-Q1)"));
            let quarter: Quarter = s.parse().map_err(|_| not_held())?;
            held.contains_key(&quarter).then_some(quarter).ok_or_else(not_held)
        }
    }
}

fn population_note(area: &Area<'_>, source: Option<&peel_store::PopulationSource>) -> String {
    let missing: Vec<&str> = area.csps.iter().filter(|c| c.population.is_none()).map(|c| c.name.as_str()).collect();
    if area.csps.is_empty() {
        return "No partnership is held for this area, so peel knows neither its crimes nor its residents.".into();
    }
    if !missing.is_empty() {
        return format!(
            "Rates per 1,000 residents are not shown: peel holds no population for {}.",
            missing.join(" and ")
        );
    }
    let total = area.population().unwrap_or(0);
    match source {
        Some(s) => format!("{} residents ({}, {}).", thousands(total), s.source, s.year),
        None => {
            format!("{} residents; the areas file does not say where this population comes from.", thousands(total))
        }
    }
}

/// The BCU's Pledge figures for the quarter (a partnership's are its BCU's: the
/// Pledge engine keeps figures per force, BCU and neighbourhood only).
async fn pledge(
    state: &AppState,
    data: &peel_spatial::OpenData,
    fid: &str,
    bcu_id: &str,
    kind: Kind,
    q: Quarter,
) -> Result<PledgeFigures, PageError> {
    let [from, _, to] = q.months();
    let bcu_name = data.geography().bcus_of(fid).find(|b| b.id == bcu_id).map(|b| b.name.clone());
    let whose = format!("{} basic command unit", bcu_name.as_deref().unwrap_or(bcu_id));
    let reports = state.store.pledge().pledge_compliance_bcu_months(fid, from, to, bcu_id, Utc::now()).await?;
    let rows = reports.as_deref().map(|r| pledge_rows(r, |id| about(id).0)).unwrap_or_default();
    let mut notes = Vec::new();
    if let Kind::Csp = kind {
        notes.push(format!("Policing Pledge figures are kept for each force, basic command unit and neighbourhood, not for each partnership. These are the figures of the {whose}, which this partnership is part of."));
    }
    if rows.is_empty() {
        notes.push(format!("peel holds no Policing Pledge events for the {whose} in {}.", q.long_name()));
    } else {
        notes.push("Each standard's figure for the quarter adds up the months' figures: met over eligible for the three months together. A neighbourhood counted once a month (time in the neighbourhood, public meetings) counts once for each month, and so does an agreement to update a victim that was active in several months. Items not yet due are not counted.".into());
        if reports.iter().flatten().any(|r| r.generated) {
            notes.push("These figures count generated events written for the peel demo, not a force's records.".into());
        }
    }
    Ok(PledgeFigures { whose, notes, rows })
}

/// A bar chart of each complete quarter's crimes; incomplete quarters have no bar.
fn bar_chart(r: &QuarterlyReport) -> String {
    let bars: Vec<(&str, Option<u64>)> = r.history.iter().map(|h| (h.quarter.as_str(), h.crimes)).collect();
    let (w, h, left, bottom, top) = (640.0, 260.0, 64.0, 40.0, 16.0);
    let max = bars.iter().filter_map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let slot = (w - left - 8.0) / bars.len().max(1) as f64;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / max);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="q-title q-desc" xmlns="http://www.w3.org/2000/svg"><title id="q-title">Crimes recorded each quarter in {}</title><desc id="q-desc">Bar chart of the crimes recorded in each complete quarter held. Quarters with a month missing have no bar. The same figures are in the table beside it.</desc>"#,
        escape(&r.area_name)
    );
    let _ = write!(s, r##"<line x1="{left}" x2="{}" y1="{}" y2="{}" stroke="#0b0c0c"/>"##, w - 8.0, y(0.0), y(0.0));
    let _ = write!(
        s,
        r##"<text x="{}" y="{:.1}" text-anchor="end" font-size="12" fill="#0b0c0c">{}</text>"##,
        left - 6.0,
        y(max) + 4.0,
        thousands(max as i64)
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let x = left + slot * i as f64;
        if let Some(n) = n {
            let _ = write!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#1d70b8"><title>{label}: {}</title></rect>"##,
                x + slot * 0.15,
                y(*n as f64),
                slot * 0.7,
                y(0.0) - y(*n as f64),
                count(n)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="11" fill="#0b0c0c">{}</text>"##,
            x + slot / 2.0,
            h - bottom + 16.0,
            escape(label)
        );
    }
    s.push_str("</svg>");
    s
}

fn crumbs(r: &QuarterlyReport, data: &peel_spatial::OpenData) -> Vec<(String, String)> {
    let mut out = vec![(format!("/forces/{}", r.force), r.force_name.clone())];
    let base = format!("/forces/{}/{}s/{}", r.force, r.area_kind, r.area_id);
    let short = match r.area_kind {
        "bcu" => data.geography().bcus_of(&r.force).find(|b| b.id == r.area_id).map(|b| b.name.clone()),
        _ => Some(r.area_name.clone()),
    };
    out.push((base, short.unwrap_or_else(|| r.area_name.clone())));
    out
}

fn page(state: &AppState, r: QuarterlyReport) -> Result<Response, PageError> {
    let data = state.index.current();
    let picker = r
        .history
        .iter()
        .rev()
        .map(|h| {
            let label = if h.complete { h.name.clone() } else { format!("{} (incomplete)", h.name) };
            (h.quarter.clone(), label, h.quarter == r.quarter)
        })
        .collect();
    let base = format!("/forces/{}/{}s/{}/quarterly", r.force, r.area_kind, r.area_id);
    render(&QuarterlyPage { crumbs: crumbs(&r, &data), picker, chart_svg: bar_chart(&r), base, r })
}

/// The CSV download: one row per figure of the page, tidy (every row names
/// its area and quarter), numbers as the JSON holds them.
pub fn csv(r: &QuarterlyReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "area",
        "quarter",
        "complete",
        "table",
        "row",
        "count",
        "per_1000_residents",
        "share_percent",
        "same_quarter_last_year",
        "change_percent",
        "p_value",
        "verdict",
        "met",
        "eligible",
        "percent_met",
    ]);
    let opt_f = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let opt_u = |x: Option<u64>| x.map(|x| x.to_string()).unwrap_or_default();
    let head = [r.area_name.clone(), r.quarter.clone(), r.complete.to_string()];
    let mut row = |table: &str, cells: [String; 11]| {
        let mut rec: Vec<String> = head.to_vec();
        rec.push(table.to_string());
        rec.extend(cells);
        let _ = w.write_record(&rec);
    };
    let e = String::new;
    for c in &r.categories {
        row(
            "crimes",
            [
                c.category.clone(),
                c.crimes.to_string(),
                opt_f(c.per_1000),
                e(),
                opt_u(c.same_quarter_last_year),
                opt_f(c.change_percent),
                opt_f(c.p_value),
                c.verdict.unwrap_or_default().to_string(),
                e(),
                e(),
                e(),
            ],
        );
    }
    for o in &r.outcomes {
        row(
            "outcomes",
            [o.outcome.into(), o.crimes.to_string(), e(), opt_f(o.share_percent), e(), e(), e(), e(), e(), e(), e()],
        );
    }
    for p in &r.pledge.rows {
        row(
            "pledge",
            [
                p.commitment.clone(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                p.met.to_string(),
                p.eligible.to_string(),
                opt_f(p.percent),
            ],
        );
    }
    for h in &r.history {
        row(
            "quarters",
            [h.quarter.clone(), opt_u(h.crimes), opt_f(h.per_1000), e(), e(), e(), e(), e(), e(), e(), e()],
        );
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn csv_response(r: &QuarterlyReport) -> Response {
    csv_attachment(&format!("{}-{}-{}-quarterly-{}.csv", r.force, r.area_kind, r.area_id, r.quarter), csv(r))
}

pub async fn bcu_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    page(&s, load(&s, Kind::Bcu, &f, &id, &q).await?)
}

pub async fn bcu_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(csv_response(&load(&s, Kind::Bcu, &f, &id, &q).await?))
}

pub async fn bcu_json(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(Json(load(&s, Kind::Bcu, &f, &id, &q).await?).into_response())
}

pub async fn csp_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    page(&s, load(&s, Kind::Csp, &f, &id, &q).await?)
}

pub async fn csp_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(csv_response(&load(&s, Kind::Csp, &f, &id, &q).await?))
}

pub async fn csp_json(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(Json(load(&s, Kind::Csp, &f, &id, &q).await?).into_response())
}
