//! The figures a report card grades (method `report-card-1`, see
//! `peel_core::report_card` and `docs/methods.md`), gathered for a force or
//! a basic command unit and a complete quarter: each indicator's value, what
//! it is compared with, and why a figure is missing where one is.

use std::collections::BTreeMap;

use chrono::Utc;
use peel_core::outcome::OutcomeGroup;
use peel_core::peers::{self, MAX_PEERS, PublishedGroup};
use peel_core::pledge::Report;
use peel_core::quarterly::Quarter;
use peel_core::report_card::{self, NET_REVENUE_EXPENDITURE, Observation, POLICE_OFFICERS};
use peel_core::{CrimeCategory, Outcome};
use peel_spatial::OpenData;
use peel_spatial::open_data::OutcomeCounts;
use peel_store::ComparisonInputs;

use super::PageError;
use super::force_rates::{force_name, territorial};
use super::quarterly_report::Area;
use crate::AppState;

/// The categories the serious-harm indicator counts.
pub const SERIOUS_HARM: [CrimeCategory; 3] =
    [CrimeCategory::ViolentCrime, CrimeCategory::Robbery, CrimeCategory::PossessionOfWeapons];

/// One area's own figures for a quarter, before any comparison.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub crimes: Option<u64>,
    pub serious: Option<u64>,
    pub population: Option<i64>,
    /// Crimes other than anti-social behaviour, and of them those with a
    /// suspect dealt with; none when no outcome is published for the quarter.
    pub outcomes: Option<(u64, u64)>,
    pub spend: Option<f64>,
    pub officers: Option<f64>,
}

impl Figures {
    fn per_1000(&self, n: Option<u64>) -> Option<f64> {
        let p = self.population.filter(|p| *p > 0)?;
        Some(n? as f64 * 1000.0 / p as f64)
    }

    pub fn crime_rate(&self) -> Option<f64> {
        self.per_1000(self.crimes)
    }

    pub fn serious_rate(&self) -> Option<f64> {
        self.per_1000(self.serious)
    }

    pub fn dealt_with_share(&self) -> Option<f64> {
        let (all, dealt) = self.outcomes.filter(|(all, _)| *all > 0)?;
        Some(dealt as f64 * 100.0 / all as f64)
    }

    pub fn spend_per_resident(&self) -> Option<f64> {
        Some(self.spend? / self.population.filter(|p| *p > 0)? as f64)
    }

    pub fn dealt_with_per_officer(&self) -> Option<f64> {
        let officers = self.officers.filter(|o| *o > 0.0)?;
        Some(self.outcomes?.1 as f64 / officers)
    }
}

/// Sums outcome counts into (crimes, of which a suspect was dealt with);
/// none when no crime has an outcome published (a zero would mislead).
fn outcome_totals(months: impl IntoIterator<Item = [u64; 29]>) -> Option<(u64, u64)> {
    let mut all = 0u64;
    let mut dealt = 0u64;
    let mut published = 0u64;
    for counts in months {
        for (i, &n) in counts.iter().enumerate() {
            all += n;
            let outcome = i.checked_sub(1).and_then(|i| Outcome::ALL.get(i));
            if outcome.is_some() {
                published += n;
            }
            if outcome.map(|o| o.group()) == Some(OutcomeGroup::OffenderDealtWith) {
                dealt += n;
            }
        }
    }
    (published > 0).then_some((all, dealt))
}

fn widen(counts: OutcomeCounts) -> [u64; 29] {
    counts.map(u64::from)
}

fn variable(inputs: &ComparisonInputs, force_id: &str, name: &str) -> Option<f64> {
    inputs.variables.iter().find(|v| v.force_id == force_id && v.variable == name).map(|v| v.value)
}

/// Whether every month of the quarter is held for the force.
pub fn complete(data: &OpenData, force_id: &str, q: Quarter) -> bool {
    let held = data.force_months(force_id);
    q.months().iter().all(|m| held.contains(m))
}

/// A force's own figures for a quarter (none of the crime figures unless the quarter is complete).
pub fn force_figures(data: &OpenData, inputs: &ComparisonInputs, force_id: &str, q: Quarter) -> Figures {
    let mut f = Figures {
        population: data.geography().force_population(force_id),
        spend: variable(inputs, force_id, NET_REVENUE_EXPENDITURE),
        officers: variable(inputs, force_id, POLICE_OFFICERS),
        ..Figures::default()
    };
    if complete(data, force_id, q) {
        let [from, _, to] = q.months();
        let counts = data.force_counts(Some(force_id), from, to);
        f.crimes = Some(counts.iter().map(|(_, _, n)| n.unsigned_abs()).sum());
        f.serious =
            Some(counts.iter().filter(|(_, c, _)| SERIOUS_HARM.contains(c)).map(|(_, _, n)| n.unsigned_abs()).sum());
        f.outcomes = outcome_totals(q.months().iter().filter_map(|m| data.force_outcomes(force_id, *m)).map(widen));
    }
    f
}

/// A basic command unit's own figures: crimes where their LSOA lies in its
/// partnerships' local authorities, residents the partnerships' sum.
/// Finance and workforce figures are a force's, so a BCU has none.
pub fn bcu_figures(data: &OpenData, area: &Area<'_>, q: Quarter) -> Figures {
    let mut f = Figures { population: area.population(), ..Figures::default() };
    if complete(data, area.force, q) {
        let counts = area.categories(data, q);
        f.crimes = Some(counts.values().sum());
        f.serious = Some(SERIOUS_HARM.iter().map(|c| counts.get(c).copied().unwrap_or(0)).sum());
        f.outcomes = outcome_totals([area.outcomes(data, q)]);
    }
    f
}

/// Who an indicator is compared with: the force's most similar group
/// (published, else computed by `most-similar-1`), else every other force
/// held; each member only where it has the figure.
pub struct Comparators {
    /// (force id, why these: "its published most similar group").
    pub candidates: Vec<String>,
    pub group: &'static str,
}

impl Comparators {
    pub fn of(inputs: &ComparisonInputs, force_id: &str) -> Comparators {
        let published: Option<&PublishedGroup> =
            inputs.published_groups.iter().find(|g| g.force_id == force_id && !g.peers.is_empty());
        if let Some(g) = published {
            return Comparators { candidates: g.peers.clone(), group: "its published most similar group" };
        }
        let standardised = peers::standardise(&inputs.variables);
        match standardised.nearest(force_id, MAX_PEERS) {
            Some(near) if !near.is_empty() => Comparators {
                candidates: near.into_iter().map(|p| p.force_id).collect(),
                group: "the most similar group peel computes for it",
            },
            _ => Comparators { candidates: Vec::new(), group: "" },
        }
    }
}

/// An observation of a ratio indicator: the area's value against the mean
/// of the comparators that have it.
fn against_peers(
    data: &OpenData,
    mut obs: Observation,
    missing_own: &str,
    peers: &[(String, Option<f64>)],
    fallback: &[(String, Option<f64>)],
    group: &str,
) -> Observation {
    if obs.value.is_none() {
        obs.missing = Some(missing_own.to_string());
        return obs;
    }
    let with = |list: &[(String, Option<f64>)]| -> Vec<(String, f64)> {
        list.iter().filter_map(|(id, v)| Some((id.clone(), (*v)?))).collect()
    };
    let (members, why) = match with(peers) {
        m if !m.is_empty() => (m, group.to_string()),
        _ => {
            let why = if group.is_empty() {
                "the other forces peel holds (no most similar group is held for it)".to_string()
            } else {
                format!("the other forces peel holds (none of {group} has this figure)")
            };
            (with(fallback), why)
        }
    };
    if members.is_empty() {
        obs.missing = Some("No other force's figure is held to compare it with.".into());
        return obs;
    }
    obs.reference = report_card::mean(members.iter().map(|(_, v)| Some(*v)));
    let names: Vec<String> = members.iter().map(|(id, _)| force_name(data, id)).collect();
    obs.reference_name = format!("the mean of {} ({why})", names.join(", "));
    obs
}

/// The Pledge compliance of a quarter's monthly reports: every
/// commitment's met over eligible, added up; none when nothing was eligible.
pub fn pledge_percent(reports: &[Report]) -> Option<(f64, bool)> {
    let (met, eligible) = reports
        .iter()
        .flat_map(|r| &r.commitments)
        .fold((0u128, 0u128), |(m, e), c| (m + u128::from(c.met), e + u128::from(c.eligible)));
    let generated = reports.iter().any(|r| r.generated);
    peel_core::pledge::compliance::percent(met, eligible).map(|p| (p, generated))
}

/// The Pledge observation of a quarter from its monthly reports, counting
/// only the months peel holds Pledge events for (`held`): a month with none
/// would count every neighbourhood's public meetings as missed.
fn pledge_observation(
    reports: Option<Vec<Report>>,
    held: &[peel_core::Month],
    link: String,
    whose: &str,
) -> Observation {
    let reports: Vec<Report> = reports.unwrap_or_default().into_iter().filter(|r| held.contains(&r.month)).collect();
    let found = pledge_percent(&reports);
    Observation {
        indicator: "pledge-compliance".into(),
        label: if found.is_some_and(|f| f.1) { "counts generated demo events".into() } else { String::new() },
        value: found.map(|f| f.0),
        reference: None,
        reference_name: "the standard itself".into(),
        missing: found.is_none().then(|| format!("No Policing Pledge events are held for {whose} in the quarter.")),
        link,
    }
}

/// The confidence observations of an area: each survey measure published
/// for the twelve months ending with the quarter, against its national
/// benchmark; one missing observation, saying why, when none is published.
async fn confidence_observations(
    state: &AppState,
    force_id: &str,
    bcu: Option<&str>,
    q: Quarter,
) -> Result<Vec<Observation>, PageError> {
    let method = report_card::Method::published();
    let end = q.months()[2];
    let page = match bcu {
        Some(b) => format!("/forces/{force_id}/bcus/{b}/confidence"),
        None => format!("/forces/{force_id}/confidence"),
    };
    let figures = state.store.confidence().rolling_year(force_id, bcu, end).await?;
    let mut out = Vec::new();
    for f in &figures {
        let Some(e) = f.figure.estimate() else { continue };
        let benchmark = method.benchmark(f.measure.code());
        out.push(Observation {
            indicator: "confidence".into(),
            label: f.measure.label().to_string(),
            value: Some(e.percent),
            reference: benchmark.map(|b| b.value),
            reference_name: benchmark.map(|b| b.source.clone()).unwrap_or_default(),
            missing: benchmark.is_none().then(|| "The method holds no national figure for this measure.".to_string()),
            link: format!("{page}?date={end}"),
        });
    }
    if out.is_empty() {
        let suppressed = figures.iter().any(|f| matches!(f.figure, peel_core::confidence::Figure::Suppressed { .. }));
        let why = if suppressed {
            format!("Too few survey responses in the twelve months to {} to publish a figure.", end.long_name())
        } else {
            format!("No public confidence survey responses are held for the twelve months to {}.", end.long_name())
        };
        out.push(Observation {
            indicator: "confidence".into(),
            label: String::new(),
            value: None,
            reference: None,
            reference_name: String::new(),
            missing: Some(why),
            link: page,
        });
    }
    Ok(out)
}

/// Every observation of a force's card for a quarter.
pub async fn force_observations(
    state: &AppState,
    data: &OpenData,
    inputs: &ComparisonInputs,
    force_id: &str,
    q: Quarter,
) -> Result<Vec<Observation>, PageError> {
    let own = force_figures(data, inputs, force_id, q);
    let comparators = Comparators::of(inputs, force_id);
    let figures_of = |ids: &mut dyn Iterator<Item = &str>| -> Vec<(String, Figures)> {
        ids.filter(|id| *id != force_id).map(|id| (id.to_string(), force_figures(data, inputs, id, q))).collect()
    };
    let peers = figures_of(&mut comparators.candidates.iter().map(String::as_str));
    let others = figures_of(&mut territorial().map(|k| k.id));
    let last = q.months()[2];
    let similar = format!("/forces/{force_id}/similar?date={last}");
    let incomplete = "peel does not hold every month of the quarter for this force.";
    let ratio = |indicator: &str, get: &dyn Fn(&Figures) -> Option<f64>, missing: &str, link: String| {
        let pick = |list: &[(String, Figures)]| -> Vec<(String, Option<f64>)> {
            list.iter().map(|(id, f)| (id.clone(), get(f))).collect()
        };
        let obs = Observation {
            indicator: indicator.to_string(),
            label: String::new(),
            value: get(&own),
            reference: None,
            reference_name: String::new(),
            missing: None,
            link,
        };
        against_peers(data, obs, missing, &pick(&peers), &pick(&others), comparators.group)
    };
    let no_rate = if own.crimes.is_none() {
        incomplete.to_string()
    } else {
        "peel holds no population for this force.".to_string()
    };
    let no_outcomes = if own.crimes.is_none() {
        incomplete.to_string()
    } else {
        "police.uk publishes no outcomes for this force's crimes of the quarter.".to_string()
    };
    let mut out = vec![
        ratio("crime-rate", &Figures::crime_rate, &no_rate, similar.clone()),
        ratio("offenders-dealt-with", &Figures::dealt_with_share, &no_outcomes, format!("/forces/{force_id}")),
        ratio("serious-harm-rate", &Figures::serious_rate, &no_rate, similar.clone()),
        ratio(
            "spend-per-resident",
            &Figures::spend_per_resident,
            "peel holds no net revenue expenditure (or no population) for this force.",
            format!("#{NET_REVENUE_EXPENDITURE}"),
        ),
        ratio(
            "dealt-with-per-officer",
            &Figures::dealt_with_per_officer,
            if own.officers.is_none() {
                "peel holds no count of police officers for this force."
            } else {
                &no_outcomes
            },
            format!("#{POLICE_OFFICERS}"),
        ),
    ];
    // Say where the finance and workforce figures come from (the sample's are illustrative).
    for o in out.iter_mut().filter(|o| o.indicator == "spend-per-resident" || o.indicator == "dealt-with-per-officer") {
        let name = if o.indicator == "spend-per-resident" { NET_REVENUE_EXPENDITURE } else { POLICE_OFFICERS };
        if let Some(v) = inputs.variables.iter().find(|v| v.force_id == force_id && v.variable == name) {
            o.label = format!("{}, {}", v.source, v.year);
        }
    }
    let [from, _, to] = q.months();
    let reports = state.store.pledge().pledge_compliance_months(force_id, from, to, None, Utc::now()).await?;
    let held = state.store.pledge().pledge_months(force_id, None).await?;
    let name = force_name(data, force_id);
    out.push(pledge_observation(Some(reports), &held, format!("/forces/{force_id}/pledge?date={last}"), &name));
    out.extend(confidence_observations(state, force_id, None, q).await?);
    Ok(out)
}

/// Every observation of a BCU's card for a quarter: each figure against
/// the force's as a whole (no most similar groups of BCUs are held).
pub async fn bcu_observations(
    state: &AppState,
    data: &OpenData,
    inputs: &ComparisonInputs,
    area: &Area<'_>,
    q: Quarter,
) -> Result<Vec<Observation>, PageError> {
    let own = bcu_figures(data, area, q);
    let force = force_figures(data, inputs, area.force, q);
    let quarterly = format!("/forces/{}/bcus/{}/quarterly?quarter={q}", area.force, area.id);
    let whole = format!("{} as a whole", area.force_name);
    let incomplete = "peel does not hold every month of the quarter for this force.";
    let ratio = |indicator: &str, get: &dyn Fn(&Figures) -> Option<f64>, missing: &str| {
        let value = get(&own);
        let reference = get(&force);
        Observation {
            indicator: indicator.into(),
            label: String::new(),
            value,
            reference,
            reference_name: whole.clone(),
            missing: if value.is_none() {
                Some(missing.to_string())
            } else {
                reference.is_none().then(|| format!("No figure is held for {whole}."))
            },
            link: quarterly.clone(),
        }
    };
    let no_rate = if own.crimes.is_none() { incomplete } else { "peel holds no population for this unit." };
    let no_outcomes =
        if own.crimes.is_none() { incomplete } else { "police.uk publishes no outcomes for these crimes." };
    let vfm = "Finance and workforce figures are held for forces, not for basic command units.";
    let mut out = vec![
        ratio("crime-rate", &Figures::crime_rate, no_rate),
        ratio("offenders-dealt-with", &Figures::dealt_with_share, no_outcomes),
        ratio("serious-harm-rate", &Figures::serious_rate, no_rate),
        ratio("spend-per-resident", &|_| None, vfm),
        ratio("dealt-with-per-officer", &|_| None, vfm),
    ];
    let [from, _, to] = q.months();
    let reports = state.store.pledge().pledge_compliance_bcu_months(area.force, from, to, area.id, Utc::now()).await?;
    let last = q.months()[2];
    let link = format!("/forces/{}/bcus/{}/pledge?date={last}", area.force, area.id);
    let held = state.store.pledge().pledge_months(area.force, None).await?;
    out.push(pledge_observation(reports, &held, link, &area.name));
    out.extend(confidence_observations(state, area.force, Some(area.id), q).await?);
    Ok(out)
}

/// The complete quarters held for a force, oldest first.
pub fn complete_quarters(data: &OpenData, force_id: &str) -> Vec<Quarter> {
    let mut held: BTreeMap<Quarter, usize> = BTreeMap::new();
    for m in data.force_months(force_id) {
        *held.entry(Quarter::of(m)).or_default() += 1;
    }
    held.into_iter().filter(|(_, n)| *n == 3).map(|(q, _)| q).collect()
}

/// The quarter asked for (`2025-Q1`), or the latest complete one.
pub fn choose_quarter(asked: Option<&str>, held: &[Quarter], force_name: &str) -> Result<Quarter, PageError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => held.last().copied().ok_or_else(|| {
            PageError::not_found(format!("a complete quarter of crime figures for {force_name} to grade"))
        }),
        Some(s) => {
            let not_held = || {
                PageError::not_found(format!(
                    "a report card for the quarter “{s}” (write it as 2025-Q1; peel grades only quarters whose three months it holds)"
                ))
            };
            let q: Quarter = s.parse().map_err(|_| not_held())?;
            held.contains(&q).then_some(q).ok_or_else(not_held)
        }
    }
}
