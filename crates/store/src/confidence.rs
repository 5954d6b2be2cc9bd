//! Survey responses on public confidence in the police, and the figures
//! published from them: for a force or one of its BCUs, each measure's
//! estimate over the rolling twelve months ending at a month, and the
//! change on the twelve months before. The statistics are
//! `peel_core::confidence`; this module only adds up weights in SQL.

use std::collections::{BTreeMap, BTreeSet};

use peel_core::Month;
use peel_core::confidence::{self, Change, DEFAULT_MIN_BASE, Figure, MAX_MIN_BASE, Measure, Sums, SurveyResponse};

use crate::handles::Confidence;
use crate::{StoreError, on_db};

/// One measure's figure for twelve months.
#[derive(Debug, Clone, PartialEq)]
pub struct YearFigure {
    pub measure: Measure,
    /// The first and last months counted.
    pub first: Month,
    pub last: Month,
    /// The estimate, or that it is suppressed or has no responses.
    pub figure: Figure,
}

/// One measure's figure for the twelve months ending at a month, the
/// figure for the twelve months before, and whether the change between
/// them is significant (only when both are published).
#[derive(Debug, Clone, PartialEq)]
pub struct YearOnYear {
    pub measure: Measure,
    pub now: YearFigure,
    pub before: YearFigure,
    pub change: Option<Change>,
}

#[derive(sqlx::FromRow)]
struct SumsRow {
    measure: String,
    responses: i64,
    weight: f64,
    weight_squared: f64,
    positive_weight: f64,
}

/// The area filter every read shares: the force's responses, or those of
/// one BCU when `$2` is not null. A macro, so the queries stay static text.
macro_rules! area {
    () => {
        "force_id = $1 AND ($2 IS NULL OR bcu_id = $2)"
    };
}

impl Confidence<'_> {
    /// Replaces every response of each source named in `responses` with
    /// them, in one transaction: re-importing a source's file leaves the
    /// same rows, and other sources are kept. Returns the rows removed.
    pub async fn replace_sources(self, responses: &[SurveyResponse]) -> Result<u64, StoreError> {
        let sources: BTreeSet<&str> = responses.iter().map(|r| r.source.as_str()).collect();
        let removed = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let mut removed = 0;
            for s in &sources {
                removed += sqlx::query("DELETE FROM confidence_responses WHERE source = $1")
                    .bind(s)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            for r in responses {
                sqlx::query(
                    "INSERT INTO confidence_responses \
                     (force_id, bcu_id, neighbourhood_id, month, measure, response, positive, weight, source) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&r.force_id)
                .bind(r.bcu_id.as_deref())
                .bind(r.neighbourhood_id.as_deref())
                .bind(r.month.to_string())
                .bind(r.measure.code())
                .bind(&r.response)
                .bind(r.positive)
                .bind(r.weight)
                .bind(&r.source)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            removed
        });
        Ok(removed)
    }

    /// The smallest unweighted base an estimate is published on: as
    /// configured, else [`DEFAULT_MIN_BASE`].
    pub async fn min_base(self) -> Result<u32, StoreError> {
        let row: Option<(i32,)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT min_unweighted_base FROM confidence_settings WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(row.and_then(|(n,)| u32::try_from(n).ok()).unwrap_or(DEFAULT_MIN_BASE))
    }

    /// Configures the minimum base (at most [`MAX_MIN_BASE`]).
    pub async fn set_min_base(self, n: u32) -> Result<(), StoreError> {
        if n > MAX_MIN_BASE {
            return Err(StoreError::Invalid(format!(
                "a minimum base of {n} is more than {MAX_MIN_BASE}: no estimate could be published"
            )));
        }
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM confidence_settings").execute(&mut *tx).await?;
            sqlx::query("INSERT INTO confidence_settings (id, min_unweighted_base) VALUES (1, $1)")
                .bind(i32::try_from(n).unwrap_or(i32::MAX))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The months with any response for the force (or the BCU), oldest first.
    pub async fn months(self, force_id: &str, bcu_id: Option<&str>) -> Result<Vec<Month>, StoreError> {
        let rows: Vec<(String,)> = on_db!(self.0, pool => {
            sqlx::query_as(concat!("SELECT DISTINCT month FROM confidence_responses WHERE ", area!(), " ORDER BY month"))
                .bind(force_id)
                .bind(bcu_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(|(m,)| m.parse().map_err(|_| StoreError::Corrupt(format!("survey month {m:?}")))).collect()
    }

    /// Who ran the surveys counted for the force (or the BCU) from `first`
    /// to `last`, so a page can say so (and that illustrative figures are).
    pub async fn sources(
        self,
        force_id: &str,
        bcu_id: Option<&str>,
        first: Month,
        last: Month,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_db!(self.0, pool => {
            sqlx::query_as(concat!(
                "SELECT DISTINCT source FROM confidence_responses WHERE ",
                area!(),
                " AND month BETWEEN $3 AND $4 ORDER BY source"
            ))
            .bind(force_id)
            .bind(bcu_id)
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// Each measure's sums over the responses of the force (or the BCU)
    /// from `first` to `last`; a measure with none is absent.
    pub async fn sums(
        self,
        force_id: &str,
        bcu_id: Option<&str>,
        first: Month,
        last: Month,
    ) -> Result<BTreeMap<Measure, Sums>, StoreError> {
        let rows: Vec<SumsRow> = on_db!(self.0, pool => {
            sqlx::query_as(concat!(
                "SELECT measure, COUNT(*) AS responses, SUM(weight) AS weight, ",
                "SUM(weight * weight) AS weight_squared, ",
                "SUM(CASE WHEN positive THEN weight ELSE 0.0 END) AS positive_weight ",
                "FROM confidence_responses WHERE ",
                area!(),
                " AND month BETWEEN $3 AND $4 GROUP BY measure"
            ))
            .bind(force_id)
            .bind(bcu_id)
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                let measure: Measure =
                    r.measure.parse().map_err(|_| StoreError::Corrupt(format!("measure {:?}", r.measure)))?;
                let responses = u64::try_from(r.responses).unwrap_or(0);
                let sums = Sums {
                    responses,
                    weight: r.weight,
                    weight_squared: r.weight_squared,
                    positive_weight: r.positive_weight,
                };
                Ok((measure, sums))
            })
            .collect()
    }

    /// Every measure's figure for the twelve months ending with `end`, for
    /// the force (`bcu_id` `None`) or one of its BCUs, with the configured
    /// minimum base applied. Every measure is listed, with
    /// [`Figure::NoResponses`] where none is held.
    pub async fn rolling_year(
        self,
        force_id: &str,
        bcu_id: Option<&str>,
        end: Month,
    ) -> Result<Vec<YearFigure>, StoreError> {
        let min_base = self.min_base().await?;
        self.year(force_id, bcu_id, confidence::rolling_year(end), min_base).await
    }

    /// [`Confidence::rolling_year`] beside the twelve months before it
    /// (ending with `end` less twelve months) and the change between them,
    /// tested as ONS does (`peel_core::confidence::change`).
    pub async fn year_on_year(
        self,
        force_id: &str,
        bcu_id: Option<&str>,
        end: Month,
    ) -> Result<Vec<YearOnYear>, StoreError> {
        let min_base = self.min_base().await?;
        let now = self.year(force_id, bcu_id, confidence::rolling_year(end), min_base).await?;
        let before = self.year(force_id, bcu_id, confidence::year_before(end), min_base).await?;
        Ok(now
            .into_iter()
            .zip(before)
            .map(|(now, before)| {
                let change = match (now.figure.estimate(), before.figure.estimate()) {
                    (Some(a), Some(b)) => Some(confidence::change(a, b)),
                    _ => None,
                };
                YearOnYear { measure: now.measure, now, before, change }
            })
            .collect())
    }

    async fn year(
        self,
        force_id: &str,
        bcu_id: Option<&str>,
        (first, last): (Month, Month),
        min_base: u32,
    ) -> Result<Vec<YearFigure>, StoreError> {
        let sums = self.sums(force_id, bcu_id, first, last).await?;
        Ok(Measure::ALL
            .into_iter()
            .map(|measure| YearFigure {
                measure,
                first,
                last,
                figure: confidence::publish(sums.get(&measure), min_base),
            })
            .collect())
    }
}
