//! The report card pages (`/forces/{force}/report-card`, and
//! `/forces/{force}/bcus/{id}/report-card`, each with `.csv` and `.json`):
//! one [`ReportCard`] per request, so the page and downloads agree. The
//! grading is `peel_core::report_card`; the figures `report_card_figures`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use peel_core::quarterly::Quarter;
use peel_core::report_card::inspection::InspectionGrade;
use peel_core::report_card::{Card, Measure, Method, Observation, grade_card};
use serde::Serialize;

use super::download::csv_attachment;
use super::format::thousands;
use super::lookup::{bcu_or_404, force_or_404};
use super::quarterly::QuarterQuery;
use super::quarterly_report::Area;
use super::report_card_figures::{bcu_observations, choose_quarter, complete_quarters, force_observations};
use super::{PageError, render};
use crate::AppState;

#[derive(Debug, Clone, Serialize)]
pub struct ReportCard {
    pub method_version: String,
    /// The grades, best first.
    pub scale: Vec<String>,
    /// "force" or "bcu".
    pub area_kind: &'static str,
    pub force: String,
    pub force_name: String,
    pub area_id: String,
    pub area_name: String,
    pub quarter: String,
    pub quarter_name: String,
    pub overall: Option<String>,
    pub domains: Vec<DomainView>,
    /// Every complete quarter held, oldest first, with its grades.
    pub history: Vec<HistoryRow>,
    pub trigger: Trigger,
    /// HMICFRS's own grades of the force, as its administrators entered them.
    pub inspections: Vec<InspectionGrade>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DomainView {
    pub domain: &'static str,
    pub name: &'static str,
    pub grade: Option<String>,
    pub indicators: Vec<IndicatorView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorView {
    pub indicator: String,
    pub name: String,
    pub label: String,
    pub value: Option<f64>,
    pub reference: Option<f64>,
    pub reference_name: String,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub missing: Option<String>,
    pub link: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub quarter: String,
    pub name: String,
    pub overall: Option<String>,
    /// In the order of the domains.
    pub domains: Vec<Option<String>>,
}

/// Whether this card and the one before raise the white paper's third
/// trigger for a request for an extraordinary meeting (3.19).
#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub raised: bool,
    pub text: String,
}

fn grade_name(method: &Method, g: Option<usize>) -> Option<String> {
    g.map(|g| method.grade_name(g).to_string())
}

fn views(method: &Method, card: &Card) -> Vec<DomainView> {
    card.domains
        .iter()
        .map(|d| DomainView {
            domain: d.domain.slug(),
            name: d.domain.name(),
            grade: grade_name(method, d.grade),
            indicators: d
                .indicators
                .iter()
                .map(|i| {
                    let o = &i.observation;
                    IndicatorView {
                        indicator: o.indicator.clone(),
                        name: method.indicator(&o.indicator).map(|x| x.name.clone()).unwrap_or_default(),
                        label: o.label.clone(),
                        value: o.value,
                        reference: o.reference,
                        reference_name: o.reference_name.clone(),
                        score: i.score,
                        grade: grade_name(method, i.grade),
                        missing: o.missing.clone(),
                        link: o.link.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The trigger at quarter `q` from the cards of `q` and the quarter before.
fn trigger(method: &Method, cards: &[(Quarter, Card)], q: Quarter) -> Trigger {
    let at = cards.iter().position(|(x, _)| *x == q);
    let now = at.and_then(|i| cards[i].1.overall);
    let before =
        at.and_then(|i| i.checked_sub(1)).map(|i| &cards[i]).filter(|(x, _)| x.months()[2].plus(1) == q.months()[0]);
    let (Some(now), Some((bq, Some(then)))) = (now, before.map(|(x, c)| (x, c.overall))) else {
        return Trigger {
            raised: false,
            text: "peel cannot say whether this card raises the trigger for an extraordinary meeting: it needs an overall grade for this quarter and for the quarter before.".into(),
        };
    };
    let (g_now, g_then) = (method.grade_name(now), method.grade_name(then));
    let raised = method.raises_trigger(then, now);
    let text = if raised {
        format!(
            "Two consecutive report cards show no improvement: {} is graded {g_now}, and {} was graded {g_then}. This is the third ground on which the public may ask for an extraordinary meeting with the senior officer (the 2009 white paper, 3.19).",
            q.long_name(),
            bq.long_name()
        )
    } else if now < then {
        format!(
            "The overall grade improved, from {g_then} in {} to {g_now}: no trigger for an extraordinary meeting.",
            bq.long_name()
        )
    } else {
        format!(
            "The overall grade is {g_now} ({g_then} in {}): a card without improvement raises the trigger only at {} or worse.",
            bq.long_name(),
            method.trigger_from
        )
    };
    Trigger { raised, text }
}

/// The card of force `fid`, or of its BCU `bcu`, for the quarter asked for.
async fn load(state: &AppState, fid: &str, bcu: Option<&str>, q: &QuarterQuery) -> Result<ReportCard, PageError> {
    let method = Method::published();
    let data = state.index.current();
    let force = force_or_404(&data, fid)?.clone();
    let inputs = state.store.comparisons().comparison_inputs().await?;
    let held = complete_quarters(&data, fid);
    let quarter = choose_quarter(q.quarter.as_deref(), &held, &force.name)?;
    let geography = data.geography();
    let area = match bcu {
        Some(id) => {
            let b = bcu_or_404(&data, &force, id)?;
            let csps = geography.csps_of(fid).filter(|c| c.bcu_id == b.id).collect();
            Some(Area {
                force: fid,
                force_name: &force.name,
                kind: "bcu",
                id,
                name: format!("{} basic command unit", b.name),
                csps,
            })
        }
        None => None,
    };
    let mut cards: Vec<(Quarter, Card)> = Vec::with_capacity(held.len());
    for h in &held {
        let observations: Vec<Observation> = match &area {
            Some(a) => bcu_observations(state, &data, &inputs, a, *h).await?,
            None => force_observations(state, &data, &inputs, fid, *h).await?,
        };
        cards.push((*h, grade_card(method, observations)));
    }
    let card = cards
        .iter()
        .find(|(x, _)| *x == quarter)
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| grade_card(method, Vec::new()));
    let history = cards
        .iter()
        .map(|(h, c)| HistoryRow {
            quarter: h.to_string(),
            name: h.long_name(),
            overall: grade_name(method, c.overall),
            domains: c.domains.iter().map(|d| grade_name(method, d.grade)).collect(),
        })
        .collect();
    let (area_id, area_name) = match &area {
        Some(a) => (a.id.to_string(), a.name.clone()),
        None => (fid.to_string(), force.name.clone()),
    };
    Ok(ReportCard {
        method_version: method.version.clone(),
        scale: method.scale.clone(),
        area_kind: if area.is_some() { "bcu" } else { "force" },
        force: fid.to_string(),
        force_name: force.name.clone(),
        area_id,
        area_name,
        quarter: quarter.to_string(),
        quarter_name: quarter.long_name(),
        overall: grade_name(method, card.overall),
        domains: views(method, &card),
        trigger: trigger(method, &cards, quarter),
        history,
        inspections: state.store.inspections().grades(fid).await?,
    })
}

/// A figure as the page shows it, in the indicator's unit.
pub fn value_text(indicator: &str, x: Option<f64>) -> String {
    let Some(x) = x else { return "Not held".into() };
    match indicator {
        "crime-rate" | "serious-harm-rate" | "dealt-with-per-officer" => format!("{x:.2}"),
        "spend-per-resident" => format!("£{}", thousands(x.round() as i64)),
        _ => format!("{x:.1}%"),
    }
}

/// How the score reads: a ratio, or points above the benchmark.
pub fn score_text(indicator: &str, score: Option<f64>) -> String {
    let measure = Method::published().indicator(indicator).map(|i| i.measure);
    match (score, measure) {
        (None, _) => "–".into(),
        (Some(s), Some(Measure::RatioToComparators)) => format!("{s:.2} times"),
        (Some(s), Some(Measure::PointsAboveBenchmark)) => format!("{s:+.1} points"),
        (Some(s), _) => format!("{s:.1}%"),
    }
}

#[derive(Template)]
#[template(path = "report_card.html")]
struct ReportCardPage {
    r: ReportCard,
    base: String,
    crumbs: Vec<(String, String)>,
    picker: Vec<(String, String, bool)>,
    /// The method's indicators: (domain, name, how scored, cut points in words).
    method_rows: Vec<(String, String, String, String)>,
}

impl ReportCardPage {
    fn value(&self, i: &IndicatorView) -> String {
        value_text(&i.indicator, i.value)
    }

    fn reference(&self, i: &IndicatorView) -> String {
        match i.indicator.as_str() {
            "pledge-compliance" => "–".into(),
            _ => value_text(&i.indicator, i.reference),
        }
    }

    fn score(&self, i: &IndicatorView) -> String {
        score_text(&i.indicator, i.score)
    }
}

fn method_rows(method: &Method) -> Vec<(String, String, String, String)> {
    method
        .indicators
        .iter()
        .map(|i| {
            let how = match i.measure {
                Measure::RatioToComparators => "its figure divided by its comparators'",
                Measure::Percent => "the percentage itself",
                Measure::PointsAboveBenchmark => "percentage points above the national figure",
            };
            let better = match i.better {
                peel_core::report_card::Better::Higher => "higher is better",
                peel_core::report_card::Better::Lower => "lower is better",
            };
            let cuts: Vec<String> = method
                .scale
                .iter()
                .zip(&i.cuts)
                .map(|(g, c)| {
                    let side = match i.better {
                        peel_core::report_card::Better::Higher => "at least",
                        peel_core::report_card::Better::Lower => "at most",
                    };
                    format!("{g}: {side} {c}")
                })
                .collect();
            let last = method.scale.last().cloned().unwrap_or_default();
            let domain =
                peel_core::report_card::Domain::ALL.iter().find(|d| **d == i.domain).map(|d| d.name()).unwrap_or("");
            (
                domain.to_string(),
                i.name.clone(),
                format!("{how}; {better}"),
                format!("{}; {last} otherwise", cuts.join("; ")),
            )
        })
        .collect()
}

fn page(r: ReportCard) -> Result<Response, PageError> {
    let base = match r.area_kind {
        "bcu" => format!("/forces/{}/bcus/{}/report-card", r.force, r.area_id),
        _ => format!("/forces/{}/report-card", r.force),
    };
    let mut crumbs = vec![(format!("/forces/{}", r.force), r.force_name.clone())];
    if r.area_kind == "bcu" {
        crumbs.push((format!("/forces/{}/bcus/{}", r.force, r.area_id), r.area_name.clone()));
    }
    let picker = r.history.iter().rev().map(|h| (h.quarter.clone(), h.name.clone(), h.quarter == r.quarter)).collect();
    render(&ReportCardPage { method_rows: method_rows(Method::published()), base, crumbs, picker, r })
}

/// The CSV download: one row per indicator of the card, each naming the
/// area, quarter and method, with the domain and overall grades repeated.
pub fn csv(r: &ReportCard) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "method_version",
        "area",
        "quarter",
        "overall_grade",
        "domain",
        "domain_grade",
        "indicator",
        "label",
        "value",
        "compared_with",
        "reference",
        "score",
        "grade",
        "not_graded_because",
    ]);
    let f = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    for d in &r.domains {
        for i in &d.indicators {
            let _ = w.write_record([
                r.method_version.clone(),
                r.area_name.clone(),
                r.quarter.clone(),
                r.overall.clone().unwrap_or_default(),
                d.name.to_string(),
                d.grade.clone().unwrap_or_default(),
                i.indicator.clone(),
                i.label.clone(),
                f(i.value),
                i.reference_name.clone(),
                f(i.reference),
                f(i.score),
                i.grade.clone().unwrap_or_default(),
                i.missing.clone().unwrap_or_default(),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn csv_response(r: &ReportCard) -> Response {
    csv_attachment(&format!("{}-{}-report-card-{}.csv", r.force, r.area_id, r.quarter), csv(r))
}

pub async fn force_page(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    page(load(&s, &f, None, &q).await?)
}

pub async fn force_csv(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(csv_response(&load(&s, &f, None, &q).await?))
}

pub async fn force_json(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(Json(load(&s, &f, None, &q).await?).into_response())
}

pub async fn bcu_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    page(load(&s, &f, Some(&id), &q).await?)
}

pub async fn bcu_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(csv_response(&load(&s, &f, Some(&id), &q).await?))
}

pub async fn bcu_json(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    Ok(Json(load(&s, &f, Some(&id), &q).await?).into_response())
}
