//! Crime rates: how areas of different sizes are made comparable.
//!
//! A count means little without the size of the area: a rate per 1,000
//! residents is what people and the white paper's comparisons expect, but
//! residents are known only where a population has been imported, so the
//! fallback is a rate per square kilometre of the boundary, which every area
//! with a boundary has. Both are undefined (not zero) where the denominator
//! is missing or zero, so a page can say "not known" rather than mislead.

use serde::Serialize;

/// Crimes per 1,000 residents.
pub fn per_thousand_residents(count: i64, population: Option<i64>) -> Option<f64> {
    population.filter(|p| *p > 0).map(|p| count as f64 * 1000.0 / p as f64)
}

/// Crimes per square kilometre.
pub fn per_square_km(count: i64, km2: Option<f64>) -> Option<f64> {
    km2.filter(|a| *a > 0.0).map(|a| count as f64 / a)
}

/// The arithmetic mean of the figures that are known: each area counts
/// once, whatever its size ("the average force"), unlike a rate over the
/// areas' totals. `None` when no figure is known.
pub fn mean_of_known(figures: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, n) = figures.into_iter().flatten().fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// What a set of areas is compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RateBasis {
    Residents,
    Area,
}

impl RateBasis {
    /// Residents when the area being described has a known population (its
    /// comparators are then put on the same footing), otherwise its area.
    pub fn for_population(population: Option<i64>) -> RateBasis {
        match population {
            Some(p) if p > 0 => RateBasis::Residents,
            _ => RateBasis::Area,
        }
    }

    /// The unit as a page names it.
    pub fn unit(self) -> &'static str {
        match self {
            RateBasis::Residents => "per 1,000 residents",
            RateBasis::Area => "per square kilometre",
        }
    }

    /// The rate of `count` on this basis, from whichever denominator it uses.
    pub fn rate(self, count: i64, population: Option<i64>, km2: Option<f64>) -> Option<f64> {
        match self {
            RateBasis::Residents => per_thousand_residents(count, population),
            RateBasis::Area => per_square_km(count, km2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_undefined_without_a_denominator() {
        assert_eq!(per_thousand_residents(50, Some(10_000)), Some(5.0));
        assert_eq!(per_thousand_residents(50, Some(0)), None);
        assert_eq!(per_thousand_residents(50, None), None);
        assert_eq!(per_square_km(30, Some(2.0)), Some(15.0));
        assert_eq!(per_square_km(30, Some(0.0)), None);
    }

    #[test]
    fn the_mean_counts_each_known_figure_once() {
        assert_eq!(mean_of_known([Some(810.0), Some(4636.0)]), Some(2723.0));
        assert_eq!(mean_of_known([Some(1.0), None, Some(3.0)]), Some(2.0));
        assert_eq!(mean_of_known([None]), None);
    }

    #[test]
    fn residents_where_known_else_area() {
        assert_eq!(RateBasis::for_population(Some(8_000)), RateBasis::Residents);
        assert_eq!(RateBasis::for_population(Some(0)), RateBasis::Area);
        assert_eq!(RateBasis::for_population(None), RateBasis::Area);
        assert_eq!(RateBasis::Residents.rate(20, Some(4_000), Some(1.0)), Some(5.0));
        assert_eq!(RateBasis::Area.rate(20, Some(4_000), Some(4.0)), Some(5.0));
        assert_eq!(RateBasis::Residents.unit(), "per 1,000 residents");
    }
}
