//! Forces' crime figures for a month put on a common footing: each force's
//! count (from the open-data engine), its rate per 1,000 residents and per
//! square kilometre, the average force and the national figure over every
//! force held. The rules are in `docs/methods.md` ("Comparing forces").

use std::collections::BTreeMap;

use peel_core::{Month, force, rates};
use peel_spatial::OpenData;
use peel_store::PopulationSource;

use super::format::{one_decimal, thousands};

/// One force's figures; `count` is `None` where peel holds no crimes for it
/// that month (not zero: nothing was published, or nothing imported).
#[derive(Debug, Clone)]
pub struct ForceFigure {
    pub id: String,
    pub name: String,
    pub count: Option<i64>,
    pub population: Option<i64>,
    pub km2: Option<f64>,
}

impl ForceFigure {
    pub fn per_1000(&self) -> Option<f64> {
        self.count.and_then(|c| rates::per_thousand_residents(c, self.population))
    }

    pub fn per_km2(&self) -> Option<f64> {
        self.count.and_then(|c| rates::per_square_km(c, self.km2))
    }
}

/// A row that sums up several forces: its figures are not one force's.
#[derive(Debug, Clone)]
pub struct SummaryFigure {
    pub name: String,
    pub count: Option<f64>,
    pub per_1000: Option<f64>,
    pub per_km2: Option<f64>,
}

/// The figures of force `id` in `month`.
pub fn force_figure(data: &OpenData, id: &str, month: Month) -> ForceFigure {
    let geography = data.geography();
    let details = geography.force(id);
    let count = data.force_totals(month).into_iter().find(|(f, _)| f == id).map(|(_, c)| c);
    ForceFigure {
        id: id.to_string(),
        name: force_name(data, id),
        count,
        population: geography.force_population(id),
        km2: details.and_then(|f| f.boundary.as_ref()).map(|a| a.area_km2()),
    }
}

/// A force's name as held, else as police.uk lists it, else its id.
pub fn force_name(data: &OpenData, id: &str) -> String {
    let held = data.geography().force(id).map(|f| f.force.name.clone());
    held.or_else(|| force::by_id(id).map(|f| f.name.to_string())).unwrap_or_else(|| id.to_string())
}

/// Every force with crimes held for `month`, by id.
pub fn held(data: &OpenData, month: Month) -> Vec<ForceFigure> {
    data.force_totals(month).into_iter().map(|(id, _)| force_figure(data, &id, month)).collect()
}

/// The average force among `figs`: the mean of each figure over the forces
/// that have it, so each force counts once whatever its size.
pub fn average(name: &str, figs: &[ForceFigure]) -> SummaryFigure {
    SummaryFigure {
        name: name.to_string(),
        count: rates::mean_of_known(figs.iter().map(|f| f.count.map(|c| c as f64))),
        per_1000: rates::mean_of_known(figs.iter().map(ForceFigure::per_1000)),
        per_km2: rates::mean_of_known(figs.iter().map(ForceFigure::per_km2)),
    }
}

/// The country as a whole, from every force held: the total count, and the
/// rates over the forces with a population (or an area), total over total.
pub struct National {
    pub figure: SummaryFigure,
    /// Forces of England and Wales with no crimes held for the month.
    pub no_crimes: Vec<String>,
    /// Forces held whose population is not known (left out of the rate).
    pub no_population: Vec<String>,
}

pub fn national(data: &OpenData, month: Month) -> National {
    let figs = held(data, month);
    let total = |f: &dyn Fn(&ForceFigure) -> Option<f64>| -> Option<(f64, f64)> {
        let pairs: Vec<(f64, f64)> = figs.iter().filter_map(|x| Some((x.count? as f64, f(x)?))).collect();
        (!pairs.is_empty()).then(|| pairs.iter().fold((0.0, 0.0), |(c, d), (x, y)| (c + x, d + y)))
    };
    let per_1000 = total(&|f| f.population.filter(|p| *p > 0).map(|p| p as f64)).map(|(c, p)| c * 1000.0 / p);
    let per_km2 = total(&|f| f.km2.filter(|a| *a > 0.0)).map(|(c, a)| c / a);
    let count: i64 = figs.iter().filter_map(|f| f.count).sum();
    let no_crimes = territorial().filter(|k| !figs.iter().any(|f| f.id == k.id)).map(|k| k.name.to_string()).collect();
    let no_population = figs.iter().filter(|f| f.population.is_none()).map(|f| f.name.clone()).collect();
    National {
        figure: SummaryFigure {
            name: "England and Wales (every force held)".into(),
            count: (!figs.is_empty()).then_some(count as f64),
            per_1000,
            per_km2,
        },
        no_crimes,
        no_population,
    }
}

/// The 43 territorial forces of England and Wales, which a national figure covers.
pub fn territorial() -> impl Iterator<Item = &'static force::KnownForce> {
    force::listed_forces().filter(|f| f.id != "northern-ireland")
}

/// "Office for National Statistics, … (2021): Bedfordshire Police, City of
/// London Police", one line per source, for the forces in `figs` with a
/// population; forces whose areas file names no source are said to be so.
pub fn population_sources(figs: &[ForceFigure], sources: &BTreeMap<String, PopulationSource>) -> Vec<String> {
    let mut by_source: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for f in figs.iter().filter(|f| f.population.is_some()) {
        let key = sources
            .get(&f.id)
            .map_or_else(|| "source not stated".to_string(), |s| format!("{} ({})", s.source, s.year));
        by_source.entry(key).or_default().push(&f.name);
    }
    by_source.into_iter().map(|(source, names)| format!("{source}: {}", names.join(", "))).collect()
}

/// What a reader needs to weigh the national row and the rates: where the
/// populations come from, which forces have no figures, which no population.
pub fn notes(figs: &[ForceFigure], national: &National, sources: &BTreeMap<String, PopulationSource>) -> Vec<String> {
    let mut notes: Vec<String> =
        population_sources(figs, sources).into_iter().map(|s| format!("Populations: {s}.")).collect();
    if !national.no_population.is_empty() {
        notes.push(format!(
            "No population is imported for {}, so the national rate per 1,000 residents leaves it out.",
            national.no_population.join(", ")
        ));
    }
    if !national.no_crimes.is_empty() {
        notes.push(format!(
            "This copy of peel holds no crime figures for this month for {} of the {} forces of England and Wales, so the national row covers only the forces above. Missing: {}.",
            national.no_crimes.len(),
            territorial().count(),
            national.no_crimes.join(", ")
        ));
    }
    notes
}

/// A count or a mean of counts: "5,446", "2,723.5".
pub fn count_text(x: f64) -> String {
    if x.fract() == 0.0 {
        return thousands(x as i64);
    }
    let tenths = (x * 10.0).round() as i64;
    format!("{}.{}", thousands(tenths / 10), tenths % 10)
}

/// A rate, or "Not known" where its denominator is.
pub fn rate_text(x: Option<f64>) -> String {
    x.map_or("Not known".into(), one_decimal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(id: &str, count: Option<i64>, population: Option<i64>) -> ForceFigure {
        ForceFigure { id: id.into(), name: id.into(), count, population, km2: Some(2.0) }
    }

    #[test]
    fn the_average_force_is_a_mean_not_a_total() {
        let figs = [fig("a", Some(810), Some(8_583)), fig("b", Some(4_636), Some(705_005))];
        let avg = average("Average", &figs);
        assert_eq!(avg.count, Some(2_723.0));
        assert_eq!(avg.per_1000, Some((810.0 * 1000.0 / 8_583.0 + 4_636.0 * 1000.0 / 705_005.0) / 2.0));
        assert_eq!(avg.per_km2, Some((405.0 + 2_318.0) / 2.0));
        // A force without a population does not drag the rate's mean down.
        let avg = average("Average", &[fig("a", Some(10), Some(1_000)), fig("b", Some(99), None)]);
        assert_eq!(avg.per_1000, Some(10.0));
        assert_eq!(avg.count, Some(54.5));
    }

    #[test]
    fn counts_are_written_for_people() {
        assert_eq!(count_text(5_446.0), "5,446");
        assert_eq!(count_text(2_723.5), "2,723.5");
        assert_eq!(count_text(1_234.56), "1,234.6");
        assert_eq!(rate_text(None), "Not known");
        assert_eq!(territorial().count(), 43);
    }
}
