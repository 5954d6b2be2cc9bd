//! The report card: a published, versioned method that grades a force or a
//! basic command unit in the four domains of the 2010 Police Report Card
//! (the white paper 3.12) from figures peel holds.
//!
//! The method is data ([`METHOD_JSON`], `method-1.json`): the grading scale
//! (by default HMICFRS PEEL's five grades), each indicator's domain, how it
//! is scored and the cut points between grades, the national benchmarks of
//! the confidence measures, and the grade from which two cards without
//! improvement raise the white paper's third trigger for an extraordinary
//! meeting (3.19). Changing any of it means a new version, so each page can
//! name the rules that made its grades. `docs/methods.md` sets it out.

pub mod inspection;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The method in force, as published.
pub const METHOD_JSON: &str = include_str!("method-1.json");

/// The force figures the value-for-money indicators read, imported as
/// force variables (`force,variable,value,source,year`) like the variables
/// most similar groups are computed from, but never used to compute them:
/// what a force spends says nothing of how alike its people and places are.
/// Net revenue expenditure is in pounds a year; officers are full-time
/// equivalents.
pub const FINANCE_AND_WORKFORCE: [&str; 2] = [NET_REVENUE_EXPENDITURE, POLICE_OFFICERS];
pub const NET_REVENUE_EXPENDITURE: &str = "net_revenue_expenditure_gbp";
pub const POLICE_OFFICERS: &str = "police_officers_fte";

/// The four domains of the 2010 card, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Domain {
    ConfidenceAndSatisfaction,
    LocalCrimeAndPolicing,
    ProtectionFromSeriousHarm,
    ValueForMoneyAndProductivity,
}

impl Domain {
    pub const ALL: [Domain; 4] = [
        Domain::ConfidenceAndSatisfaction,
        Domain::LocalCrimeAndPolicing,
        Domain::ProtectionFromSeriousHarm,
        Domain::ValueForMoneyAndProductivity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Domain::ConfidenceAndSatisfaction => "Confidence and satisfaction",
            Domain::LocalCrimeAndPolicing => "Local crime and policing",
            Domain::ProtectionFromSeriousHarm => "Protection from serious harm",
            Domain::ValueForMoneyAndProductivity => "Value for money and productivity",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Domain::ConfidenceAndSatisfaction => "confidence-and-satisfaction",
            Domain::LocalCrimeAndPolicing => "local-crime-and-policing",
            Domain::ProtectionFromSeriousHarm => "protection-from-serious-harm",
            Domain::ValueForMoneyAndProductivity => "value-for-money-and-productivity",
        }
    }
}

/// What an indicator's score is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// The area's figure divided by its comparators' (see `docs/methods.md`).
    RatioToComparators,
    /// A percentage, graded as it stands.
    Percent,
    /// Percentage points above a national benchmark (below is negative).
    PointsAboveBenchmark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub domain: Domain,
    pub name: String,
    pub measure: Measure,
    pub better: Better,
    /// The boundaries between the grades, best grade first: one fewer than
    /// the grades on the scale, descending when higher is better and
    /// ascending when lower is. A score on a boundary takes the better grade.
    pub cuts: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub measure: String,
    pub value: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub version: String,
    /// The grades, best first.
    pub scale: Vec<String>,
    /// Two consecutive cards raise the extraordinary-meeting trigger when the
    /// later is no better than the earlier and is this grade or worse.
    pub trigger_from: String,
    pub indicators: Vec<Indicator>,
    pub benchmarks: Vec<Benchmark>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MethodError {
    #[error("the report card method is not valid JSON of the expected shape: {0}")]
    Shape(String),
    #[error("the report card method needs a scale of at least two grades")]
    Scale,
    #[error("the trigger grade “{0}” is not on the scale")]
    Trigger(String),
    #[error("indicator “{0}” needs {1} cut points (one fewer than the grades), in order from the best grade")]
    Cuts(String, usize),
    #[error("indicator “{0}” appears twice")]
    Duplicate(String),
}

impl Method {
    /// Reads and checks a method document.
    pub fn parse(json: &str) -> Result<Method, MethodError> {
        let m: Method = serde_json::from_str(json).map_err(|e| MethodError::Shape(e.to_string()))?;
        if m.scale.len() < 2 {
            return Err(MethodError::Scale);
        }
        if !m.scale.contains(&m.trigger_from) {
            return Err(MethodError::Trigger(m.trigger_from.clone()));
        }
        for (i, ind) in m.indicators.iter().enumerate() {
            if m.indicators[..i].iter().any(|x| x.id == ind.id) {
                return Err(MethodError::Duplicate(ind.id.clone()));
            }
            let ordered = ind.cuts.windows(2).all(|w| match ind.better {
                Better::Higher => w[0] > w[1],
                Better::Lower => w[0] < w[1],
            });
            if ind.cuts.len() + 1 != m.scale.len() || !ordered || ind.cuts.iter().any(|c| !c.is_finite()) {
                return Err(MethodError::Cuts(ind.id.clone(), m.scale.len() - 1));
            }
        }
        Ok(m)
    }

    /// The method in force: [`METHOD_JSON`], checked by this module's tests.
    pub fn published() -> &'static Method {
        static METHOD: OnceLock<Method> = OnceLock::new();
        METHOD.get_or_init(|| Method::parse(METHOD_JSON).expect("the published method is checked by the tests"))
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn benchmark(&self, measure: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.measure == measure)
    }

    pub fn grade_name(&self, grade: usize) -> &str {
        self.scale.get(grade).map_or("", String::as_str)
    }

    /// The grade (0 the best) of a score on an indicator.
    pub fn grade(&self, indicator: &Indicator, score: f64) -> usize {
        indicator
            .cuts
            .iter()
            .filter(|&&cut| match indicator.better {
                Better::Higher => score < cut,
                Better::Lower => score > cut,
            })
            .count()
    }

    /// Whether two consecutive cards' overall grades raise the trigger: the
    /// later no better than the earlier, and at `trigger_from` or worse.
    pub fn raises_trigger(&self, earlier: usize, later: usize) -> bool {
        let from = self.scale.iter().position(|g| *g == self.trigger_from).unwrap_or(self.scale.len());
        later >= earlier && later >= from
    }
}

/// The score an indicator is graded on, from the area's figure and its
/// reference (the comparators' figure, or the benchmark); none when either
/// is missing or the comparison is undefined (a zero comparator).
pub fn score(measure: Measure, value: Option<f64>, reference: Option<f64>) -> Option<f64> {
    let value = value.filter(|v| v.is_finite())?;
    match measure {
        Measure::Percent => Some(value),
        Measure::PointsAboveBenchmark => Some(value - reference.filter(|r| r.is_finite())?),
        Measure::RatioToComparators => {
            let r = reference.filter(|r| r.is_finite() && *r > 0.0)?;
            Some(value / r)
        }
    }
}

/// Several grades made one: their mean, rounded to the nearest grade, a
/// mean halfway between two grades taking the worse (a card should not
/// flatter). None for no grades.
pub fn combine(grades: &[usize]) -> Option<usize> {
    if grades.is_empty() {
        return None;
    }
    let mean = grades.iter().sum::<usize>() as f64 / grades.len() as f64;
    Some((mean + 0.5).floor() as usize)
}

/// One figure behind a grade: an indicator's value for the area and what it
/// is compared with. `missing` says why there is no score where there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    pub indicator: String,
    /// Which figure, where an indicator has several (each confidence measure).
    pub label: String,
    pub value: Option<f64>,
    pub reference: Option<f64>,
    /// What the reference is ("the mean of Bedfordshire and Kent").
    pub reference_name: String,
    pub missing: Option<String>,
    /// Where the figures behind it are published.
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradedObservation {
    #[serde(flatten)]
    pub observation: Observation,
    pub score: Option<f64>,
    pub grade: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainGrade {
    pub domain: Domain,
    /// None when no indicator of the domain could be scored.
    pub grade: Option<usize>,
    pub indicators: Vec<GradedObservation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    pub domains: Vec<DomainGrade>,
    /// Given only when at least [`MIN_DOMAINS_FOR_OVERALL`] domains are graded.
    pub overall: Option<usize>,
}

/// An overall grade from fewer domains would say more than the figures do.
pub const MIN_DOMAINS_FOR_OVERALL: usize = 2;

/// Grades every observation, then each domain (the combined grades of its
/// scored observations) and the card (the combined grades of its domains).
/// Observations of indicators the method does not have are left out.
pub fn grade_card(method: &Method, observations: Vec<Observation>) -> Card {
    let mut domains: Vec<DomainGrade> =
        Domain::ALL.iter().map(|d| DomainGrade { domain: *d, grade: None, indicators: Vec::new() }).collect();
    for o in observations {
        let Some(ind) = method.indicator(&o.indicator) else { continue };
        let score = if o.missing.is_some() { None } else { score(ind.measure, o.value, o.reference) };
        let grade = score.map(|s| method.grade(ind, s));
        if let Some(d) = domains.iter_mut().find(|d| d.domain == ind.domain) {
            d.indicators.push(GradedObservation { observation: o, score, grade });
        }
    }
    for d in &mut domains {
        let grades: Vec<usize> = d.indicators.iter().filter_map(|i| i.grade).collect();
        d.grade = combine(&grades);
    }
    let graded: Vec<usize> = domains.iter().filter_map(|d| d.grade).collect();
    let overall = if graded.len() >= MIN_DOMAINS_FOR_OVERALL { combine(&graded) } else { None };
    Card { domains, overall }
}

/// The mean of the figures held, none when none is.
pub fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let known: Vec<f64> = values.into_iter().flatten().filter(|v| v.is_finite()).collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(indicator: &str, value: f64, reference: f64) -> Observation {
        Observation {
            indicator: indicator.into(),
            label: String::new(),
            value: Some(value),
            reference: Some(reference),
            reference_name: String::new(),
            missing: None,
            link: String::new(),
        }
    }

    #[test]
    fn the_published_method_parses_with_the_peel_grades() {
        let m = Method::parse(METHOD_JSON).unwrap();
        assert_eq!(m.version, "report-card-1");
        assert_eq!(m.scale, ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]);
        for d in Domain::ALL {
            assert!(m.indicators.iter().any(|i| i.domain == d), "{d:?} has an indicator");
        }
        assert_eq!(Method::published(), &m);
    }

    #[test]
    fn bad_methods_are_refused_with_the_reason() {
        let good: serde_json::Value = serde_json::from_str(METHOD_JSON).unwrap();
        let with = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            Method::parse(&v.to_string())
        };
        assert_eq!(with(&|v| v["scale"] = serde_json::json!(["Only"])), Err(MethodError::Scale));
        assert_eq!(with(&|v| v["trigger_from"] = "Fair".into()), Err(MethodError::Trigger("Fair".into())));
        assert_eq!(
            with(&|v| v["indicators"][2]["cuts"] = serde_json::json!([1.2, 1.05, 0.95, 0.8])),
            Err(MethodError::Cuts("crime-rate".into(), 4)),
            "cuts in the wrong order for lower-is-better"
        );
        assert_eq!(
            with(&|v| v["indicators"][2]["cuts"] = serde_json::json!([0.8, 1.2])),
            Err(MethodError::Cuts("crime-rate".into(), 4))
        );
        assert!(matches!(with(&|v| v["indicators"][0]["colour"] = "red".into()), Err(MethodError::Shape(_))));
        let dup = with(&|v| {
            let first = v["indicators"][0].clone();
            v["indicators"].as_array_mut().unwrap().push(first);
        });
        assert_eq!(dup, Err(MethodError::Duplicate("confidence".into())));
    }

    #[test]
    fn grades_follow_the_cuts_and_a_boundary_takes_the_better_grade() {
        let m = Method::published();
        let rate = m.indicator("crime-rate").unwrap();
        let graded: Vec<usize> =
            [0.5, 0.8, 0.81, 0.95, 1.0, 1.05, 1.2, 1.21, 3.0].iter().map(|s| m.grade(rate, *s)).collect();
        assert_eq!(graded, [0, 0, 1, 1, 2, 2, 3, 4, 4]);
        let pledge = m.indicator("pledge-compliance").unwrap();
        let graded: Vec<usize> =
            [100.0, 95.0, 94.9, 90.0, 85.0, 70.0, 69.9].iter().map(|s| m.grade(pledge, *s)).collect();
        assert_eq!(graded, [0, 0, 1, 1, 2, 3, 4]);
    }

    #[test]
    fn scores_need_both_figures_and_a_positive_comparator() {
        assert_eq!(score(Measure::RatioToComparators, Some(30.0), Some(20.0)), Some(1.5));
        assert_eq!(score(Measure::RatioToComparators, Some(30.0), Some(0.0)), None);
        assert_eq!(score(Measure::RatioToComparators, None, Some(2.0)), None);
        assert_eq!(score(Measure::PointsAboveBenchmark, Some(60.0), Some(67.0)), Some(-7.0));
        assert_eq!(score(Measure::Percent, Some(91.0), None), Some(91.0));
    }

    #[test]
    fn combined_grades_round_halves_to_the_worse() {
        assert_eq!(combine(&[]), None);
        assert_eq!(combine(&[1, 2]), Some(2));
        assert_eq!(combine(&[1, 1, 2]), Some(1));
        assert_eq!(combine(&[0, 4]), Some(2));
        assert_eq!(combine(&[3, 4, 4]), Some(4));
    }

    #[test]
    fn a_card_grades_domains_and_needs_two_for_an_overall_grade() {
        let m = Method::published();
        // crime rate 10% under the comparators: good; dealt-with share 30% over: outstanding.
        let card = grade_card(m, vec![obs("crime-rate", 9.0, 10.0), obs("offenders-dealt-with", 13.0, 10.0)]);
        let local = card.domains.iter().find(|d| d.domain == Domain::LocalCrimeAndPolicing).unwrap();
        assert_eq!(local.grade, Some(1), "mean 0.5 rounds to the worse of outstanding and good");
        assert_eq!(card.overall, None, "one domain is not enough");
        let mut more = vec![obs("crime-rate", 9.0, 10.0), obs("serious-harm-rate", 13.0, 10.0)];
        more.push(Observation { missing: Some("no figures".into()), ..obs("pledge-compliance", 99.0, 0.0) });
        let card = grade_card(m, more);
        assert_eq!(card.overall, Some(3), "good (1) and inadequate (4) average 2.5, so requires improvement");
        let confidence = &card.domains[0];
        assert_eq!((confidence.grade, confidence.indicators[0].score), (None, None), "a missing figure is not graded");
    }

    #[test]
    fn the_trigger_needs_no_improvement_at_adequate_or_worse() {
        let m = Method::published();
        assert!(m.raises_trigger(2, 2), "adequate twice");
        assert!(m.raises_trigger(2, 3), "a decline to requires improvement");
        assert!(m.raises_trigger(4, 4));
        assert!(!m.raises_trigger(3, 2), "an improvement");
        assert!(!m.raises_trigger(1, 1), "good twice is not a cause for a meeting");
        assert!(!m.raises_trigger(0, 1), "a decline that stays good");
    }
}
