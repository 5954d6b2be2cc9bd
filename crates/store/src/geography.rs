//! Forces, neighbourhoods (with teams, priorities, events and boundaries) and postcodes.

use peel_core::force::FORCES;
use peel_core::geo::{Area, LatLng};
use peel_core::geography::{Force, Neighbourhood, NeighbourhoodDetails, Officer, Postcode, PostcodePoint, Priority};
use peel_core::url::SafeUrl;

use crate::handles::Geography;
use crate::{StoreError, on_db};

/// A neighbourhood as stored, in the order of [`NEIGHBOURHOOD_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(crate) struct NeighbourhoodRow {
    force_id: String,
    id: String,
    name: String,
    description: Option<String>,
    population: Option<i64>,
    url_force: Option<String>,
    centre_lat: Option<f64>,
    centre_lng: Option<f64>,
    /// JSON.
    contact_details: String,
    /// JSON.
    links: String,
    /// JSON.
    locations: String,
    bcu_id: Option<String>,
    csp_id: Option<String>,
}

/// A force's public details as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct ForceRow {
    id: String,
    name: String,
    description: Option<String>,
    url: Option<String>,
    telephone: Option<String>,
    /// JSON.
    engagement_methods: String,
}

pub(crate) const NEIGHBOURHOOD_COLUMNS: &str = "force_id, id, name, description, population, url_force, centre_lat, centre_lng, \
     contact_details, links, locations, bcu_id, csp_id";

/// A person as stored: the shape of both people tables.
#[derive(sqlx::FromRow)]
pub(crate) struct OfficerRow {
    pub(crate) name: String,
    pub(crate) rank: String,
    pub(crate) bio: Option<String>,
    /// JSON.
    pub(crate) contact_details: String,
}

impl OfficerRow {
    pub(crate) fn into_officer(self) -> Result<Officer, StoreError> {
        let OfficerRow { name, rank, bio, contact_details } = self;
        Ok(Officer { name, rank, bio, contact_details: serde_json::from_str(&contact_details)? })
    }
}

/// A link read back: stored ones were checked when written, and the
/// upgrade to version 16 removed older unsafe ones (`links.rs`).
pub(crate) fn stored_link(text: Option<String>) -> Result<Option<SafeUrl>, StoreError> {
    text.map(|t| SafeUrl::parse(&t).map_err(|e| StoreError::Corrupt(format!("the stored link {t:?} {e}")))).transpose()
}

impl ForceRow {
    pub(crate) fn into_force(self) -> Result<Force, StoreError> {
        Ok(Force {
            id: self.id,
            name: self.name,
            description: self.description,
            url: stored_link(self.url)?,
            telephone: self.telephone,
            engagement_methods: serde_json::from_str(&self.engagement_methods)?,
        })
    }
}

impl NeighbourhoodRow {
    pub(crate) fn into_neighbourhood(self) -> Result<Neighbourhood, StoreError> {
        Ok(Neighbourhood {
            force_id: self.force_id,
            id: self.id,
            name: self.name,
            description: self.description,
            population: self.population.and_then(|p| u64::try_from(p).ok()),
            url_force: stored_link(self.url_force)?,
            centre: self.centre_lat.zip(self.centre_lng).map(|(lat, lng)| LatLng { lat, lng }),
            contact_details: serde_json::from_str(&self.contact_details)?,
            links: serde_json::from_str(&self.links)?,
            locations: serde_json::from_str(&self.locations)?,
            bcu_id: self.bcu_id,
            csp_id: self.csp_id,
        })
    }
}

impl Geography<'_> {
    /// Makes sure every police.uk force exists, so data can refer to it.
    pub(crate) async fn seed_forces(self) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            for f in FORCES {
                sqlx::query("INSERT INTO forces (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
                    .bind(f.id)
                    .bind(f.name)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn forces(self) -> Result<Vec<Force>, StoreError> {
        let rows: Vec<ForceRow> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT id, name, description, url, telephone, engagement_methods FROM forces")
                .fetch_all(pool)
                .await?
        });
        let mut forces = rows.into_iter().map(ForceRow::into_force).collect::<Result<Vec<_>, StoreError>>()?;
        // police.uk's own order, so lists are stable on both engines.
        let rank = |id: &str| FORCES.iter().position(|f| f.id == id).unwrap_or(usize::MAX);
        forces.sort_by(|a, b| rank(&a.id).cmp(&rank(&b.id)).then_with(|| a.id.cmp(&b.id)));
        Ok(forces)
    }

    pub async fn force(self, id: &str) -> Result<Option<Force>, StoreError> {
        Ok(self.forces().await?.into_iter().find(|f| f.id == id))
    }

    /// Stores a force's public details and senior officers (replacing both).
    pub async fn put_force(self, force: &Force, people: &[Officer]) -> Result<(), StoreError> {
        let methods = serde_json::to_string(&force.engagement_methods)?;
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO forces (id, name, description, url, telephone, engagement_methods) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, url = excluded.url, \
                 telephone = excluded.telephone, engagement_methods = excluded.engagement_methods",
            )
            .bind(&force.id)
            .bind(&force.name)
            .bind(force.description.as_deref())
            .bind(force.url.as_deref())
            .bind(force.telephone.as_deref())
            .bind(&methods)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM force_people WHERE force_id = $1").bind(&force.id).execute(&mut *tx).await?;
            for (i, p) in people.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO force_people (force_id, position, name, rank, bio, contact_details) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&force.id)
                .bind(i as i64)
                .bind(&p.name)
                .bind(&p.rank)
                .bind(p.bio.as_deref())
                .bind(serde_json::to_string(&p.contact_details)?)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets a force's boundary (from police.uk KML or the ONS force areas).
    pub async fn set_force_boundary(self, force_id: &str, area: &Area) -> Result<(), StoreError> {
        let json = serde_json::to_string(area)?;
        let n = on_db!(self.0, pool => {
            sqlx::query("UPDATE forces SET boundary = $1 WHERE id = $2").bind(json).bind(force_id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("force {force_id}")));
        }
        Ok(())
    }

    pub async fn force_boundary(self, force_id: &str) -> Result<Option<Area>, StoreError> {
        let json: Option<Option<String>> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT boundary FROM forces WHERE id = $1").bind(force_id).fetch_optional(pool).await?
        });
        json.flatten().map(|j| serde_json::from_str(&j).map_err(StoreError::from)).transpose()
    }

    /// Sets a neighbourhood's boundary, creating the neighbourhood (named by
    /// its id until its details arrive) if it is new. The centre is set from
    /// the boundary unless the neighbourhood already has one.
    pub async fn set_neighbourhood_boundary(self, force_id: &str, id: &str, area: &Area) -> Result<(), StoreError> {
        let json = serde_json::to_string(area)?;
        let centre = area.bbox().map(|b| b.centre());
        on_db!(self.0, pool => {
            sqlx::query(
                "INSERT INTO neighbourhoods (force_id, id, name, boundary, centre_lat, centre_lng) \
                 VALUES ($1, $2, $2, $3, $4, $5) ON CONFLICT (force_id, id) DO UPDATE SET boundary = excluded.boundary, \
                 centre_lat = COALESCE(neighbourhoods.centre_lat, excluded.centre_lat), \
                 centre_lng = COALESCE(neighbourhoods.centre_lng, excluded.centre_lng)",
            )
            .bind(force_id)
            .bind(id)
            .bind(json)
            .bind(centre.map(|c| c.lat))
            .bind(centre.map(|c| c.lng))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every neighbourhood boundary, for building the spatial index.
    pub async fn neighbourhood_boundaries(self) -> Result<Vec<(String, String, Area)>, StoreError> {
        let rows: Vec<(String, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT force_id, id, boundary FROM neighbourhoods WHERE boundary IS NOT NULL ORDER BY force_id, id")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(|(f, n, b)| Ok((f, n, serde_json::from_str(&b)?))).collect()
    }

    pub async fn neighbourhood_boundary(self, force_id: &str, id: &str) -> Result<Option<Area>, StoreError> {
        let json: Option<Option<String>> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT boundary FROM neighbourhoods WHERE force_id = $1 AND id = $2")
                .bind(force_id)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        json.flatten().map(|j| serde_json::from_str(&j).map_err(StoreError::from)).transpose()
    }

    /// Stores a neighbourhood's published details, team, priorities and
    /// events, replacing what was there (the boundary is kept).
    pub async fn put_neighbourhood(self, d: &NeighbourhoodDetails) -> Result<(), StoreError> {
        let n = &d.neighbourhood;
        let contact = serde_json::to_string(&n.contact_details)?;
        let links = serde_json::to_string(&n.links)?;
        let locations = serde_json::to_string(&n.locations)?;
        let population = n.population.and_then(|p| i64::try_from(p).ok());
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO neighbourhoods (force_id, id, name, description, population, url_force, centre_lat, \
                 centre_lng, contact_details, links, locations, bcu_id, csp_id, sample) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 ON CONFLICT (force_id, id) DO UPDATE SET name = excluded.name, description = excluded.description, \
                 population = excluded.population, url_force = excluded.url_force, \
                 centre_lat = COALESCE(excluded.centre_lat, neighbourhoods.centre_lat), \
                 centre_lng = COALESCE(excluded.centre_lng, neighbourhoods.centre_lng), \
                 contact_details = excluded.contact_details, links = excluded.links, locations = excluded.locations, \
                 bcu_id = excluded.bcu_id, csp_id = excluded.csp_id, sample = excluded.sample",
            )
            .bind(&n.force_id)
            .bind(&n.id)
            .bind(&n.name)
            .bind(n.description.as_deref())
            .bind(population)
            .bind(n.url_force.as_deref())
            .bind(n.centre.map(|c| c.lat))
            .bind(n.centre.map(|c| c.lng))
            .bind(&contact)
            .bind(&links)
            .bind(&locations)
            .bind(n.bcu_id.as_deref())
            .bind(n.csp_id.as_deref())
            .bind(d.sample)
            .execute(&mut *tx)
            .await?;
            for t in ["neighbourhood_people", "priorities", "events"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {t} WHERE force_id = $1 AND neighbourhood_id = $2")))
                    .bind(&n.force_id)
                    .bind(&n.id)
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, p) in d.team.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO neighbourhood_people (force_id, neighbourhood_id, position, name, rank, bio, contact_details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&n.force_id)
                .bind(&n.id)
                .bind(i as i64)
                .bind(&p.name)
                .bind(&p.rank)
                .bind(p.bio.as_deref())
                .bind(serde_json::to_string(&p.contact_details)?)
                .execute(&mut *tx)
                .await?;
            }
            for (i, p) in d.priorities.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO priorities (force_id, neighbourhood_id, position, issue, issue_date, action, action_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&n.force_id)
                .bind(&n.id)
                .bind(i as i64)
                .bind(&p.issue)
                .bind(&p.issue_date)
                .bind(p.action.as_deref())
                .bind(p.action_date.as_deref())
                .execute(&mut *tx)
                .await?;
            }
            for (i, e) in d.events.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO events (force_id, neighbourhood_id, position, title, description, address, kind, \
                     start_date, end_date, contact_details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&n.force_id)
                .bind(&n.id)
                .bind(i as i64)
                .bind(&e.title)
                .bind(e.description.as_deref())
                .bind(e.address.as_deref())
                .bind(&e.kind)
                .bind(&e.start_date)
                .bind(e.end_date.as_deref())
                .bind(serde_json::to_string(&e.contact_details)?)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn neighbourhoods(self, force_id: &str) -> Result<Vec<Neighbourhood>, StoreError> {
        let sql = format!("SELECT {NEIGHBOURHOOD_COLUMNS} FROM neighbourhoods WHERE force_id = $1 ORDER BY id");
        let rows: Vec<NeighbourhoodRow> = on_db!(self.0, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(force_id).fetch_all(pool).await?
        });
        rows.into_iter().map(NeighbourhoodRow::into_neighbourhood).collect()
    }

    pub async fn neighbourhood(self, force_id: &str, id: &str) -> Result<Option<Neighbourhood>, StoreError> {
        let sql = format!("SELECT {NEIGHBOURHOOD_COLUMNS} FROM neighbourhoods WHERE force_id = $1 AND id = $2");
        let row: Option<NeighbourhoodRow> = on_db!(self.0, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(force_id).bind(id).fetch_optional(pool).await?
        });
        row.map(NeighbourhoodRow::into_neighbourhood).transpose()
    }

    pub async fn neighbourhood_team(self, force_id: &str, id: &str) -> Result<Vec<Officer>, StoreError> {
        let rows: Vec<OfficerRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT name, rank, bio, contact_details FROM neighbourhood_people \
                 WHERE force_id = $1 AND neighbourhood_id = $2 ORDER BY position",
            )
            .bind(force_id)
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(OfficerRow::into_officer).collect()
    }

    pub async fn neighbourhood_priorities(self, force_id: &str, id: &str) -> Result<Vec<Priority>, StoreError> {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT issue, issue_date, action, action_date FROM priorities \
                 WHERE force_id = $1 AND neighbourhood_id = $2 ORDER BY position",
            )
            .bind(force_id)
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(issue, issue_date, action, action_date)| Priority { issue, issue_date, action, action_date })
            .collect())
    }

    /// Whether a neighbourhood's details are demo content.
    pub async fn neighbourhood_is_sample(self, force_id: &str, id: &str) -> Result<bool, StoreError> {
        let v: Option<bool> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT sample FROM neighbourhoods WHERE force_id = $1 AND id = $2")
                .bind(force_id)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(v.unwrap_or(false))
    }

    /// Inserts or updates postcodes in one transaction.
    pub async fn put_postcodes(self, points: &[PostcodePoint]) -> Result<(), StoreError> {
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            for chunk in points.chunks(500) {
                let mut sql = String::from(
                    "INSERT INTO postcodes (postcode, latitude, longitude, admin_district, ward) VALUES ",
                );
                sql.push_str(&crate::open_data::placeholders(self.0.engine(), 5, chunk.len()));
                sql.push_str(
                    " ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude, \
                     admin_district = excluded.admin_district, ward = excluded.ward",
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in chunk {
                    q = q
                        .bind(p.postcode.as_str())
                        .bind(p.at.lat)
                        .bind(p.at.lng)
                        .bind(p.admin_district.as_deref())
                        .bind(p.ward.as_deref());
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn postcode(self, postcode: &Postcode) -> Result<Option<PostcodePoint>, StoreError> {
        let row: Option<(f64, f64, Option<String>, Option<String>)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT latitude, longitude, admin_district, ward FROM postcodes WHERE postcode = $1")
                .bind(postcode.as_str())
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(lat, lng, admin_district, ward)| PostcodePoint {
            postcode: postcode.clone(),
            at: LatLng { lat, lng },
            admin_district,
            ward,
        }))
    }
}
