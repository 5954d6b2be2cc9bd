//! Aggregates for the public portal: crime counts by month and category at
//! force, CSP and neighbourhood level, and the BCU/CSP configuration.

use peel_core::geo::{BBox, LatLng};
pub use peel_core::geography::{Bcu, Csp};
use peel_core::{CrimeCategory, Month, Outcome};

use crate::{Store, StoreError, on_db};

/// A crime with its published point, for maps and area counts.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedCrime {
    pub id: i64,
    pub month: Month,
    pub category: CrimeCategory,
    pub last_outcome: Option<Outcome>,
    pub persistent_id: Option<String>,
    pub location_id: i64,
    pub at: LatLng,
    pub street_name: String,
}

/// Crimes of one category in one month (in some area).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthCount {
    pub month: Month,
    pub category: CrimeCategory,
    pub count: i64,
}

fn parse_month(s: &str) -> Result<Month, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad month {s:?}")))
}

fn parse_category(s: &str) -> Result<CrimeCategory, StoreError> {
    CrimeCategory::from_slug(s).ok_or_else(|| StoreError::Corrupt(format!("bad category {s:?}")))
}

fn counts(rows: Vec<(String, String, i64)>) -> Result<Vec<MonthCount>, StoreError> {
    rows.into_iter()
        .map(|(m, c, count)| Ok(MonthCount { month: parse_month(&m)?, category: parse_category(&c)?, count }))
        .collect()
}

impl Store {
    /// Counts per month and category for a force (or every force), `from..=to`.
    pub async fn force_counts(
        &self,
        force_id: Option<&str>,
        from: Month,
        to: Month,
    ) -> Result<Vec<MonthCount>, StoreError> {
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT month, category, COUNT(*) FROM crimes WHERE ($1 IS NULL OR force_id = $1) \
                 AND month >= $2 AND month <= $3 GROUP BY month, category ORDER BY month, category",
            )
            .bind(force_id)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(pool)
            .await?
        });
        counts(rows)
    }

    /// Counts per month and category for the crimes of a force whose LSOA lies
    /// in `local_authority` (police.uk's LSOA names are "<authority> 001A").
    pub async fn local_authority_counts(
        &self,
        force_id: &str,
        local_authority: &str,
        from: Month,
        to: Month,
    ) -> Result<Vec<MonthCount>, StoreError> {
        let pattern = format!("{} ____", local_authority.replace(['%', '_'], ""));
        let rows: Vec<(String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT month, category, COUNT(*) FROM crimes WHERE force_id = $1 AND lsoa_name LIKE $2 \
                 AND month >= $3 AND month <= $4 GROUP BY month, category ORDER BY month, category",
            )
            .bind(force_id)
            .bind(&pattern)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(pool)
            .await?
        });
        counts(rows)
    }

    /// Crimes by published point inside `bbox`, `from..=to`; callers narrow to
    /// a boundary with an exact point-in-polygon test.
    pub async fn crimes_in_bbox(&self, bbox: BBox, from: Month, to: Month) -> Result<Vec<MappedCrime>, StoreError> {
        type Row = (i64, String, String, Option<String>, Option<String>, i64, f64, f64, String);
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT c.id, c.month, c.category, c.last_outcome, c.persistent_id, l.id, l.latitude, l.longitude, \
                 l.street_name FROM locations l JOIN crimes c ON c.location_id = l.id \
                 WHERE l.latitude >= $1 AND l.latitude <= $2 AND l.longitude >= $3 AND l.longitude <= $4 \
                 AND c.month >= $5 AND c.month <= $6 ORDER BY c.id",
            )
            .bind(bbox.min_lat)
            .bind(bbox.max_lat)
            .bind(bbox.min_lng)
            .bind(bbox.max_lng)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(MappedCrime {
                    id: r.0,
                    month: parse_month(&r.1)?,
                    category: parse_category(&r.2)?,
                    last_outcome: r.3.as_deref().and_then(Outcome::from_code),
                    persistent_id: r.4,
                    location_id: r.5,
                    at: LatLng { lat: r.6, lng: r.7 },
                    street_name: r.8,
                })
            })
            .collect()
    }

    /// Crimes per force in one month (for comparisons).
    pub async fn force_totals(&self, month: Month) -> Result<Vec<(String, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT force_id, COUNT(*) FROM crimes WHERE month = $1 GROUP BY force_id ORDER BY force_id")
                .bind(month.to_string())
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Replaces a force's BCUs, CSPs and commentary in one transaction.
    pub async fn put_areas(
        &self,
        force_id: &str,
        commentary: Option<&str>,
        bcus: &[Bcu],
        csps: &[Csp],
    ) -> Result<(), StoreError> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE forces SET commentary = $1 WHERE id = $2")
                .bind(commentary)
                .bind(force_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("force {force_id}")));
            }
            sqlx::query("DELETE FROM csps WHERE force_id = $1").bind(force_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM bcus WHERE force_id = $1").bind(force_id).execute(&mut *tx).await?;
            for b in bcus {
                sqlx::query("INSERT INTO bcus (force_id, id, name, commentary, sample) VALUES ($1, $2, $3, $4, $5)")
                    .bind(force_id)
                    .bind(&b.id)
                    .bind(&b.name)
                    .bind(b.commentary.as_deref())
                    .bind(b.sample)
                    .execute(&mut *tx)
                    .await?;
            }
            for c in csps {
                sqlx::query(
                    "INSERT INTO csps (force_id, id, name, bcu_id, local_authority, local_authority_code, population) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(force_id)
                .bind(&c.id)
                .bind(&c.name)
                .bind(&c.bcu_id)
                .bind(&c.local_authority)
                .bind(c.local_authority_code.as_deref())
                .bind(c.population)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The neighbourhoods of a BCU, or `None` when the force has no such BCU.
    /// A neighbourhood belongs by its own `bcu_id`, else through its CSP's
    /// BCU, else (where the force has a single CSP) through that CSP's BCU,
    /// the same rule the portal's pages follow.
    pub async fn bcu_neighbourhoods(
        &self,
        force_id: &str,
        bcu_id: &str,
    ) -> Result<Option<std::collections::BTreeSet<String>>, StoreError> {
        if !self.bcus(force_id).await?.iter().any(|b| b.id == bcu_id) {
            return Ok(None);
        }
        let csps = self.csps(force_id).await?;
        let only_csp = if csps.len() == 1 { csps.first() } else { None };
        Ok(Some(
            self.neighbourhoods(force_id)
                .await?
                .into_iter()
                .filter(|n| {
                    let via_csp = n.csp_id.as_ref().and_then(|c| csps.iter().find(|x| &x.id == c)).or(only_csp);
                    n.bcu_id.clone().or_else(|| via_csp.map(|c| c.bcu_id.clone())).as_deref() == Some(bcu_id)
                })
                .map(|n| n.id)
                .collect(),
        ))
    }

    pub async fn force_commentary(&self, force_id: &str) -> Result<Option<String>, StoreError> {
        let c: Option<Option<String>> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT commentary FROM forces WHERE id = $1").bind(force_id).fetch_optional(pool).await?
        });
        Ok(c.flatten())
    }

    pub async fn bcus(&self, force_id: &str) -> Result<Vec<Bcu>, StoreError> {
        let rows: Vec<(String, String, String, Option<String>, bool)> = on_db!(self, pool => {
            sqlx::query_as("SELECT force_id, id, name, commentary, sample FROM bcus WHERE force_id = $1 ORDER BY name")
                .bind(force_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(force_id, id, name, commentary, sample)| Bcu { force_id, id, name, commentary, sample })
            .collect())
    }

    pub async fn csps(&self, force_id: &str) -> Result<Vec<Csp>, StoreError> {
        type Row = (String, String, String, String, String, Option<String>, Option<i64>);
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT force_id, id, name, bcu_id, local_authority, local_authority_code, population FROM csps \
                 WHERE force_id = $1 ORDER BY name",
            )
            .bind(force_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Csp {
                force_id: r.0,
                id: r.1,
                name: r.2,
                bcu_id: r.3,
                local_authority: r.4,
                local_authority_code: r.5,
                population: r.6,
            })
            .collect())
    }

    /// The CSP for a local authority code (from a postcode), in any force.
    pub async fn csp_for_local_authority_code(&self, code: &str) -> Result<Option<Csp>, StoreError> {
        let force: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT force_id FROM csps WHERE local_authority_code = $1 ORDER BY force_id")
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        match force {
            Some(f) => Ok(self.csps(&f).await?.into_iter().find(|c| c.local_authority_code.as_deref() == Some(code))),
            None => Ok(None),
        }
    }

    /// Neighbourhoods and map points whose name contains `text` (place search).
    pub async fn search_places(&self, text: &str, limit: i64) -> Result<Vec<PlaceMatch>, StoreError> {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        let hoods: Vec<(String, String, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT force_id, id, name FROM neighbourhoods WHERE lower(name) LIKE $1 ORDER BY name LIMIT $2",
            )
            .bind(&pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let streets: Vec<(String, f64, f64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT street_name, MIN(latitude), MIN(longitude) FROM locations WHERE lower(street_name) LIKE $1 \
                 GROUP BY street_name ORDER BY street_name LIMIT $2",
            )
            .bind(&pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let mut out: Vec<PlaceMatch> =
            hoods.into_iter().map(|(force_id, id, name)| PlaceMatch::Neighbourhood { force_id, id, name }).collect();
        out.extend(streets.into_iter().map(|(name, lat, lng)| PlaceMatch::Street { name, at: LatLng { lat, lng } }));
        Ok(out)
    }
}

/// What a place search found.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceMatch {
    Neighbourhood { force_id: String, id: String, name: String },
    Street { name: String, at: LatLng },
}
