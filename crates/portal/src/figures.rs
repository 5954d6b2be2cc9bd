//! The crime figures every area page shows: the latest month by category
//! and a 12-month rolling trend.

use std::collections::BTreeMap;

use peel_core::{CrimeCategory, Month};

use super::format::thousands;
use super::svg::trend_chart;

pub struct AreaFigures {
    pub latest_name: String,
    pub first_name: String,
    pub total: i64,
    pub total_text: String,
    /// (category name, count, share of the month)
    pub by_category: Vec<(String, String, String)>,
    pub trend_rows: Vec<(String, String)>,
    pub trend_svg: String,
}

/// The 12 months ending with `latest`.
pub fn window(latest: Month) -> (Month, Month) {
    (latest.plus(-11), latest)
}

/// Crimes of one category in one month (in some area).
pub type MonthCount = (Month, CrimeCategory, i64);

pub fn figures(area_name: &str, counts: &[MonthCount], latest: Month) -> AreaFigures {
    let (first, last) = window(latest);
    let mut per_month: BTreeMap<Month, i64> = first.through(last).map(|m| (m, 0)).collect();
    let mut per_category: BTreeMap<CrimeCategory, i64> = BTreeMap::new();
    for &(month, category, count) in counts {
        if let Some(v) = per_month.get_mut(&month) {
            *v += count;
        }
        if month == latest {
            *per_category.entry(category).or_default() += count;
        }
    }
    let total: i64 = per_category.values().sum();
    let mut by_category: Vec<(CrimeCategory, i64)> = per_category.into_iter().collect();
    by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let trend: Vec<(Month, i64)> = per_month.into_iter().collect();
    AreaFigures {
        latest_name: latest.long_name(),
        first_name: first.long_name(),
        total,
        total_text: thousands(total),
        by_category: by_category
            .into_iter()
            .map(|(c, n)| {
                let share = if total > 0 { format!("{:.0}%", n as f64 * 100.0 / total as f64) } else { "–".into() };
                (c.name().to_string(), thousands(n), share)
            })
            .collect(),
        trend_rows: trend.iter().map(|(m, n)| (m.long_name(), thousands(*n))).collect(),
        trend_svg: trend_chart(&format!("Crimes recorded each month in {area_name}"), &trend),
    }
}
