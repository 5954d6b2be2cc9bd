//! Public confidence in the police, from survey responses: the measures
//! (the 2008–10 single confidence target's question, "how good a job",
//! "confidence in the local police"), which answers count as positive, and
//! the statistics ONS publishes the Crime Survey's figures with: a weighted
//! percentage, its 95% confidence interval allowing for the weighting, the
//! unweighted base, and whether a change between two independent periods is
//! significant at 5%.
//!
//! Pure functions over sums of weights, so the published method
//! (`docs/methods.md`, version [`METHOD_VERSION`]) can be checked against
//! values worked by hand. The store adds the sums up; nothing here reads.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::Month;

/// Changes when any rule of the confidence figures changes; shown on the pages.
pub const METHOD_VERSION: &str = "confidence-1";

/// The two-sided 95% point of the standard normal distribution.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// ONS does not publish a survey estimate on too few interviews; peel
/// follows with 100 unweighted responses unless configured otherwise.
pub const DEFAULT_MIN_BASE: u32 = 100;

/// The largest minimum base that may be configured: above it nothing a
/// local survey collects could be published.
pub const MAX_MIN_BASE: u32 = 100_000;

/// A survey question peel publishes, with the answers that count as
/// positive. The order is the order of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "&'static str")]
pub enum Measure {
    /// The single top-down target of 2008–10 (the white paper, 1.2).
    SingleConfidence,
    /// The Crime Survey's "how good a job" question.
    GoodJob,
    /// The Crime Survey's overall confidence in the local police.
    LocalConfidence,
}

/// The agreement scale both agreement questions are asked on.
const AGREE_SCALE: [(&str, bool); 5] = [
    ("strongly-agree", true),
    ("tend-to-agree", true),
    ("neither", false),
    ("tend-to-disagree", false),
    ("strongly-disagree", false),
];

/// The rating scale of "how good a job".
const JOB_SCALE: [(&str, bool); 5] =
    [("excellent", true), ("good", true), ("fair", false), ("poor", false), ("very-poor", false)];

impl Measure {
    pub const ALL: [Measure; 3] = [Measure::SingleConfidence, Measure::GoodJob, Measure::LocalConfidence];

    /// The code a responses file names the measure by.
    pub fn code(self) -> &'static str {
        match self {
            Measure::SingleConfidence => "single-confidence",
            Measure::GoodJob => "good-job",
            Measure::LocalConfidence => "local-confidence",
        }
    }

    /// The question as asked.
    pub fn question(self) -> &'static str {
        match self {
            Measure::SingleConfidence => {
                "How much would you agree or disagree that the police and local council are dealing with the anti-social behaviour and crime issues that matter in this area?"
            }
            Measure::GoodJob => {
                "Taking everything into account, how good a job do you think the police in this area are doing?"
            }
            Measure::LocalConfidence => {
                "How much would you agree or disagree that, taking everything into account, you have confidence in the police in this area?"
            }
        }
    }

    /// What the percentage is a percentage of, for a table's first column.
    pub fn label(self) -> &'static str {
        match self {
            Measure::SingleConfidence => {
                "Agree the police and council are dealing with the crime and anti-social behaviour that matter (the 2008–10 confidence target)"
            }
            Measure::GoodJob => "Say the police in this area do a good or excellent job",
            Measure::LocalConfidence => "Have confidence in the police in this area",
        }
    }

    /// A few words naming the measure, for a chart's label.
    pub fn short_label(self) -> &'static str {
        match self {
            Measure::SingleConfidence => "Dealing with what matters (the 2008–10 target)",
            Measure::GoodJob => "Doing a good or excellent job",
            Measure::LocalConfidence => "Confidence in the local police",
        }
    }

    /// The answers the file may give, each with whether it counts as positive.
    pub fn scale(self) -> &'static [(&'static str, bool)] {
        match self {
            Measure::SingleConfidence | Measure::LocalConfidence => &AGREE_SCALE,
            Measure::GoodJob => &JOB_SCALE,
        }
    }

    /// Whether `response` counts as positive; `None` when it is not one of
    /// the measure's answers.
    pub fn positive(self, response: &str) -> Option<bool> {
        self.scale().iter().find(|(r, _)| *r == response).map(|(_, p)| *p)
    }
}

impl From<Measure> for &'static str {
    fn from(m: Measure) -> &'static str {
        m.code()
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a measure peel knows: use single-confidence, good-job or local-confidence")]
pub struct MeasureError(pub String);

impl FromStr for Measure {
    type Err = MeasureError;

    fn from_str(s: &str) -> Result<Measure, MeasureError> {
        Measure::ALL.into_iter().find(|m| m.code() == s).ok_or_else(|| MeasureError(s.chars().take(40).collect()))
    }
}

/// One anonymised answer to one measure, as imported. Nothing in it
/// identifies the respondent.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyResponse {
    pub force_id: String,
    /// One of the force's BCUs, when the survey says which.
    pub bcu_id: Option<String>,
    /// Kept for finer figures later; not published yet.
    pub neighbourhood_id: Option<String>,
    pub month: Month,
    pub measure: Measure,
    /// The answer as the file gave it, one of the measure's [`Measure::scale`].
    pub response: String,
    pub positive: bool,
    /// The survey's weight: finite and above zero.
    pub weight: f64,
    /// Who ran the survey; a re-import replaces the rows of each source.
    pub source: String,
}

/// The twelve months ending with `end`, first and last.
pub fn rolling_year(end: Month) -> (Month, Month) {
    (end.plus(-11), end)
}

/// The twelve months before [`rolling_year`]`(end)`, first and last.
pub fn year_before(end: Month) -> (Month, Month) {
    rolling_year(end.plus(-12))
}

/// What a period's responses to one measure add up to: all an estimate
/// needs, so the store can sum them in SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    /// Responses: the unweighted base.
    pub responses: u64,
    /// Σ w.
    pub weight: f64,
    /// Σ w².
    pub weight_squared: f64,
    /// Σ w over the positive answers.
    pub positive_weight: f64,
}

impl Sums {
    /// Adds one response.
    pub fn add(&mut self, weight: f64, positive: bool) {
        self.responses += 1;
        self.weight += weight;
        self.weight_squared += weight * weight;
        if positive {
            self.positive_weight += weight;
        }
    }
}

/// A weighted percentage with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// 100 · Σ w (positive) / Σ w.
    pub percent: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub unweighted_base: u64,
    /// Kish's effective sample size, (Σ w)² / Σ w².
    pub effective_base: f64,
    /// Kish's design effect of the weighting, n / effective n (1 when unweighted).
    pub design_effect: f64,
    /// The standard error of the proportion (0–1 scale) on the effective base.
    #[serde(skip)]
    pub standard_error: f64,
}

/// The estimate the sums give; `None` with no responses or no weight.
///
/// The interval is the normal approximation ONS uses for the Crime Survey,
/// `p ± 1.96 · √(p(1 − p) / n_eff)`, with the effective base standing in
/// for ONS's design factor (`√(n / n_eff)` is the weighting's part of it),
/// clipped to 0–100.
pub fn estimate(s: &Sums) -> Option<Estimate> {
    if s.responses == 0 || s.weight <= 0.0 || s.weight_squared <= 0.0 {
        return None;
    }
    let p = (s.positive_weight / s.weight).clamp(0.0, 1.0);
    let effective_base = s.weight * s.weight / s.weight_squared;
    let standard_error = (p * (1.0 - p) / effective_base).sqrt();
    let half = Z_95 * standard_error;
    Some(Estimate {
        percent: 100.0 * p,
        ci_low: 100.0 * (p - half).max(0.0),
        ci_high: 100.0 * (p + half).min(1.0),
        unweighted_base: s.responses,
        effective_base,
        design_effect: s.responses as f64 / effective_base,
        standard_error,
    })
}

/// A period's figure for one measure, as it may be published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// No response to the measure is held for the period.
    NoResponses,
    /// Too few responses to publish: the base and the minimum.
    Suppressed {
        unweighted_base: u64,
        minimum_base: u32,
    },
    Published(Estimate),
}

impl Figure {
    pub fn estimate(&self) -> Option<&Estimate> {
        match self {
            Figure::Published(e) => Some(e),
            _ => None,
        }
    }

    /// "published", "suppressed" or "no-responses", as the downloads say it.
    pub fn status(&self) -> &'static str {
        match self {
            Figure::NoResponses => "no-responses",
            Figure::Suppressed { .. } => "suppressed",
            Figure::Published(_) => "published",
        }
    }

    /// The unweighted base, when there are responses.
    pub fn unweighted_base(&self) -> Option<u64> {
        match self {
            Figure::NoResponses => None,
            Figure::Suppressed { unweighted_base, .. } => Some(*unweighted_base),
            Figure::Published(e) => Some(e.unweighted_base),
        }
    }
}

/// The figure the sums allow: none held, suppressed below `min_base`
/// unweighted responses, or the estimate.
pub fn publish(sums: Option<&Sums>, min_base: u32) -> Figure {
    let Some(s) = sums.filter(|s| s.responses > 0) else { return Figure::NoResponses };
    if s.responses < u64::from(min_base) {
        return Figure::Suppressed { unweighted_base: s.responses, minimum_base: min_base };
    }
    estimate(s).map_or(Figure::NoResponses, Figure::Published)
}

/// The change between two independent periods and whether it is significant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Percentage points, now minus before.
    pub points: f64,
    /// The z statistic (infinite when neither estimate varies but they differ).
    #[serde(skip)]
    pub z: f64,
    /// |z| > 1.96: a change unlikely (under 1 in 20) to be chance alone.
    pub significant: bool,
}

impl Change {
    pub fn verdict(&self) -> &'static str {
        if self.significant { "significant change" } else { "no significant change" }
    }
}

/// The two-proportion z-test on effective bases that ONS applies to
/// changes between survey years: the samples are independent, so
/// `z = (p₁ − p₂) / √(se₁² + se₂²)`, significant at 5% when `|z| > 1.96`.
pub fn change(now: &Estimate, before: &Estimate) -> Change {
    let diff = (now.percent - before.percent) / 100.0;
    let se = (now.standard_error.powi(2) + before.standard_error.powi(2)).sqrt();
    let z = if se > 0.0 {
        diff / se
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * f64::INFINITY
    };
    Change { points: 100.0 * diff, z, significant: z.abs() > Z_95 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(responses: &[(f64, bool)]) -> Sums {
        let mut s = Sums::default();
        for (w, p) in responses {
            s.add(*w, *p);
        }
        s
    }

    fn near(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-4, "{a} is not {b}");
    }

    /// 200 unweighted responses, 120 positive: p = 0.6, se = √(0.24 / 200)
    /// = 0.0346410, half-width 1.959964 × 0.0346410 = 0.0678951.
    #[test]
    fn unweighted_estimate_by_hand() {
        let s = Sums { responses: 200, weight: 200.0, weight_squared: 200.0, positive_weight: 120.0 };
        let e = estimate(&s).unwrap();
        near(e.percent, 60.0);
        near(e.ci_low, 53.21049);
        near(e.ci_high, 66.78951);
        near(e.effective_base, 200.0);
        near(e.design_effect, 1.0);
        assert_eq!(e.unweighted_base, 200);
    }

    /// Weights 1, 1, 2, 2 (the first and the last two positive): Σw = 6,
    /// Σw² = 10, p = 5/6, n_eff = 36/10 = 3.6, deff = 4/3.6 = 1.11111,
    /// se = √((5/6)(1/6)/3.6) = 0.1964186, low = 0.833333 − 0.384973.
    #[test]
    fn weighted_estimate_by_hand_and_clipped() {
        let e = estimate(&sums(&[(1.0, true), (1.0, false), (2.0, true), (2.0, true)])).unwrap();
        near(e.percent, 83.33333);
        near(e.effective_base, 3.6);
        near(e.design_effect, 1.11111);
        near(e.standard_error, 0.1964186);
        near(e.ci_low, 44.83600);
        near(e.ci_high, 100.0);
        assert_eq!(estimate(&Sums::default()), None);
    }

    #[test]
    fn suppression_below_the_minimum_base() {
        let s = Sums { responses: 99, weight: 99.0, weight_squared: 99.0, positive_weight: 50.0 };
        assert_eq!(publish(Some(&s), 100), Figure::Suppressed { unweighted_base: 99, minimum_base: 100 });
        assert!(matches!(publish(Some(&s), 99), Figure::Published(_)));
        assert_eq!(publish(None, 100), Figure::NoResponses);
        assert_eq!(publish(Some(&Sums::default()), 0), Figure::NoResponses);
    }

    /// 60% vs 50% on 200 each: se = √(0.0012 + 0.00125) = 0.0494975,
    /// z = 2.0203 (significant); 55% vs 50%: z = 0.05 / 0.0498749 = 1.0025.
    #[test]
    fn change_between_independent_periods() {
        let e = |pos: f64| {
            estimate(&Sums { responses: 200, weight: 200.0, weight_squared: 200.0, positive_weight: pos }).unwrap()
        };
        let c = change(&e(120.0), &e(100.0));
        near(c.points, 10.0);
        near(c.z, 2.020305);
        assert!(c.significant);
        assert_eq!(c.verdict(), "significant change");
        let c = change(&e(110.0), &e(100.0));
        near(c.z, 1.002509);
        assert!(!c.significant);
        let all = e(200.0);
        assert!(!change(&all, &all).significant);
        assert!(change(&all, &e(0.0)).significant);
    }

    #[test]
    fn measures_and_their_answers() {
        assert_eq!("good-job".parse::<Measure>(), Ok(Measure::GoodJob));
        assert!("confidence".parse::<Measure>().is_err());
        assert_eq!(Measure::GoodJob.positive("good"), Some(true));
        assert_eq!(Measure::GoodJob.positive("fair"), Some(false));
        assert_eq!(Measure::GoodJob.positive("tend-to-agree"), None);
        assert_eq!(Measure::SingleConfidence.positive("tend-to-agree"), Some(true));
        assert_eq!(Measure::LocalConfidence.positive("neither"), Some(false));
        for m in Measure::ALL {
            assert_eq!(m.code().parse::<Measure>(), Ok(m));
        }
    }

    #[test]
    fn rolling_years() {
        let m: Month = "2025-12".parse().unwrap();
        let (a, b) = rolling_year(m);
        assert_eq!((a.to_string(), b.to_string()), ("2025-01".into(), "2025-12".into()));
        let (a, b) = year_before(m);
        assert_eq!((a.to_string(), b.to_string()), ("2024-01".into(), "2024-12".into()));
    }
}
