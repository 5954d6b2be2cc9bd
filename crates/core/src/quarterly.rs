//! Calendar quarters and the test of whether a count changed on the same
//! quarter a year before (the white paper's quarterly BCU figures, 3.13).
//!
//! Pure functions, so the published method (`docs/methods.md`, version
//! [`METHOD_VERSION`]) can be checked against known values.

use std::fmt;
use std::str::FromStr;

use crate::Month;

/// Changes when any rule of the quarterly figures changes; shown on the pages.
pub const METHOD_VERSION: &str = "quarterly-1";

/// The significance level of the change test: 5%.
pub const ALPHA: f64 = 0.05;

/// A calendar quarter: January–March is the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// Its first month: January, April, July or October.
    first: Month,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a quarter: write the year, a dash, Q and 1 to 4, as 2025-Q1")]
pub struct QuarterError(pub String);

impl Quarter {
    pub fn new(year: u16, number: u8) -> Option<Quarter> {
        if !(1..=4).contains(&number) {
            return None;
        }
        Month::new(year, (number - 1) * 3 + 1).map(|first| Quarter { first })
    }

    /// The quarter a month falls in.
    pub fn of(month: Month) -> Quarter {
        Quarter { first: month.plus(-i32::from((month.month() - 1) % 3)) }
    }

    pub fn year(self) -> u16 {
        self.first.year()
    }

    /// 1–4.
    pub fn number(self) -> u8 {
        (self.first.month() - 1) / 3 + 1
    }

    /// Its three months, in order.
    pub fn months(self) -> [Month; 3] {
        [self.first, self.first.plus(1), self.first.plus(2)]
    }

    /// The same quarter of the year before (none before the first year a month can hold).
    pub fn a_year_before(self) -> Option<Quarter> {
        Quarter::new(self.year().checked_sub(1)?, self.number())
    }

    /// "January to March 2025".
    pub fn long_name(self) -> String {
        let [first, _, last] = self.months();
        let name = |m: Month| m.long_name().split(' ').next().unwrap_or_default().to_string();
        format!("{} to {} {}", name(first), name(last), self.year())
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year(), self.number())
    }
}

impl FromStr for Quarter {
    type Err = QuarterError;

    fn from_str(s: &str) -> Result<Quarter, QuarterError> {
        let bad = || QuarterError(s.chars().take(40).collect());
        let (year, q) = s.trim().split_once(['-', ' ']).ok_or_else(bad)?;
        let number = q.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        if year.len() != 4 || number.len() != 1 {
            return Err(bad());
        }
        let year: u16 = year.parse().map_err(|_| bad())?;
        let number: u8 = number.parse().map_err(|_| bad())?;
        Quarter::new(year, number).ok_or_else(bad)
    }
}

/// The test of two counts over equal exposures (a quarter each, the same
/// area and residents): the exact conditional test of two Poisson counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangeTest {
    /// Two-sided p-value.
    pub p_value: f64,
    /// `p_value < ALPHA`.
    pub significant: bool,
}

impl ChangeTest {
    /// The plain-English verdict at the 5% level.
    pub fn verdict(self) -> &'static str {
        if self.significant { "significant change" } else { "no significant change" }
    }
}

/// Whether `now` differs from `before` by more than chance would explain,
/// when each is a Poisson count over the same exposure.
///
/// Given `n = now + before`, under no change `now ~ Binomial(n, ½)`; the
/// two-sided p-value is the probability of a split at least as uneven,
/// `min(1, 2 · P(X ≤ min(now, before)))` (the distribution is symmetric, so
/// this equals summing every outcome no more likely than the one observed,
/// as R's `poisson.test` and `binom.test` do). Computed in logarithms, so
/// counts in the hundreds of thousands neither overflow nor underflow.
pub fn poisson_change(now: u64, before: u64) -> ChangeTest {
    let p_value = two_sided_p(now, before);
    ChangeTest { p_value, significant: p_value < ALPHA }
}

fn two_sided_p(a: u64, b: u64) -> f64 {
    let n = a + b;
    let k = a.min(b);
    if n == 0 || 2 * k == n {
        return 1.0;
    }
    // ln P(X = i) for i = 0..=k, from ln P(X = 0) = n ln ½ by the ratio
    // P(i+1)/P(i) = (n − i)/(i + 1). The largest term is the last (k < n/2).
    let mut ln_p = n as f64 * 0.5f64.ln();
    let mut terms = Vec::with_capacity(k as usize + 1);
    terms.push(ln_p);
    for i in 0..k {
        ln_p += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        terms.push(ln_p);
    }
    let top = ln_p;
    let sum: f64 = terms.iter().map(|t| (t - top).exp()).sum();
    (2.0 * (top + sum.ln()).exp()).min(1.0)
}

/// `count × 1000 / population`; none without a population.
pub fn per_thousand(count: u64, population: Option<i64>) -> Option<f64> {
    population.filter(|p| *p > 0).map(|p| count as f64 * 1000.0 / p as f64)
}

/// The change from `before` to `now` as a percentage of `before`; none
/// when `before` is zero (any rise from nothing is infinite).
pub fn percent_change(now: u64, before: u64) -> Option<f64> {
    (before > 0).then(|| (now as f64 - before as f64) * 100.0 / before as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact values: `2 · Σ_{i ≤ k} C(n, i) / 2ⁿ` in rational arithmetic,
    /// and R's `poisson.test(c(a, b))$p.value` for the first.
    #[test]
    fn p_values_match_the_exact_binomial() {
        let known = [
            (10, 20, 0.09873714670538902),
            (0, 5, 0.0625),
            (5, 5, 1.0),
            (12, 4, 0.076812744140625),
            (100, 130, 0.055613577781392386),
            (1000, 1100, 0.030720707864242296),
            (3, 0, 0.25),
            (0, 0, 1.0),
            (7, 8, 1.0),
            (5000, 5210, 0.03859772345145024),
        ];
        for (a, b, p) in known {
            let t = poisson_change(a, b);
            assert!((t.p_value - p).abs() <= 1e-9 * p.max(1e-3), "{a} vs {b}: {} not {p}", t.p_value);
            assert_eq!(poisson_change(b, a).p_value, t.p_value, "symmetric");
        }
    }

    #[test]
    fn verdict_at_five_percent() {
        assert_eq!(poisson_change(1000, 1100).verdict(), "significant change");
        assert_eq!(poisson_change(100, 130).verdict(), "no significant change");
        assert_eq!(poisson_change(0, 0).verdict(), "no significant change");
        // Very large counts stay finite and tiny.
        let big = poisson_change(200_000, 190_000);
        assert!(big.significant && big.p_value >= 0.0 && big.p_value < 1e-50, "{big:?}");
    }

    #[test]
    fn quarters_parse_name_and_hold_three_months() {
        let q: Quarter = "2025-Q1".parse().unwrap();
        assert_eq!(q.to_string(), "2025-Q1");
        assert_eq!(q.long_name(), "January to March 2025");
        assert_eq!(q.months().map(|m| m.to_string()), ["2025-01", "2025-02", "2025-03"]);
        assert_eq!(Quarter::of("2024-12".parse().unwrap()).to_string(), "2024-Q4");
        assert_eq!(Quarter::of("2024-04".parse().unwrap()).long_name(), "April to June 2024");
        assert_eq!(q.a_year_before().map(|q| q.to_string()).as_deref(), Some("2024-Q1"));
        for bad in ["2025-Q5", "2025-Q0", "2025", "25-Q1", "2025-Q1x", "Q1-2025", ""] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
        assert_eq!("2025 q3".parse::<Quarter>().map(|q| q.number()), Ok(3));
    }

    #[test]
    fn rates_and_changes_say_when_they_cannot_be_made() {
        assert_eq!(per_thousand(50, Some(10_000)), Some(5.0));
        assert_eq!(per_thousand(50, None), None);
        assert_eq!(per_thousand(50, Some(0)), None);
        assert_eq!(percent_change(110, 100), Some(10.0));
        assert_eq!(percent_change(5, 0), None);
    }
}
