//! The quarterly figures of a basic command unit or a community safety
//! partnership (the white paper 3.13), built once per request from the
//! open-data engine held in memory and the Pledge figures, then shown as a
//! page, a CSV and a JSON document from the same values (method in
//! `docs/methods.md`, version [`METHOD_VERSION`]).

use std::collections::{BTreeMap, BTreeSet};

use peel_core::geography::Csp;
use peel_core::outcome::OutcomeGroup;
use peel_core::pledge::{CommitmentId, Report};
use peel_core::quarterly::{METHOD_VERSION, Quarter, per_thousand, percent_change, poisson_change};
use peel_core::{CrimeCategory, Month, Outcome};
use peel_spatial::OpenData;
use serde::Serialize;

/// What the change test is, in a sentence the page, CSV and JSON carry.
pub const TEST_METHOD: &str = "Exact conditional test of two Poisson counts over equal exposures: given the total of the two quarters' counts, this quarter's count is Binomial(total, 0.5) if nothing changed; two-sided p-value, significant below 0.05.";

#[derive(Debug, Clone, Serialize)]
pub struct QuarterlyReport {
    pub method_version: &'static str,
    pub test_method: &'static str,
    pub force: String,
    pub force_name: String,
    /// "bcu" or "csp".
    pub area_kind: &'static str,
    pub area_id: String,
    pub area_name: String,
    pub quarter: String,
    pub quarter_name: String,
    /// The quarter's three months and whether crimes are held for each.
    pub months: Vec<MonthHeld>,
    pub complete: bool,
    pub population: Option<i64>,
    /// Where the population comes from, or why there is none.
    pub population_note: String,
    pub same_quarter_last_year: Option<String>,
    pub same_quarter_last_year_name: Option<String>,
    pub same_quarter_last_year_complete: bool,
    /// Empty when the quarter is incomplete; "All crime" first.
    pub categories: Vec<CategoryRow>,
    /// Empty when the quarter is incomplete.
    pub outcomes: Vec<OutcomeRow>,
    pub pledge: PledgeFigures,
    /// Every quarter with a month held, oldest first.
    pub history: Vec<QuarterRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthHeld {
    pub month: String,
    pub name: String,
    pub held: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    pub category: String,
    pub crimes: u64,
    /// Per 1,000 residents, to two decimals; none without a population.
    pub per_1000: Option<f64>,
    /// None when last year's quarter is not wholly held.
    pub same_quarter_last_year: Option<u64>,
    /// To one decimal; none when last year's count was zero or is not held.
    pub change_percent: Option<f64>,
    pub p_value: Option<f64>,
    pub verdict: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    pub outcome: &'static str,
    pub crimes: u64,
    /// Of the quarter's crimes other than anti-social behaviour, to one decimal.
    pub share_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PledgeFigures {
    /// Whose figures these are: the BCU's (a partnership's BCU for a partnership).
    pub whose: String,
    pub notes: Vec<String>,
    pub rows: Vec<PledgeRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PledgeRow {
    pub commitment: String,
    pub met: u64,
    pub eligible: u64,
    /// `met / eligible`, to one decimal; none when nothing was eligible.
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuarterRow {
    pub quarter: String,
    pub name: String,
    pub months_held: usize,
    pub complete: bool,
    /// Only for a complete quarter: an incomplete one would look low.
    pub crimes: Option<u64>,
    pub per_1000: Option<f64>,
}

/// The area whose figures are asked for: its partnerships make it up.
pub struct Area<'a> {
    pub force: &'a str,
    pub force_name: &'a str,
    pub kind: &'static str,
    pub id: &'a str,
    pub name: String,
    pub csps: Vec<&'a Csp>,
}

impl Area<'_> {
    /// Residents: the sum over its partnerships, known only when every one has a population.
    pub fn population(&self) -> Option<i64> {
        let pops: Option<Vec<i64>> = self.csps.iter().map(|c| c.population).collect();
        pops.filter(|p| !p.is_empty()).map(|p| p.iter().sum())
    }

    pub(crate) fn categories(&self, data: &OpenData, q: Quarter) -> BTreeMap<CrimeCategory, u64> {
        let [from, _, to] = q.months();
        let mut out = BTreeMap::new();
        for c in &self.csps {
            for (_, category, n) in data.local_authority_counts(self.force, &c.lsoa_prefix(), from, to) {
                *out.entry(category).or_default() += n.unsigned_abs();
            }
        }
        out
    }

    pub(crate) fn outcomes(&self, data: &OpenData, q: Quarter) -> [u64; 29] {
        let mut out = [0u64; 29];
        for c in &self.csps {
            for m in q.months() {
                if let Some(counts) = data.local_authority_outcomes(self.force, &c.lsoa_prefix(), m) {
                    for (o, n) in out.iter_mut().zip(counts) {
                        *o += u64::from(n);
                    }
                }
            }
        }
        out
    }
}

fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The quarters with a month held, and how many of their months are.
pub fn quarters_held(months: &[Month]) -> BTreeMap<Quarter, usize> {
    let mut out = BTreeMap::new();
    for m in months {
        *out.entry(Quarter::of(*m)).or_default() += 1;
    }
    out
}

/// The quarter shown when none is asked for: the latest complete one, else the latest.
pub fn default_quarter(held: &BTreeMap<Quarter, usize>) -> Option<Quarter> {
    held.iter().rev().find(|(_, n)| **n == 3).or_else(|| held.iter().next_back()).map(|(q, _)| *q)
}

fn category_rows(
    now: &BTreeMap<CrimeCategory, u64>,
    before: Option<&BTreeMap<CrimeCategory, u64>>,
    population: Option<i64>,
) -> Vec<CategoryRow> {
    let row = |name: &str, n: u64, b: Option<u64>| {
        let test = b.map(|b| poisson_change(n, b));
        CategoryRow {
            category: name.to_string(),
            crimes: n,
            per_1000: per_thousand(n, population).map(|r| round_to(r, 2)),
            same_quarter_last_year: b,
            change_percent: b.and_then(|b| percent_change(n, b)).map(|c| round_to(c, 1)),
            p_value: test.map(|t| t.p_value),
            verdict: test.map(|t| t.verdict()),
        }
    };
    let total = |m: &BTreeMap<CrimeCategory, u64>| m.values().sum::<u64>();
    let mut rows = vec![row("All crime", total(now), before.map(total))];
    let mut cats: Vec<CrimeCategory> = CrimeCategory::ALL.to_vec();
    cats.sort_by_key(|c| (std::cmp::Reverse(now.get(c).copied().unwrap_or(0)), *c));
    for c in cats {
        let n = now.get(&c).copied().unwrap_or(0);
        rows.push(row(c.name(), n, before.map(|b| b.get(&c).copied().unwrap_or(0))));
    }
    rows
}

/// The outcome groups, in the order the page lists them.
pub const OUTCOME_GROUPS: [(Option<OutcomeGroup>, &str); 5] = [
    (Some(OutcomeGroup::OffenderDealtWith), "Suspect charged, cautioned or otherwise dealt with"),
    (Some(OutcomeGroup::Pending), "Under investigation or awaiting court"),
    (Some(OutcomeGroup::NoFurtherAction), "Closed with no one dealt with"),
    (Some(OutcomeGroup::Unknown), "No update available"),
    (None, "No outcome published"),
];

fn outcome_rows(counts: &[u64; 29]) -> Vec<OutcomeRow> {
    let total: u64 = counts.iter().sum();
    OUTCOME_GROUPS
        .iter()
        .map(|(group, name)| {
            let n: u64 = counts
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    let o = i.checked_sub(1).and_then(|i| Outcome::ALL.get(i));
                    o.map(|o| o.group()) == *group
                })
                .map(|(_, n)| n)
                .sum();
            let share = (total > 0).then(|| round_to(n as f64 * 100.0 / total as f64, 1));
            OutcomeRow { outcome: name, crimes: n, share_percent: share }
        })
        .collect()
}

/// The Pledge figures of a quarter: each commitment's met and eligible
/// summed over the quarter's months (`reports`), in the engine's order.
pub fn pledge_rows(reports: &[Report], heading: impl Fn(CommitmentId) -> &'static str) -> Vec<PledgeRow> {
    let mut sums: Vec<(CommitmentId, u64, u64)> = Vec::new();
    for f in reports.iter().flat_map(|r| &r.commitments) {
        match sums.iter_mut().find(|s| s.0 == f.id) {
            Some(s) => {
                s.1 += f.met;
                s.2 += f.eligible;
            }
            None => sums.push((f.id, f.met, f.eligible)),
        }
    }
    if sums.iter().all(|s| s.2 == 0) {
        return Vec::new();
    }
    sums.into_iter()
        .map(|(id, met, eligible)| PledgeRow {
            commitment: heading(id).to_string(),
            met,
            eligible,
            percent: peel_core::pledge::compliance::percent(u128::from(met), u128::from(eligible)),
        })
        .collect()
}

/// Every figure of `area` for quarter `q`, counted from `data`.
pub fn build(
    data: &OpenData,
    area: &Area<'_>,
    q: Quarter,
    population_note: String,
    pledge: PledgeFigures,
) -> QuarterlyReport {
    let months_held: BTreeSet<Month> = data.force_months(area.force).into_iter().collect();
    let complete_q = |q: Quarter| q.months().iter().all(|m| months_held.contains(m));
    let population = area.population();
    let complete = complete_q(q);
    let last = q.a_year_before();
    let last_complete = last.is_some_and(complete_q);
    let (categories, outcomes) = if complete {
        let before = last.filter(|_| last_complete).map(|l| area.categories(data, l));
        (category_rows(&area.categories(data, q), before.as_ref(), population), outcome_rows(&area.outcomes(data, q)))
    } else {
        (Vec::new(), Vec::new())
    };
    let history = quarters_held(&months_held.iter().copied().collect::<Vec<_>>())
        .into_iter()
        .map(|(h, n)| {
            let crimes = (n == 3).then(|| area.categories(data, h).values().sum::<u64>());
            QuarterRow {
                quarter: h.to_string(),
                name: h.long_name(),
                months_held: n,
                complete: n == 3,
                crimes,
                per_1000: crimes.and_then(|c| per_thousand(c, population)).map(|r| round_to(r, 2)),
            }
        })
        .collect();
    QuarterlyReport {
        method_version: METHOD_VERSION,
        test_method: TEST_METHOD,
        force: area.force.to_string(),
        force_name: area.force_name.to_string(),
        area_kind: area.kind,
        area_id: area.id.to_string(),
        area_name: area.name.clone(),
        quarter: q.to_string(),
        quarter_name: q.long_name(),
        months: q
            .months()
            .iter()
            .map(|m| MonthHeld { month: m.to_string(), name: m.long_name(), held: months_held.contains(m) })
            .collect(),
        complete,
        population,
        population_note,
        same_quarter_last_year: last.map(|l| l.to_string()),
        same_quarter_last_year_name: last.map(|l| l.long_name()),
        same_quarter_last_year_complete: last_complete,
        categories,
        outcomes,
        pledge,
        history,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_held_count_their_months_and_default_to_the_latest_complete() {
        let months: Vec<Month> = ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect();
        let held = quarters_held(&months);
        let shown: Vec<(String, usize)> = held.iter().map(|(q, n)| (q.to_string(), *n)).collect();
        assert_eq!(shown, [("2024-Q4".into(), 2), ("2025-Q1".into(), 3), ("2025-Q2".into(), 1)]);
        assert_eq!(default_quarter(&held).map(|q| q.to_string()).as_deref(), Some("2025-Q1"));
    }

    #[test]
    fn outcome_groups_share_the_crimes_with_outcomes() {
        let mut counts = [0u64; 29];
        counts[0] = 2; // none published
        let charged = Outcome::ALL.iter().position(|o| *o == Outcome::Charged).unwrap();
        counts[charged + 1] = 6;
        let investigating = Outcome::ALL.iter().position(|o| *o == Outcome::UnderInvestigation).unwrap();
        counts[investigating + 1] = 2;
        let rows = outcome_rows(&counts);
        let by: BTreeMap<&str, (u64, Option<f64>)> =
            rows.iter().map(|r| (r.outcome, (r.crimes, r.share_percent))).collect();
        assert_eq!(by["Suspect charged, cautioned or otherwise dealt with"], (6, Some(60.0)));
        assert_eq!(by["Under investigation or awaiting court"], (2, Some(20.0)));
        assert_eq!(by["No outcome published"], (2, Some(20.0)));
        assert_eq!(by["No update available"], (0, Some(0.0)));
    }
}
