//! The BCU/CSP configuration and the portal's place search. (The portal's
//! crime figures come from the open-data engine, not from here.)

use peel_core::geo::LatLng;
pub use peel_core::geography::{Bcu, Csp};
use peel_core::places;

use crate::comparators::PopulationSource;
use crate::handles::Geography;
use crate::{StoreError, on_db};

/// A partnership as stored (the domain's [`Csp`] knows no database).
#[derive(sqlx::FromRow)]
pub(crate) struct CspRow {
    force_id: String,
    id: String,
    name: String,
    bcu_id: String,
    local_authority: String,
    local_authority_code: Option<String>,
    population: Option<i64>,
}

impl CspRow {
    pub(crate) fn into_csp(self) -> Csp {
        let CspRow { force_id, id, name, bcu_id, local_authority, local_authority_code, population } = self;
        Csp { force_id, id, name, bcu_id, local_authority, local_authority_code, population }
    }
}

impl Geography<'_> {
    /// Replaces a force's BCUs, CSPs, commentary and the source of its
    /// partnerships' populations in one transaction.
    pub async fn put_areas(
        self,
        force_id: &str,
        commentary: Option<&str>,
        population: Option<&PopulationSource>,
        bcus: &[Bcu],
        csps: &[Csp],
    ) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE forces SET commentary = $1, population_source = $2, population_year = $3 WHERE id = $4",
            )
                .bind(commentary)
                .bind(population.map(|p| p.source.as_str()))
                .bind(population.map(|p| p.year))
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
        self,
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

    pub async fn bcus(self, force_id: &str) -> Result<Vec<Bcu>, StoreError> {
        let rows: Vec<(String, String, String, Option<String>, bool)> = on_db!(self.0, pool => {
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

    /// A partnership by its force and id.
    pub async fn csp(self, force_id: &str, csp_id: &str) -> Result<Option<Csp>, StoreError> {
        Ok(self.csps(force_id).await?.into_iter().find(|c| c.id == csp_id))
    }

    pub async fn csps(self, force_id: &str) -> Result<Vec<Csp>, StoreError> {
        self.csps_of(Some(force_id)).await
    }

    /// Every community safety partnership, by name.
    pub async fn all_csps(self) -> Result<Vec<Csp>, StoreError> {
        self.csps_of(None).await
    }

    /// The partnerships of one force, or of all, by name.
    async fn csps_of(self, force_id: Option<&str>) -> Result<Vec<Csp>, StoreError> {
        let rows: Vec<CspRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT force_id, id, name, bcu_id, local_authority, local_authority_code, population FROM csps \
                 WHERE $1 IS NULL OR force_id = $1 ORDER BY lower(name), force_id, id",
            )
            .bind(force_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(CspRow::into_csp).collect())
    }

    /// Neighbourhoods, and streets (map points grouped by name and place,
    /// best match first), whose name contains `text` (place search).
    pub async fn search_places(self, text: &str, limit: i64) -> Result<Vec<PlaceMatch>, StoreError> {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        let hoods: Vec<(String, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT force_id, id, name FROM neighbourhoods WHERE lower(name) LIKE $1 ORDER BY name LIMIT $2",
            )
            .bind(&pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        // Per name and grid cell of 0.05° (about 5 km by 3.5 km), so that
        // same-named streets in different towns are never averaged together.
        let pieces: Vec<StreetPiece> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT street_name AS name, AVG(latitude) AS lat, AVG(longitude) AS lng, COUNT(*) AS points \
                 FROM locations WHERE lower(street_name) LIKE $1 \
                 GROUP BY street_name, CAST(ROUND(latitude * 20) AS INTEGER), CAST(ROUND(longitude * 20) AS INTEGER) \
                 ORDER BY street_name LIMIT $2",
            )
            .bind(&pattern)
            .bind(limit.saturating_mul(5))
            .fetch_all(pool)
            .await?
        });
        let pieces = pieces.into_iter().map(|p| places::Street {
            name: p.name,
            at: LatLng { lat: p.lat, lng: p.lng },
            points: p.points,
        });
        let mut streets = places::join_pieces(pieces.collect());
        places::rank(&mut streets, text);
        streets.truncate(usize::try_from(limit).unwrap_or(0));
        let mut out: Vec<PlaceMatch> =
            hoods.into_iter().map(|(force_id, id, name)| PlaceMatch::Neighbourhood { force_id, id, name }).collect();
        out.extend(streets.into_iter().map(|s| PlaceMatch::Street { name: s.name, at: s.at }));
        Ok(out)
    }
}

/// A street's map points in one grid cell.
#[derive(sqlx::FromRow)]
struct StreetPiece {
    name: String,
    lat: f64,
    lng: f64,
    points: i64,
}

/// What a place search found.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceMatch {
    Neighbourhood { force_id: String, id: String, name: String },
    Street { name: String, at: LatLng },
}
