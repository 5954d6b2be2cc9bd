//! What comparisons between forces rest on: where each force's population
//! comes from, the published most similar groups, and the variables peel
//! computes its own groups from. Small tables, read whole.

use std::collections::BTreeMap;

use peel_core::peers::{ForceVariable, PublishedGroup};

use crate::handles::Comparisons;
use crate::{StoreError, on_db};

/// Whose count of residents a force's population is, and of which year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationSource {
    pub source: String,
    pub year: i32,
}

/// Everything the comparison pages need besides the crime counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComparisonInputs {
    /// By force id, for forces whose areas file states it.
    pub population_sources: BTreeMap<String, PopulationSource>,
    /// By force id; a group with no peers is a force published as having none.
    pub published_groups: Vec<PublishedGroup>,
    /// By force id, then variable.
    pub variables: Vec<ForceVariable>,
}

impl Comparisons<'_> {
    /// Replaces the published most similar groups with `groups`, whole, in
    /// one transaction: importing the same list again leaves the same rows.
    pub async fn replace_published_groups(self, groups: &[PublishedGroup]) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM peer_groups").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM peer_group_sources").execute(&mut *tx).await?;
            for g in groups {
                sqlx::query("INSERT INTO peer_group_sources (force_id, source, year) VALUES ($1, $2, $3)")
                    .bind(&g.force_id)
                    .bind(&g.source)
                    .bind(g.year)
                    .execute(&mut *tx)
                    .await?;
                for (rank, peer) in g.peers.iter().enumerate() {
                    sqlx::query("INSERT INTO peer_groups (force_id, rank, peer_id) VALUES ($1, $2, $3)")
                        .bind(&g.force_id)
                        .bind(rank as i32 + 1)
                        .bind(peer)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replaces every value of the variables named in `values` (other
    /// variables are kept) in one transaction.
    pub async fn replace_force_variables(self, values: &[ForceVariable]) -> Result<(), StoreError> {
        let mut names: Vec<&str> = values.iter().map(|v| v.variable.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            for name in &names {
                sqlx::query("DELETE FROM force_variables WHERE variable = $1").bind(name).execute(&mut *tx).await?;
            }
            for v in values {
                sqlx::query(
                    "INSERT INTO force_variables (force_id, variable, value, source, year) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&v.force_id)
                .bind(&v.variable)
                .bind(v.value)
                .bind(&v.source)
                .bind(v.year)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records where a force's population comes from (or that nothing says).
    pub(crate) async fn population_sources(&self) -> Result<BTreeMap<String, PopulationSource>, StoreError> {
        let rows: Vec<(String, String, i32)> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT id, population_source, population_year FROM forces \
                 WHERE population_source IS NOT NULL AND population_year IS NOT NULL ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id, source, year)| (id, PopulationSource { source, year })).collect())
    }

    /// The population sources, published groups and variables, read whole.
    pub async fn comparison_inputs(self) -> Result<ComparisonInputs, StoreError> {
        let population_sources = self.population_sources().await?;
        let (sources, members, values): Tables = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let sources = sqlx::query_as("SELECT force_id, source, year FROM peer_group_sources ORDER BY force_id")
                .fetch_all(&mut *tx)
                .await?;
            let members = sqlx::query_as("SELECT force_id, peer_id FROM peer_groups ORDER BY force_id, rank")
                .fetch_all(&mut *tx)
                .await?;
            let values = sqlx::query_as(
                "SELECT force_id, variable, value, source, year FROM force_variables ORDER BY force_id, variable",
            )
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            (sources, members, values)
        });
        let mut published_groups: Vec<PublishedGroup> = sources
            .into_iter()
            .map(|(force_id, source, year)| PublishedGroup { force_id, peers: Vec::new(), source, year })
            .collect();
        for (force_id, peer) in members {
            if let Some(g) = published_groups.iter_mut().find(|g| g.force_id == force_id) {
                g.peers.push(peer);
            }
        }
        let variables = values
            .into_iter()
            .map(|(force_id, variable, value, source, year)| ForceVariable { force_id, variable, value, source, year })
            .collect();
        Ok(ComparisonInputs { population_sources, published_groups, variables })
    }
}

type VariableRow = (String, String, f64, String, i32);
/// The group sources, group members and variables, as read.
type Tables = (Vec<(String, String, i32)>, Vec<(String, String)>, Vec<VariableRow>);
