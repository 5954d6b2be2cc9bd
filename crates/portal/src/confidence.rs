//! Public confidence pages for a force and a BCU
//! (`/forces/{force}/confidence`, `/forces/{force}/bcus/{id}/confidence`,
//! each also `.csv` and `.json`, `?date=YYYY-MM` ending the rolling twelve
//! months): one [`ConfidenceReport`] each, so the three always agree. The
//! figures are the store's (`Confidence::year_on_year`); the method is
//! `peel_core::confidence` and `docs/methods.md`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use peel_core::Month;
use peel_core::confidence::{self, Figure, METHOD_VERSION};
use peel_store::{YearFigure, YearOnYear};
use serde::Serialize;

use super::download::csv_attachment;
use super::format::thousands;
use super::lookup::{bcu_or_404, force_or_404};
use super::months::{MonthChoice, MonthQuery};
use super::svg::{IntervalPoint, IntervalRow, interval_chart};
use super::{PageError, render};
use crate::AppState;

/// Everything the page shows, as the downloads give it: percentages,
/// intervals and changes to one decimal, as printed.
#[derive(Debug, Serialize)]
pub struct ConfidenceReport {
    pub force: String,
    pub force_name: String,
    /// "force" or "bcu".
    pub area_kind: &'static str,
    /// The BCU's id; empty for a force.
    pub area_id: String,
    pub area_name: String,
    pub method_version: &'static str,
    /// The last month of the rolling twelve; none when no response is held.
    pub end_month: Option<Month>,
    pub period: Option<Period>,
    pub previous_period: Option<Period>,
    pub minimum_unweighted_base: u32,
    /// Who ran the surveys counted in either period.
    pub sources: Vec<String>,
    /// Whether any source says its responses are illustrative (made up).
    pub illustrative: bool,
    pub measures: Vec<MeasureRow>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Period {
    pub first: Month,
    pub last: Month,
}

impl Period {
    fn of(f: &YearFigure) -> Period {
        Period { first: f.first, last: f.last }
    }

    /// "January 2025 to December 2025".
    pub fn name(&self) -> String {
        format!("{} to {}", self.first.long_name(), self.last.long_name())
    }
}

/// One measure's figures for a period.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodFigure {
    /// "published", "suppressed" or "no-responses".
    pub status: &'static str,
    pub weighted_percent: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub unweighted_base: Option<u64>,
    pub effective_base: Option<f64>,
    pub design_effect: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeasureRow {
    pub measure: &'static str,
    pub label: &'static str,
    #[serde(skip)]
    pub short_label: &'static str,
    pub question: &'static str,
    pub now: PeriodFigure,
    pub previous: PeriodFigure,
    /// Percentage points, now less previous; only when both are published.
    pub change_points: Option<f64>,
    pub significant: Option<bool>,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn period_figure(f: &Figure) -> PeriodFigure {
    let e = f.estimate();
    PeriodFigure {
        status: f.status(),
        weighted_percent: e.map(|e| round(e.percent, 1)),
        ci_low: e.map(|e| round(e.ci_low, 1)),
        ci_high: e.map(|e| round(e.ci_high, 1)),
        unweighted_base: f.unweighted_base(),
        effective_base: e.map(|e| round(e.effective_base, 1)),
        design_effect: e.map(|e| round(e.design_effect, 2)),
    }
}

fn row(y: &YearOnYear) -> MeasureRow {
    MeasureRow {
        measure: y.measure.code(),
        label: y.measure.label(),
        short_label: y.measure.short_label(),
        question: y.measure.question(),
        now: period_figure(&y.now.figure),
        previous: period_figure(&y.before.figure),
        change_points: y.change.map(|c| round(c.points, 1)),
        significant: y.change.map(|c| c.significant),
    }
}

/// The area a page is about: a force, or one of its BCUs.
struct Area {
    force: String,
    force_name: String,
    bcu: Option<(String, String)>,
}

impl Area {
    fn name(&self) -> String {
        match &self.bcu {
            Some((_, name)) => format!("{name} basic command unit"),
            None => self.force_name.clone(),
        }
    }

    fn base(&self) -> String {
        match &self.bcu {
            Some((id, _)) => format!("/forces/{}/bcus/{id}/confidence", self.force),
            None => format!("/forces/{}/confidence", self.force),
        }
    }
}

fn area(state: &AppState, fid: &str, bcu: Option<&str>) -> Result<Area, PageError> {
    let data = state.index.current();
    let f = force_or_404(&data, fid)?;
    let bcu = match bcu {
        Some(id) => {
            let b = bcu_or_404(&data, f, id)?;
            Some((b.id.clone(), b.name.clone()))
        }
        None => None,
    };
    Ok(Area { force: f.id.clone(), force_name: f.name.clone(), bcu })
}

/// The report and the picker of months held, for the twelve months
/// ending with the month asked for (the latest held when none is). A
/// month that is not one is a bad request; a month without responses,
/// a page not found.
async fn load(
    state: &AppState,
    area: &Area,
    date: Option<&str>,
) -> Result<(ConfidenceReport, Vec<(String, String, bool)>), PageError> {
    super::months::well_formed(date)?;
    let c = state.store.confidence();
    let bcu = area.bcu.as_ref().map(|(id, _)| id.as_str());
    let held = c.months(&area.force, bcu).await?;
    let choice = MonthChoice::among(held.clone(), held.last().copied(), date, "survey responses")?;
    let minimum_unweighted_base = c.min_base().await?;
    let mut report = ConfidenceReport {
        force: area.force.clone(),
        force_name: area.force_name.clone(),
        area_kind: if area.bcu.is_some() { "bcu" } else { "force" },
        area_id: area.bcu.as_ref().map(|b| b.0.clone()).unwrap_or_default(),
        area_name: area.name(),
        method_version: METHOD_VERSION,
        end_month: choice.month,
        period: None,
        previous_period: None,
        minimum_unweighted_base,
        sources: Vec::new(),
        illustrative: false,
        measures: Vec::new(),
    };
    if let Some(end) = choice.month {
        let years = c.year_on_year(&area.force, bcu, end).await?;
        report.period = years.first().map(|y| Period::of(&y.now));
        report.previous_period = years.first().map(|y| Period::of(&y.before));
        let (first, _) = confidence::year_before(end);
        report.sources = c.sources(&area.force, bcu, first, end).await?;
        report.illustrative = report.sources.iter().any(|s| s.to_ascii_lowercase().contains("illustrative"));
        report.measures = years.iter().map(row).collect();
    }
    Ok((report, choice.picker))
}

#[derive(Template)]
#[template(path = "confidence.html")]
struct ConfidencePage {
    r: ConfidenceReport,
    crumbs: Vec<(String, String)>,
    picker: Vec<(String, String, bool)>,
    chart_svg: String,
    base: String,
    date: String,
}

impl ConfidencePage {
    fn percent(&self, f: &PeriodFigure) -> String {
        percent_text(f, self.r.minimum_unweighted_base)
    }

    fn interval(&self, f: &PeriodFigure) -> String {
        match (f.ci_low, f.ci_high) {
            (Some(a), Some(b)) => format!("{a:.1}% to {b:.1}%"),
            _ => "–".into(),
        }
    }

    fn base_text(&self, f: &PeriodFigure) -> String {
        f.unweighted_base.map_or_else(|| "None".into(), |n| thousands(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    fn change(&self, m: &MeasureRow) -> String {
        match m.change_points {
            Some(p) => format!("{p:+.1} points"),
            None => "Not compared".into(),
        }
    }

    fn verdict(&self, m: &MeasureRow) -> String {
        verdict_text(m)
    }
}

/// The weighted percentage as printed, or why there is none.
fn percent_text(f: &PeriodFigure, min_base: u32) -> String {
    match (f.status, f.weighted_percent) {
        (_, Some(p)) => format!("{p:.1}%"),
        ("suppressed", _) => format!("Not published: fewer than {min_base} responses"),
        _ => "No survey responses are held".into(),
    }
}

fn verdict_text(m: &MeasureRow) -> String {
    match m.significant {
        Some(true) => "Significant change".into(),
        Some(false) => "No significant change".into(),
        None => "Not tested: both periods need a published figure".into(),
    }
}

fn crumbs(area: &Area) -> Vec<(String, String)> {
    let mut out = vec![(format!("/forces/{}", area.force), area.force_name.clone())];
    if let Some((id, name)) = &area.bcu {
        out.push((format!("/forces/{}/bcus/{id}", area.force), name.clone()));
    }
    out
}

fn chart(r: &ConfidenceReport) -> String {
    let now = r.period.map(|p| p.name()).unwrap_or_default();
    let before = r.previous_period.map(|p| p.name()).unwrap_or_default();
    let rows: Vec<IntervalRow<'_>> = r
        .measures
        .iter()
        .map(|m| {
            let point = |f: &PeriodFigure| match (f.weighted_percent, f.ci_low, f.ci_high) {
                (Some(p), Some(a), Some(b)) => Some((p, a, b)),
                _ => None,
            };
            let note = |f: &PeriodFigure, when: &str| match point(f) {
                Some((p, a, b)) => format!("{when}: {p:.1}% (95% interval {a:.1}% to {b:.1}%)"),
                None => format!("{when}: {}", percent_text(f, r.minimum_unweighted_base)),
            };
            IntervalRow {
                label: m.short_label,
                periods: [
                    IntervalPoint { text: note(&m.now, &now), value: point(&m.now) },
                    IntervalPoint { text: note(&m.previous, &before), value: point(&m.previous) },
                ],
            }
        })
        .collect();
    interval_chart(
        &format!("Public confidence in {}: weighted percentages with 95% confidence intervals", r.area_name),
        &format!(
            "For each measure, the weighted percentage for {now} (filled dot) and for {before} (hollow dot), each with a line across its 95% confidence interval, on a scale of 0 to 100%. A measure without a published figure has no dot. The same figures are in the table beside it."
        ),
        &rows,
    )
}

fn page(area: &Area, r: ConfidenceReport, picker: Vec<(String, String, bool)>) -> Result<Response, PageError> {
    let date = r.end_month.map(|m| m.to_string()).unwrap_or_default();
    render(&ConfidencePage { crumbs: crumbs(area), picker, chart_svg: chart(&r), base: area.base(), date, r })
}

/// The CSV download: one row per measure, numbers as the page prints them.
pub fn csv(r: &ConfidenceReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "area",
        "measure",
        "period_first",
        "period_last",
        "status",
        "weighted_percent",
        "ci_low",
        "ci_high",
        "unweighted_base",
        "effective_base",
        "design_effect",
        "previous_first",
        "previous_last",
        "previous_status",
        "previous_weighted_percent",
        "previous_ci_low",
        "previous_ci_high",
        "previous_unweighted_base",
        "change_points",
        "significant",
        "minimum_unweighted_base",
        "method",
        "sources",
    ]);
    let f = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let u = |x: Option<u64>| x.map(|x| x.to_string()).unwrap_or_default();
    let month =
        |p: Option<Period>, last: bool| p.map(|p| if last { p.last } else { p.first }.to_string()).unwrap_or_default();
    for m in &r.measures {
        let _ = w.write_record([
            r.area_name.clone(),
            m.measure.to_string(),
            month(r.period, false),
            month(r.period, true),
            m.now.status.to_string(),
            f(m.now.weighted_percent),
            f(m.now.ci_low),
            f(m.now.ci_high),
            u(m.now.unweighted_base),
            f(m.now.effective_base),
            f(m.now.design_effect),
            month(r.previous_period, false),
            month(r.previous_period, true),
            m.previous.status.to_string(),
            f(m.previous.weighted_percent),
            f(m.previous.ci_low),
            f(m.previous.ci_high),
            u(m.previous.unweighted_base),
            f(m.change_points),
            m.significant.map(|s| s.to_string()).unwrap_or_default(),
            r.minimum_unweighted_base.to_string(),
            r.method_version.to_string(),
            r.sources.join("; "),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn csv_response(area: &Area, r: &ConfidenceReport) -> Response {
    let slug = match &area.bcu {
        Some((id, _)) => format!("{}-bcu-{id}", area.force),
        None => area.force.clone(),
    };
    let end = r.end_month.map(|m| format!("-{m}")).unwrap_or_default();
    csv_attachment(&format!("{slug}-confidence{end}.csv"), csv(r))
}

#[derive(Clone, Copy)]
enum Format {
    Page,
    Csv,
    Json,
}

async fn answer(state: &AppState, area: Area, q: &MonthQuery, format: Format) -> Result<Response, PageError> {
    let (r, picker) = load(state, &area, q.date.as_deref()).await?;
    match format {
        Format::Page => page(&area, r, picker),
        Format::Csv => Ok(csv_response(&area, &r)),
        Format::Json => Ok(Json(r).into_response()),
    }
}

pub async fn force_page(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    answer(&s, area(&s, &f, None)?, &q, Format::Page).await
}

pub async fn force_csv(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    answer(&s, area(&s, &f, None)?, &q, Format::Csv).await
}

pub async fn force_json(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    answer(&s, area(&s, &f, None)?, &q, Format::Json).await
}

pub async fn bcu_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    answer(&s, area(&s, &f, Some(&id))?, &q, Format::Page).await
}

pub async fn bcu_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    answer(&s, area(&s, &f, Some(&id))?, &q, Format::Csv).await
}

pub async fn bcu_json(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    answer(&s, area(&s, &f, Some(&id))?, &q, Format::Json).await
}
