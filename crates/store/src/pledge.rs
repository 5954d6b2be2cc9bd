//! Policing Pledge events, neighbourhood settings and local standards.
//!
//! A batch of events is all or nothing: it is checked completely (the text
//! by `peel_core::pledge::validate`, the neighbourhoods here), and only a
//! batch without a single error is written, in one transaction. Events are
//! keyed by `(force, type, id)`, so re-sending one replaces it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use peel_core::Month;
use peel_core::pledge::stored::from_stored_json;
use peel_core::pledge::{
    AreaKind, Event, EventError, LineEvent, ParsedBatch, Report, Scope, Standard, StandardError, StandardSet, compute,
};
use sqlx::AssertSqlSafe;

use crate::open_data::placeholders;
use crate::{Store, StoreError, on_db};

/// Why a batch of events was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The batch had invalid events; nothing was written.
    #[error("{} invalid events; nothing was stored", .0.len())]
    Invalid(Vec<EventError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a local standard was not stored.
#[derive(Debug, thiserror::Error)]
pub enum LocalStandardError {
    #[error(transparent)]
    Standard(#[from] StandardError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Rows per multi-row INSERT (7 columns), far below both engines' limits.
const CHUNK: usize = 400;

/// One event as a row: key, query columns and canonical JSON.
struct Row<'a> {
    event: &'a Event,
    month: String,
    last_month: Option<String>,
    json: String,
}

impl Store {
    /// Checks what only the store knows: that each named neighbourhood
    /// exists in its force. One error per event naming an unknown one.
    pub async fn pledge_reference_errors(&self, events: &[LineEvent]) -> Result<Vec<EventError>, StoreError> {
        let forces: BTreeSet<&str> =
            events.iter().filter(|e| e.event.neighbourhood.is_some()).map(|e| e.event.force.as_str()).collect();
        let mut known: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for force in forces {
            let ids: Vec<String> = on_db!(self, pool => {
                sqlx::query_scalar("SELECT id FROM neighbourhoods WHERE force_id = $1").bind(force).fetch_all(pool).await?
            });
            known.insert(force, ids.into_iter().collect());
        }
        let mut errors = Vec::new();
        for LineEvent { line, event } in events {
            if let Some(n) = &event.neighbourhood
                && !known.get(event.force.as_str()).is_some_and(|ids| ids.contains(n))
            {
                errors.push(EventError::new(
                    *line,
                    "neighbourhood",
                    format!("unknown neighbourhood {n:?} in force {}", event.force),
                ));
            }
        }
        Ok(errors)
    }

    /// Validates references and stores a parsed batch, all or nothing.
    /// Returns how many events were stored.
    pub async fn ingest_pledge_events(&self, batch: ParsedBatch) -> Result<usize, IngestError> {
        let mut errors = batch.errors;
        errors.extend(self.pledge_reference_errors(&batch.events).await?);
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(IngestError::Invalid(errors));
        }
        let events: Vec<Event> = batch.events.into_iter().map(|e| e.event).collect();
        Ok(self.put_pledge_events(&events).await?)
    }

    /// Stores validated events in one transaction, replacing any with the
    /// same `(force, type, id)`; within the batch the last one wins.
    pub async fn put_pledge_events(&self, events: &[Event]) -> Result<usize, StoreError> {
        // One row per key, keeping the last: PostgreSQL refuses to update
        // the same row twice in one statement.
        let mut last: HashMap<(&str, &str, &str), usize> = HashMap::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            last.insert((e.force.as_str(), e.event_type().as_str(), e.id.as_str()), i);
        }
        let mut keep: Vec<usize> = last.into_values().collect();
        keep.sort_unstable();
        let rows = keep
            .into_iter()
            .map(|i| {
                let event = &events[i];
                let month = event
                    .month()
                    .ok_or_else(|| StoreError::Corrupt(format!("event {} has a time outside 1900-9999", event.id)))?;
                Ok(Row {
                    event,
                    month: month.to_string(),
                    last_month: event.last_month().map(|m| m.to_string()),
                    json: serde_json::to_string(event)?,
                })
            })
            .collect::<Result<Vec<Row<'_>>, StoreError>>()?;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO pledge_events (force_id, type, id, month, last_month, neighbourhood_id, event) VALUES {} \
                     ON CONFLICT (force_id, type, id) DO UPDATE SET month = excluded.month, \
                     last_month = excluded.last_month, neighbourhood_id = excluded.neighbourhood_id, event = excluded.event",
                    placeholders(self.engine(), 7, chunk.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for r in chunk {
                    q = q
                        .bind(r.event.force.as_str())
                        .bind(r.event.event_type().as_str())
                        .bind(r.event.id.as_str())
                        .bind(r.month.as_str())
                        .bind(r.last_month.as_deref())
                        .bind(r.event.neighbourhood.as_deref())
                        .bind(r.json.as_str());
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows.len())
    }

    /// A force's events for the London months `from..=to`, plus what
    /// compliance for those months also needs: victim plans active in them
    /// (whenever they started) and the victim updates since the earliest of
    /// those plans began (an update before its plan's start never counts).
    /// In no particular order: compliance does not depend on it.
    pub async fn pledge_events(&self, force_id: &str, from: Month, to: Month) -> Result<Vec<Event>, StoreError> {
        let (from, to) = (from.to_string(), to.to_string());
        // Three plain range queries rather than one with an OR, which kept
        // SQLite from using the (force_id, month) index: every event of the
        // months (plans and updates included), plans begun earlier and still
        // active, and earlier updates since the earliest such plan began.
        let rows: Vec<String> = on_db!(self, pool => {
            let mut rows: Vec<String> = sqlx::query_scalar(
                "SELECT event FROM pledge_events WHERE force_id = $1 AND month >= $2 AND month <= $3",
            )
            .bind(force_id)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await?;
            let earlier: Vec<String> = sqlx::query_scalar(
                "SELECT event FROM pledge_events WHERE force_id = $1 AND month < $2 \
                 AND type IN ('victim_plan', 'victim_update') AND ( \
                   (type = 'victim_plan' AND month < $2 AND (last_month IS NULL OR last_month >= $2)) \
                   OR (type = 'victim_update' AND month < $2 AND month >= ( \
                     SELECT MIN(month) FROM pledge_events WHERE force_id = $1 AND type = 'victim_plan' \
                     AND month <= $3 AND (last_month IS NULL OR last_month >= $2))))",
            )
            .bind(force_id)
            .bind(&from)
            .bind(&to)
            .fetch_all(pool)
            .await?;
            rows.extend(earlier);
            rows
        });
        rows.iter().map(|j| from_stored_json(j).map_err(StoreError::from)).collect()
    }

    /// The latest London month holding an event for a force (or one of its
    /// neighbourhoods), not counting victim updates, which may follow their
    /// plan into months with nothing else yet.
    pub async fn pledge_latest_month(
        &self,
        force_id: &str,
        neighbourhood: Option<&str>,
    ) -> Result<Option<Month>, StoreError> {
        let latest: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar(
                "SELECT MAX(month) FROM pledge_events WHERE force_id = $1 AND type <> 'victim_update' \
                 AND ($2 IS NULL OR neighbourhood_id = $2)",
            )
            .bind(force_id)
            .bind(neighbourhood)
            .fetch_one(pool)
            .await?
        });
        latest.map(|m| m.parse().map_err(|e| StoreError::Corrupt(format!("pledge event month {m:?}: {e}")))).transpose()
    }

    /// How many events are stored for a force (all forces if `None`).
    pub async fn pledge_event_count(&self, force_id: Option<&str>) -> Result<i64, StoreError> {
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM pledge_events WHERE $1 IS NULL OR force_id = $1")
                .bind(force_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Sets whether a neighbourhood is urban or rural for the Pledge.
    pub async fn set_neighbourhood_area(&self, force_id: &str, id: &str, area: AreaKind) -> Result<(), StoreError> {
        if self.neighbourhood(force_id, id).await?.is_none() {
            return Err(StoreError::NotFound(format!("neighbourhood {id} in force {force_id}")));
        }
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO pledge_neighbourhood_settings (force_id, neighbourhood_id, area) VALUES ($1, $2, $3) \
                 ON CONFLICT (force_id, neighbourhood_id) DO UPDATE SET area = excluded.area",
            )
            .bind(force_id)
            .bind(id)
            .bind(area.as_str())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every neighbourhood of a force with its area (urban unless set).
    pub async fn neighbourhood_areas(&self, force_id: &str) -> Result<BTreeMap<String, AreaKind>, StoreError> {
        let rows: Vec<(String, Option<String>)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT n.id, s.area FROM neighbourhoods n LEFT JOIN pledge_neighbourhood_settings s \
                 ON s.force_id = n.force_id AND s.neighbourhood_id = n.id WHERE n.force_id = $1",
            )
            .bind(force_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, area)| {
                let area = area.as_deref().map(str::parse::<AreaKind>).transpose().map_err(StoreError::Corrupt)?;
                Ok((id, area.unwrap_or_default()))
            })
            .collect()
    }

    /// Stores a force's (`neighbourhood` `None`) or a neighbourhood's local
    /// standard, refusing one that is not stricter than what it replaces.
    pub async fn put_local_standard(
        &self,
        force_id: &str,
        neighbourhood: Option<&str>,
        standard: &Standard,
    ) -> Result<(), LocalStandardError> {
        if let Some(n) = neighbourhood
            && self.neighbourhood(force_id, n).await?.is_none()
        {
            return Err(StoreError::NotFound(format!("neighbourhood {n} in force {force_id}")).into());
        }
        let (mut force_level, mut hoods) = self.local_standards(force_id).await?;
        let target = match neighbourhood {
            Some(n) => hoods.entry(n.to_string()).or_default(),
            None => &mut force_level,
        };
        target.retain(|s| s.id != standard.id);
        target.push(standard.clone());
        // A force may not tighten past what a neighbourhood already
        // promises either: every neighbourhood must still layer cleanly.
        StandardSet::layered(&force_level, &[])?;
        for hood_level in hoods.values() {
            StandardSet::layered(&force_level, hood_level)?;
        }
        let json = serde_json::to_string(standard).map_err(StoreError::from)?;
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO pledge_standards (force_id, neighbourhood_id, commitment, version, standard) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (force_id, neighbourhood_id, commitment) \
                 DO UPDATE SET version = excluded.version, standard = excluded.standard",
            )
            .bind(force_id)
            .bind(neighbourhood.unwrap_or(""))
            .bind(standard.id.as_str())
            .bind(&standard.version)
            .bind(&json)
            .execute(pool)
            .await
            .map_err(StoreError::from)?;
        });
        Ok(())
    }

    /// A force's local standards: its own, and each neighbourhood's.
    async fn local_standards(
        &self,
        force_id: &str,
    ) -> Result<(Vec<Standard>, BTreeMap<String, Vec<Standard>>), StoreError> {
        let rows: Vec<(String, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT neighbourhood_id, standard FROM pledge_standards WHERE force_id = $1 \
                 ORDER BY neighbourhood_id, commitment",
            )
            .bind(force_id)
            .fetch_all(pool)
            .await?
        });
        let mut force_level = Vec::new();
        let mut hoods: BTreeMap<String, Vec<Standard>> = BTreeMap::new();
        for (hood, json) in rows {
            let s: Standard = serde_json::from_str(&json)?;
            if hood.is_empty() {
                force_level.push(s);
            } else {
                hoods.entry(hood).or_default().push(s);
            }
        }
        Ok((force_level, hoods))
    }

    /// The standards in force for a force, or for one of its neighbourhoods.
    pub async fn pledge_standards(
        &self,
        force_id: &str,
        neighbourhood: Option<&str>,
    ) -> Result<StandardSet, StoreError> {
        let (force_level, mut hoods) = self.local_standards(force_id).await?;
        let hood_level = neighbourhood.and_then(|n| hoods.remove(n)).unwrap_or_default();
        StandardSet::layered(&force_level, &hood_level).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Compliance for each month `from..=to` (a force's or one of its
    /// neighbourhoods'), as at `now`, reading the events once.
    pub async fn pledge_compliance_months(
        &self,
        force_id: &str,
        from: Month,
        to: Month,
        neighbourhood: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Report>, StoreError> {
        let events = self.pledge_events(force_id, from, to).await?;
        let neighbourhoods = self.neighbourhood_areas(force_id).await?;
        let standards = self.pledge_standards(force_id, neighbourhood).await?;
        Ok(from
            .through(to)
            .map(|month| {
                let scope = Scope {
                    force: force_id,
                    month,
                    neighbourhood,
                    neighbourhoods: &neighbourhoods,
                    standards: &standards,
                    now,
                };
                compute(&scope, &events)
            })
            .collect())
    }

    /// Compliance with every commitment for a force-month (or one of its
    /// neighbourhoods), as at `now`.
    pub async fn pledge_compliance(
        &self,
        force_id: &str,
        month: Month,
        neighbourhood: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report, StoreError> {
        let events = self.pledge_events(force_id, month, month).await?;
        let neighbourhoods = self.neighbourhood_areas(force_id).await?;
        let standards = self.pledge_standards(force_id, neighbourhood).await?;
        let scope = Scope {
            force: force_id,
            month,
            neighbourhood,
            neighbourhoods: &neighbourhoods,
            standards: &standards,
            now,
        };
        Ok(compute(&scope, &events))
    }

    /// Compliance for a basic command unit's force-month: the force's rules
    /// applied to the events that name one of its neighbourhoods (victim
    /// updates, which name none, are matched to plans by crime reference),
    /// with only its neighbourhoods expected to hold meetings. `None` when the
    /// force has no such BCU.
    pub async fn pledge_compliance_bcu(
        &self,
        force_id: &str,
        month: Month,
        bcu_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Report>, StoreError> {
        Ok(self
            .pledge_compliance_bcu_months(force_id, month, month, bcu_id, now)
            .await?
            .and_then(|r| r.into_iter().next()))
    }

    /// [`Store::pledge_compliance_bcu`] for each month `from..=to`, reading
    /// the events once (the public BCU page's 12-month trend).
    pub async fn pledge_compliance_bcu_months(
        &self,
        force_id: &str,
        from: Month,
        to: Month,
        bcu_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Report>>, StoreError> {
        let Some(members) = self.bcu_neighbourhoods(force_id, bcu_id).await? else {
            return Ok(None);
        };
        let events: Vec<Event> = self
            .pledge_events(force_id, from, to)
            .await?
            .into_iter()
            .filter(|e| {
                matches!(e.body, peel_core::pledge::EventBody::VictimUpdate(_))
                    || e.neighbourhood.as_ref().is_some_and(|n| members.contains(n))
            })
            .collect();
        let neighbourhoods: BTreeMap<String, AreaKind> =
            self.neighbourhood_areas(force_id).await?.into_iter().filter(|(n, _)| members.contains(n)).collect();
        let standards = self.pledge_standards(force_id, None).await?;
        Ok(Some(
            from.through(to)
                .map(|month| {
                    let scope = Scope {
                        force: force_id,
                        month,
                        neighbourhood: None,
                        neighbourhoods: &neighbourhoods,
                        standards: &standards,
                        now,
                    };
                    let mut report = compute(&scope, &events);
                    report.bcu = Some(bcu_id.to_string());
                    report
                })
                .collect(),
        ))
    }
}
