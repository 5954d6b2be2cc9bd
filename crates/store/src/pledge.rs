//! Policing Pledge events, neighbourhood settings and local standards.
//!
//! A batch of events is all or nothing: it is checked completely (the text
//! by `peel_core::pledge::validate`, the neighbourhoods here), and only a
//! batch without a single error is written, in one transaction. Events are
//! keyed by `(force, type, id)`, so re-sending one replaces it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use peel_core::Month;
use peel_core::access::{Permission, Refusal, Target};
use peel_core::bounded::ErrorList;
use peel_core::pledge::demand::{self, Demand};
use peel_core::pledge::event::{
    Call, Channel, Dissatisfaction, Duty, Grade, Incident, Meeting, MeetingKind, Message, VictimPlan, VictimUpdate,
};
use peel_core::pledge::fact::{IncidentFact, PlanFact};
use peel_core::pledge::stored::from_stored_json;
use peel_core::pledge::{
    AreaKind, CommitmentId, Event, EventBody, EventError, EventType, Fact, FactBody, LineEvent, ParsedBatch, Report,
    Scope, Standard, StandardError, StandardSet, compute_facts,
};
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{By, append_audit_in};
use crate::handles::Pledge;
use crate::open_data::placeholders;
use crate::sqlite_raw::{self, Connection, Statement, Value};
use crate::{Engine, StoreError, on_db};

/// Why a batch of events was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The batch had invalid events; nothing was written. The first errors
    /// by line, and how many there were.
    #[error("{} errors; nothing was stored", .0.total())]
    Invalid(ErrorList<EventError>),
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

impl From<sqlx::Error> for LocalStandardError {
    fn from(e: sqlx::Error) -> LocalStandardError {
        LocalStandardError::Store(e.into())
    }
}

/// The audit subject of a force's or a neighbourhood's local standards.
fn level_subject(force_id: &str, neighbourhood: Option<&str>) -> String {
    match neighbourhood {
        Some(n) => format!("neighbourhood:{force_id}/{n}"),
        None => format!("force:{force_id}"),
    }
}

/// Rows converted at a time when filling the typed columns of events
/// stored before they existed.
const FILL_PAGE: i64 = 10_000;

/// The most months of Pledge records a public page offers: 20 years, far
/// beyond any force's history, so the picker stays a bounded list.
pub const PLEDGE_MONTHS_HELD: i64 = 240;

/// One event ready to write: its query columns, what compliance reads as
/// typed columns (see `0008_pledge_event_columns.sql`) and where its own
/// document is in a shared buffer (empty when it needs none).
pub(crate) struct Prepared<'a> {
    pub(crate) event: &'a Event,
    pub(crate) month: MonthText,
    pub(crate) last_month: Option<MonthText>,
    pub(crate) cols: Columns<'a>,
    pub(crate) document: std::ops::Range<usize>,
}

impl<'a> Prepared<'a> {
    /// Prepares `event`, writing its document, if it needs one, to the end
    /// of `documents`.
    pub(crate) fn of(event: &'a Event, documents: &mut Vec<u8>) -> Result<Prepared<'a>, StoreError> {
        let month = event
            .month()
            .ok_or_else(|| StoreError::Corrupt(format!("event {} has a time outside 1900-9999", event.id)))?;
        let start = documents.len();
        if needs_document(event) {
            serde_json::to_writer(&mut *documents, event)?;
        }
        Ok(Prepared {
            event,
            month: MonthText::of(month),
            last_month: event.last_month().map(MonthText::of),
            cols: Columns::of(event),
            document: start..documents.len(),
        })
    }

    fn document<'d>(&self, documents: &'d [u8]) -> Result<&'d str, StoreError> {
        let bytes = documents
            .get(self.document.clone())
            .ok_or_else(|| StoreError::Corrupt("event document out of step with the events".into()))?;
        std::str::from_utf8(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// Events prepared at a time, a chunk ahead of writing.
const PREPARED_CHUNK: usize = 4096;

/// A chunk of events prepared for writing, their documents end to end.
struct PreparedChunk<'a> {
    rows: Vec<Prepared<'a>>,
    documents: Vec<u8>,
}

impl<'a> PreparedChunk<'a> {
    fn of(events: impl Iterator<Item = &'a Event>) -> Result<PreparedChunk<'a>, StoreError> {
        let mut chunk = PreparedChunk { rows: Vec::with_capacity(PREPARED_CHUNK), documents: Vec::new() };
        for event in events {
            let row = Prepared::of(event, &mut chunk.documents)?;
            chunk.rows.push(row);
        }
        Ok(chunk)
    }
}

/// The typed columns of one event.
#[derive(Default)]
pub(crate) struct Columns<'a> {
    pub(crate) first_at: i64,
    pub(crate) second_at: Option<i64>,
    pub(crate) appointment_at: Option<i64>,
    pub(crate) subsecond: bool,
    pub(crate) channel: Option<&'static str>,
    pub(crate) grade: Option<i32>,
    pub(crate) area: Option<&'static str>,
    pub(crate) cancelled: Option<bool>,
    pub(crate) minutes_in_neighbourhood: Option<i64>,
    pub(crate) kind: Option<&'static str>,
    pub(crate) crime_ref: Option<&'a str>,
    pub(crate) agreed_interval_days: Option<i64>,
    pub(crate) officer_ref: Option<&'a str>,
    pub(crate) attendance: Option<i64>,
    pub(crate) utc_offset: Option<i32>,
}

impl<'a> Columns<'a> {
    fn of(event: &'a Event) -> Columns<'a> {
        let (first, second, appointment) = times(event);
        let subsecond =
            [Some(first), second, appointment].into_iter().flatten().any(|t| t.timestamp_subsec_nanos() != 0);
        let mut cols = Columns {
            first_at: first.timestamp(),
            second_at: second.map(|t| t.timestamp()),
            appointment_at: appointment.map(|t| t.timestamp()),
            subsecond,
            utc_offset: Some(first.offset().local_minus_utc()).filter(|&s| s != 0),
            ..Columns::default()
        };
        match &event.body {
            EventBody::Call(c) => cols.channel = Some(c.channel.as_str()),
            EventBody::Incident(i) => {
                cols.grade = Some(i32::from(u8::from(i.grade)));
                cols.area = i.area.map(AreaKind::as_str);
                cols.cancelled = Some(i.cancelled);
            }
            EventBody::Duty(d) => {
                cols.minutes_in_neighbourhood = Some(i64::from(d.minutes_in_neighbourhood));
                cols.officer_ref = Some(&d.officer_ref);
            }
            EventBody::Meeting(m) => {
                cols.kind = Some(m.kind.as_str());
                cols.attendance = m.attendance.map(i64::from);
            }
            EventBody::VictimPlan(p) => {
                cols.crime_ref = Some(&p.crime_ref);
                cols.agreed_interval_days = Some(i64::from(p.agreed_interval_days));
            }
            EventBody::VictimUpdate(u) => cols.crime_ref = Some(&u.crime_ref),
            EventBody::Message(_) | EventBody::Dissatisfaction(_) => {}
        }
        cols
    }
}

/// What [`Pledge::pledge_facts`] selects of each event, in the order
/// [`FactRow`] reads it. The JSON comes only for an event with a fraction
/// of a second.
const FACT_COLUMNS: &str = "id, type, neighbourhood_id, month, generated, first_at, second_at, appointment_at, \
    channel, grade, area, cancelled, minutes_in_neighbourhood, kind, crime_ref, agreed_interval_days, \
    CASE WHEN subsecond THEN event END";

/// [`FACT_COLUMNS`] with the event's own document wherever it has one, and
/// then what only the whole event holds ([`Details`]), for
/// [`Pledge::pledge_events`].
const EVENT_COLUMNS: &str = "id, type, neighbourhood_id, month, generated, first_at, second_at, appointment_at, \
    channel, grade, area, cancelled, minutes_in_neighbourhood, kind, crime_ref, agreed_interval_days, \
    NULLIF(event, ''), officer_ref, attendance, utc_offset";

/// Whether the typed columns cannot give back `event` exactly, so its own
/// document must be stored: a time with a fraction of a second (the
/// columns hold whole seconds), or times sent with different UTC offsets
/// (the columns hold one), as across a clock change. Almost no event needs
/// one, and leaving it out halves what a row writes (the document is most
/// of a row).
fn needs_document(event: &Event) -> bool {
    let (first, second, appointment) = times(event);
    let offset = first.offset().local_minus_utc();
    let exact = |t: &peel_core::pledge::event::Timestamp| {
        t.offset().local_minus_utc() == offset && t.timestamp_subsec_nanos() == 0
    };
    ![Some(first), second, appointment].into_iter().flatten().all(|t| exact(&t))
}

/// An event's first time (the one that decides its month), when it was done
/// or ended, and its appointment.
fn times(
    event: &Event,
) -> (
    peel_core::pledge::event::Timestamp,
    Option<peel_core::pledge::event::Timestamp>,
    Option<peel_core::pledge::event::Timestamp>,
) {
    match &event.body {
        EventBody::Call(c) => (c.received_at, c.answered_at, None),
        EventBody::Incident(i) => (i.created_at, i.arrived_at, i.appointment_at),
        EventBody::Message(m) => (m.received_at, m.replied_at, None),
        EventBody::Duty(d) => (d.start, Some(d.end), None),
        EventBody::Meeting(m) => (m.held_at, None, None),
        EventBody::VictimPlan(p) => (p.start, p.end, None),
        EventBody::VictimUpdate(u) => (u.at, None, None),
        EventBody::Dissatisfaction(d) => (d.received_at, d.acknowledged_at, None),
    }
}

/// A boolean column in JSON: `true`/`false` from PostgreSQL, 1/0 from SQLite.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct Flag;
    impl<'de> serde::de::Visitor<'de> for Flag {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean, 0, 1 or null")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Option<bool>, E> {
            Ok(Some(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Option<bool>, E> {
            Ok(Some(v != 0))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Option<bool>, E> {
            Ok(Some(v != 0))
        }
        fn visit_unit<E>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Option<bool>, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Flag)
}

fn corrupt(what: &str, id: &str) -> StoreError {
    StoreError::Corrupt(format!("pledge event {id}: bad or missing {what}"))
}

fn instant(secs: i64, id: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| corrupt("time", id))
}

fn opt_instant(secs: Option<i64>, id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    secs.map(|s| instant(s, id)).transpose()
}

fn named<T: Copy>(value: Option<&str>, options: &[T], name: fn(T) -> &'static str) -> Option<T> {
    value.and_then(|v| options.iter().copied().find(|o| name(*o) == v))
}

/// One row of [`FACT_COLUMNS`]: on SQLite read from its JSON array by
/// position, on PostgreSQL from the row.
#[derive(serde::Deserialize)]
struct FactRow<'r> {
    #[serde(borrow)]
    id: Cow<'r, str>,
    #[serde(borrow)]
    event_type: Cow<'r, str>,
    #[serde(borrow)]
    neighbourhood: Option<Cow<'r, str>>,
    #[serde(borrow)]
    month: Cow<'r, str>,
    #[serde(deserialize_with = "flag")]
    generated: Option<bool>,
    first_at: Option<i64>,
    second_at: Option<i64>,
    appointment_at: Option<i64>,
    #[serde(borrow)]
    channel: Option<Cow<'r, str>>,
    grade: Option<i32>,
    #[serde(borrow)]
    area: Option<Cow<'r, str>>,
    #[serde(deserialize_with = "flag")]
    cancelled: Option<bool>,
    minutes_in_neighbourhood: Option<i64>,
    #[serde(borrow)]
    kind: Option<Cow<'r, str>>,
    #[serde(borrow)]
    crime_ref: Option<Cow<'r, str>>,
    agreed_interval_days: Option<i64>,
    #[serde(borrow)]
    json: Option<Cow<'r, str>>,
}

/// What only the whole event holds, after the [`FactRow`] columns of an
/// [`EVENT_COLUMNS`] row.
#[derive(Default)]
struct Details<'r> {
    officer_ref: Option<Cow<'r, str>>,
    attendance: Option<i64>,
    utc_offset: Option<i32>,
}

impl<'r> Details<'r> {
    fn of_row(r: &'r sqlx::postgres::PgRow) -> Result<Details<'r>, sqlx::Error> {
        use sqlx::Row;
        Ok(Details {
            officer_ref: r.try_get::<Option<&str>, _>(17)?.map(Cow::Borrowed),
            attendance: r.try_get(18)?,
            utc_offset: r.try_get(19)?,
        })
    }

    fn of_sqlite(r: &'r sqlite_raw::Row<'_>) -> Result<Details<'r>, StoreError> {
        Ok(Details {
            officer_ref: r.text(17)?.map(Cow::Borrowed),
            attendance: r.int(18),
            utc_offset: r.int(19).map(i32::try_from).transpose().map_err(|e| StoreError::Corrupt(e.to_string()))?,
        })
    }
}

impl<'r> FactRow<'r> {
    /// The columns of a PostgreSQL row, in [`FACT_COLUMNS`] order.
    fn of_row(r: &'r sqlx::postgres::PgRow) -> Result<FactRow<'r>, sqlx::Error> {
        use sqlx::Row;
        let text = |i: usize| r.try_get::<Option<&str>, _>(i).map(|t| t.map(Cow::Borrowed));
        let required = |i: usize| r.try_get::<&str, _>(i).map(Cow::Borrowed);
        Ok(FactRow {
            id: required(0)?,
            event_type: required(1)?,
            neighbourhood: text(2)?,
            month: required(3)?,
            generated: r.try_get(4)?,
            first_at: r.try_get(5)?,
            second_at: r.try_get(6)?,
            appointment_at: r.try_get(7)?,
            channel: text(8)?,
            grade: r.try_get(9)?,
            area: text(10)?,
            cancelled: r.try_get(11)?,
            minutes_in_neighbourhood: r.try_get(12)?,
            kind: text(13)?,
            crime_ref: text(14)?,
            agreed_interval_days: r.try_get(15)?,
            json: text(16)?,
        })
    }

    /// The columns of a SQLite row stepped in place, in [`FACT_COLUMNS`] order.
    fn of_sqlite(r: &'r sqlite_raw::Row<'_>) -> Result<FactRow<'r>, StoreError> {
        let text = |i| r.text(i).map(|t| t.map(Cow::Borrowed));
        let required =
            |i| r.text(i)?.map(Cow::Borrowed).ok_or_else(|| StoreError::Corrupt(format!("column {i} is NULL")));
        let int = |i| r.int(i).map(i32::try_from).transpose().map_err(|e| StoreError::Corrupt(e.to_string()));
        Ok(FactRow {
            id: required(0)?,
            event_type: required(1)?,
            neighbourhood: text(2)?,
            month: required(3)?,
            generated: r.int(4).map(|v| v != 0),
            first_at: r.int(5),
            second_at: r.int(6),
            appointment_at: r.int(7),
            channel: text(8)?,
            grade: int(9)?,
            area: text(10)?,
            cancelled: r.int(11).map(|v| v != 0),
            minutes_in_neighbourhood: r.int(12),
            kind: text(13)?,
            crime_ref: text(14)?,
            agreed_interval_days: r.int(15),
            json: text(16)?,
        })
    }

    /// The whole event: its own document where it has one, else rebuilt
    /// from the columns, which hold such an event exactly
    /// ([`needs_document`]).
    fn event(self, force: &str, details: Details<'_>) -> Result<Event, StoreError> {
        if let Some(json) = self.json.as_deref() {
            return Ok(from_stored_json(json)?);
        }
        let (first_at, second_at) = (self.first_at, self.second_at);
        let fact = self.fact()?;
        let offset = chrono::FixedOffset::east_opt(details.utc_offset.unwrap_or(0))
            .ok_or_else(|| corrupt("utc_offset", &fact.id))?;
        let at = |t: DateTime<Utc>| t.with_timezone(&offset);
        let body = match fact.body {
            FactBody::Call { channel, received_at, answered_at } => {
                EventBody::Call(Call { channel, received_at: at(received_at), answered_at: answered_at.map(at) })
            }
            FactBody::Incident(i) => EventBody::Incident(Incident {
                grade: i.grade,
                created_at: at(i.created_at),
                arrived_at: i.arrived_at.map(at),
                appointment_at: i.appointment_at.map(at),
                area: i.area,
                cancelled: i.cancelled,
            }),
            FactBody::Message { received_at, replied_at } => {
                EventBody::Message(Message { received_at: at(received_at), replied_at: replied_at.map(at) })
            }
            FactBody::Meeting { held_at, kind } => EventBody::Meeting(Meeting {
                held_at: at(held_at),
                kind,
                attendance: details
                    .attendance
                    .map(u32::try_from)
                    .transpose()
                    .map_err(|_| corrupt("attendance", &fact.id))?,
            }),
            FactBody::VictimPlan(p) => EventBody::VictimPlan(VictimPlan {
                crime_ref: p.crime_ref,
                agreed_interval_days: p.agreed_interval_days,
                start: at(p.start),
                end: p.end.map(at),
            }),
            FactBody::VictimUpdate { crime_ref, at: when } => {
                EventBody::VictimUpdate(VictimUpdate { crime_ref, at: at(when) })
            }
            FactBody::Dissatisfaction { received_at, acknowledged_at } => EventBody::Dissatisfaction(Dissatisfaction {
                received_at: at(received_at),
                acknowledged_at: acknowledged_at.map(at),
            }),
            FactBody::Duty { minutes_in_neighbourhood, .. } => EventBody::Duty(Duty {
                officer_ref: details.officer_ref.ok_or_else(|| corrupt("officer_ref", &fact.id))?.into_owned(),
                start: at(instant(first_at.ok_or_else(|| corrupt("start", &fact.id))?, &fact.id)?),
                end: at(instant(second_at.ok_or_else(|| corrupt("end", &fact.id))?, &fact.id)?),
                minutes_in_neighbourhood,
            }),
        };
        Ok(Event {
            id: fact.id,
            force: force.to_string(),
            neighbourhood: fact.neighbourhood,
            generated: fact.generated,
            body,
        })
    }

    fn fact(self) -> Result<Fact, StoreError> {
        let id: &str = &self.id;
        if let Some(json) = &self.json {
            let event = from_stored_json(json)?;
            return Fact::of(&event).ok_or_else(|| corrupt("time", id));
        }
        let first = instant(self.first_at.ok_or_else(|| corrupt("first_at", id))?, id)?;
        let second = opt_instant(self.second_at, id)?;
        let event_type: EventType = self.event_type.parse().map_err(StoreError::Corrupt)?;
        let body = match event_type {
            EventType::Call => FactBody::Call {
                channel: named(self.channel.as_deref(), &Channel::ALL, Channel::as_str)
                    .ok_or_else(|| corrupt("channel", id))?,
                received_at: first,
                answered_at: second,
            },
            EventType::Incident => FactBody::Incident(IncidentFact {
                grade: self
                    .grade
                    .and_then(|g| u8::try_from(g).ok())
                    .and_then(|g| Grade::try_from(g).ok())
                    .ok_or_else(|| corrupt("grade", id))?,
                created_at: first,
                arrived_at: second,
                appointment_at: opt_instant(self.appointment_at, id)?,
                area: match self.area.as_deref() {
                    None => None,
                    Some(a) => Some(a.parse::<AreaKind>().map_err(StoreError::Corrupt)?),
                },
                cancelled: self.cancelled.unwrap_or(false),
            }),
            EventType::Message => FactBody::Message { received_at: first, replied_at: second },
            EventType::Duty => FactBody::Duty {
                seconds: (second.ok_or_else(|| corrupt("end", id))? - first).num_seconds(),
                minutes_in_neighbourhood: self
                    .minutes_in_neighbourhood
                    .and_then(|m| u32::try_from(m).ok())
                    .ok_or_else(|| corrupt("minutes_in_neighbourhood", id))?,
            },
            EventType::Meeting => FactBody::Meeting {
                held_at: first,
                kind: named(self.kind.as_deref(), &MeetingKind::ALL, MeetingKind::as_str)
                    .ok_or_else(|| corrupt("kind", id))?,
            },
            EventType::VictimPlan => FactBody::VictimPlan(PlanFact {
                crime_ref: self.crime_ref.as_deref().ok_or_else(|| corrupt("crime_ref", id))?.to_string(),
                agreed_interval_days: self
                    .agreed_interval_days
                    .and_then(|d| u32::try_from(d).ok())
                    .ok_or_else(|| corrupt("agreed_interval_days", id))?,
                start: first,
                end: second,
            }),
            EventType::VictimUpdate => FactBody::VictimUpdate {
                crime_ref: self.crime_ref.as_deref().ok_or_else(|| corrupt("crime_ref", id))?.to_string(),
                at: first,
            },
            EventType::Dissatisfaction => FactBody::Dissatisfaction { received_at: first, acknowledged_at: second },
        };
        Ok(Fact {
            id: id.to_string(),
            neighbourhood: self.neighbourhood.map(Cow::into_owned),
            generated: self.generated.unwrap_or(false),
            month: self.month.parse().map_err(|e| StoreError::Corrupt(format!("pledge event {id} month: {e}")))?,
            body,
        })
    }
}

/// The rows compliance for the months `$2..=$3` of force `$1` needs, as
/// two plain range queries rather than one with an OR, which kept SQLite
/// from using the `(force_id, month)` index: every event of the months
/// (plans and updates included), and plans begun earlier and still active
/// with the updates since the earliest such plan began (an update before
/// its plan's start never counts).
fn range_queries(columns: &str, only: &str) -> [String; 2] {
    [
        format!("SELECT {columns} FROM pledge_events WHERE force_id = $1 AND month >= $2 AND month <= $3 {only}"),
        format!(
            "SELECT {columns} FROM pledge_events WHERE force_id = $1 AND month < $2 \
             AND type IN ('victim_plan', 'victim_update') AND ( \
               (type = 'victim_plan' AND month < $2 AND (last_month IS NULL OR last_month >= $2)) \
               OR (type = 'victim_update' AND month < $2 AND month >= ( \
                 SELECT MIN(month) FROM pledge_events WHERE force_id = $1 AND type = 'victim_plan' \
                 AND month <= $3 AND (last_month IS NULL OR last_month >= $2))))"
        ),
    ]
}

/// [`Fact::counts`] in SQL: the rows that can count towards a figure. In a
/// force-month most rows may be 101 or online calls, incidents needing no
/// deployment or other meetings, and not reading them roughly halves the
/// time compliance takes. (`cancelled` is never NULL for an incident.)
const COUNTED: &str = "AND NOT (type = 'call' AND channel <> '999') \
    AND NOT (type = 'incident' AND (grade = 4 OR COALESCE(cancelled, false))) \
    AND NOT (type = 'meeting' AND kind <> 'public')";

/// The columns of a stored event, in the order [`row_values`] gives them.
macro_rules! event_columns {
    () => {
        "force_id, type, id, month, last_month, neighbourhood_id, event, first_at, second_at, appointment_at, \
         subsecond, generated, channel, grade, area, cancelled, minutes_in_neighbourhood, kind, crime_ref, \
         agreed_interval_days, officer_ref, attendance, utc_offset"
    };
}

const INSERT_EVENT: &str = concat!("INSERT INTO pledge_events (", event_columns!(), ")");

/// How many columns [`event_columns`] names.
const EVENT_COLUMN_COUNT: usize = 23;

/// Re-sending an event replaces it.
macro_rules! upsert_event {
    () => {
        "ON CONFLICT (force_id, type, id) DO UPDATE SET month = excluded.month, \
    last_month = excluded.last_month, neighbourhood_id = excluded.neighbourhood_id, event = excluded.event, \
    first_at = excluded.first_at, second_at = excluded.second_at, appointment_at = excluded.appointment_at, \
    subsecond = excluded.subsecond, generated = excluded.generated, channel = excluded.channel, \
    grade = excluded.grade, area = excluded.area, cancelled = excluded.cancelled, \
    minutes_in_neighbourhood = excluded.minutes_in_neighbourhood, kind = excluded.kind, \
    crime_ref = excluded.crime_ref, agreed_interval_days = excluded.agreed_interval_days, \
    officer_ref = excluded.officer_ref, attendance = excluded.attendance, utc_offset = excluded.utc_offset"
    };
}

const UPSERT_EVENT: &str = upsert_event!();

/// An event's key: re-sending the same `(force, type, id)` replaces it.
type Key<'a> = (&'a str, &'a str, &'a str);

fn key(event: &Event) -> Key<'_> {
    (event.force.as_str(), event.event_type().as_str(), event.id.as_str())
}

/// Below this many events the order is sorted on one thread.
const PARALLEL_SORT: usize = 1 << 16;

/// The order to write `events` in: by key, as both engines order their
/// primary key (bytewise), and within one key in the order sent, so the
/// last one sent is written last and wins.
///
/// Rows written in key order land each beside the one before in the key's
/// index instead of splitting pages all over it: a million events were
/// stored in 3.4 s in key order against 4.7 s in the order sent
/// (docs/benchmarks.md). The two halves are sorted side by side.
fn key_order(events: &[Event]) -> Vec<(Key<'_>, usize)> {
    let mut order: Vec<(Key<'_>, usize)> = events.iter().enumerate().map(|(i, e)| (key(e), i)).collect();
    if order.len() < PARALLEL_SORT {
        order.sort_unstable();
        return order;
    }
    let (left, right) = order.split_at_mut(events.len() / 2);
    std::thread::scope(|scope| {
        scope.spawn(|| left.sort_unstable());
        right.sort_unstable();
    });
    let (left, right) = order.split_at(events.len() / 2);
    let mut merged = Vec::with_capacity(order.len());
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if a <= b {
            merged.extend(l.next());
        } else {
            merged.extend(r.next());
        }
    }
    merged.extend(l.chain(r));
    merged
}

/// The position of the last event sent under each key of a batch in
/// [`key_order`]: what is stored once the batch is.
fn last_of_each_key<'o>(order: &'o [(Key<'_>, usize)]) -> impl Iterator<Item = usize> + 'o {
    order.chunk_by(|a, b| a.0 == b.0).filter_map(|run| run.last().map(|&(_, i)| i))
}

/// Events written by one run of the SQLite insert statement.
///
/// SQLite keeps a statement's cursors open from row to row, and a key that
/// belongs on the page its cursor is already on (the last page, when keys
/// come in order into an index they extend) is found there without
/// searching the index from the root; run once per row, the statement
/// searches every index afresh. A million events were stored in
/// 2.7 s with 64 rows a statement, 2.9 s with 32 and 3.7 s with one
/// (docs/benchmarks.md). A divisor of [`PREPARED_CHUNK`], so only a batch's
/// last chunk leaves a remainder.
const ROWS_PER_INSERT: usize = 64;

/// Stores `events` on SQLite inside the caller's transaction, in key order
/// ([`key_order`]), [`ROWS_PER_INSERT`] rows a statement; a later event with
/// the same key replaces an earlier one as a re-send would. Returns how
/// many distinct keys were written.
///
/// Writing rows takes one core; the rows are prepared (months, columns and
/// any documents) on another meanwhile, a chunk ahead.
fn put_events_sqlite(handle: &mut sqlx::sqlite::LockedSqliteHandle<'_>, events: &[Event]) -> Result<usize, StoreError> {
    let db = Connection::of(handle);
    let insert_sql = |rows| {
        format!("{INSERT_EVENT} VALUES {} {UPSERT_EVENT}", placeholders(Engine::Sqlite, EVENT_COLUMN_COUNT, rows))
    };
    let mut many = db.prepare(&insert_sql(ROWS_PER_INSERT))?;
    let mut one = db.prepare(&insert_sql(1))?;
    let order = key_order(events);
    std::thread::scope(|scope| {
        // A few chunks in flight at most, so memory stays bounded.
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<PreparedChunk<'_>, StoreError>>(4);
        let order = &order;
        scope.spawn(move || {
            for keys in order.chunks(PREPARED_CHUNK) {
                let chunk = PreparedChunk::of(keys.iter().filter_map(|&(_, i)| events.get(i)));
                let failed = chunk.is_err();
                // The writer stops reading after an error: so do we.
                if send.send(chunk).is_err() || failed {
                    break;
                }
            }
        });
        // Ends when the helper has sent every chunk and hung up.
        for chunk in receive {
            let chunk = chunk?;
            let mut groups = chunk.rows.chunks_exact(ROWS_PER_INSERT);
            for group in &mut groups {
                insert_rows(&mut many, group, &chunk.documents)?;
            }
            for row in groups.remainder() {
                insert_rows(&mut one, std::slice::from_ref(row), &chunk.documents)?;
            }
        }
        Ok::<(), StoreError>(())
    })?;
    Ok(last_of_each_key(&order).count())
}

/// Binds `rows` (as many as `insert` has rows of parameters) and runs it.
fn insert_rows(insert: &mut Statement<'_>, rows: &[Prepared<'_>], documents: &[u8]) -> Result<(), StoreError> {
    let mut params: Vec<Value<'_>> = Vec::with_capacity(rows.len() * EVENT_COLUMN_COUNT);
    for row in rows {
        params.extend_from_slice(&row_values(row, documents)?);
    }
    insert.execute(&params)
}

/// A prepared event's values, in [`event_columns`] order.
fn row_values<'a>(row: &'a Prepared<'_>, documents: &'a [u8]) -> Result<[Value<'a>; EVENT_COLUMN_COUNT], StoreError> {
    let (event, c) = (row.event, &row.cols);
    Ok([
        event.force.as_str().into(),
        event.event_type().as_str().into(),
        event.id.as_str().into(),
        row.month.as_str().into(),
        row.last_month.as_ref().map(MonthText::as_str).into(),
        event.neighbourhood.as_deref().into(),
        row.document(documents)?.into(),
        c.first_at.into(),
        c.second_at.into(),
        c.appointment_at.into(),
        c.subsecond.into(),
        event.generated.into(),
        c.channel.into(),
        c.grade.map(i64::from).into(),
        c.area.into(),
        c.cancelled.into(),
        c.minutes_in_neighbourhood.into(),
        c.kind.into(),
        c.crime_ref.into(),
        c.agreed_interval_days.into(),
        c.officer_ref.into(),
        c.attendance.into(),
        c.utc_offset.map(i64::from).into(),
    ])
}

/// Appends `values` to `out` as one row of PostgreSQL's `COPY` text
/// format: tab-separated, `\N` for NULL, `t`/`f` for booleans, with
/// backslashes, tabs and line ends escaped.
pub(crate) fn copy_row(out: &mut Vec<u8>, values: &[Value<'_>]) {
    use std::io::Write;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match *value {
            Value::Null => out.extend_from_slice(b"\\N"),
            Value::Bool(v) => out.push(if v { b't' } else { b'f' }),
            // Writing to a vector cannot fail.
            Value::Int(v) => drop(write!(out, "{v}")),
            // Rust prints the shortest text that reads back as the same number.
            Value::Real(v) => drop(write!(out, "{v}")),
            Value::Text(t) => {
                for b in t.bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(b),
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

/// Bytes of `COPY` data sent to PostgreSQL at a time.
pub(crate) const COPY_SEND_BYTES: usize = 4 << 20;

/// Bytes of page cache a stored event needs while its batch is written:
/// its row and index entries, generously. A batch is one transaction, and a
/// cache smaller than what it dirties makes SQLite spill pages mid-way and
/// read evicted index pages back (a million events stored in 22 s with the
/// pool's 128 MB cache, 15 s with 1 GB, under the same load).
const BULK_CACHE_BYTES_PER_EVENT: usize = 1024;

/// Largest cache a batch may ask for, in KiB (2 GB): the batch's own
/// events already take about as much memory.
const BULK_CACHE_MAX_KIB: usize = 2 << 20;

/// The page cache (KiB) to give the connection while `events` are stored,
/// when the pool's own is too small for them.
fn bulk_cache_kib(events: usize) -> Option<usize> {
    let kib = (events.saturating_mul(BULK_CACHE_BYTES_PER_EVENT) / 1024).min(BULK_CACHE_MAX_KIB);
    (kib > crate::SQLITE_CACHE_KIB).then_some(kib)
}

/// A month as `YYYY-MM` without allocating.
pub(crate) struct MonthText([u8; 7]);

impl MonthText {
    pub(crate) fn of(m: Month) -> MonthText {
        let y = m.year();
        let d = |n: u16| b'0' + (n % 10) as u8;
        MonthText([
            d(y / 1000),
            d(y / 100),
            d(y / 10),
            d(y),
            b'-',
            d(u16::from(m.month()) / 10),
            d(u16::from(m.month())),
        ])
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Pledge<'_> {
    /// Refuses a batch holding any event of a force `by` may not send for,
    /// naming each such force and its first line, before anything is
    /// checked against the store (audited as `access.denied`).
    async fn authorise_forces(self, events: &[LineEvent], by: &By<'_>) -> Result<(), StoreError> {
        let mut first: BTreeMap<&str, usize> = BTreeMap::new();
        for e in events {
            first.entry(e.event.force.as_str()).or_insert(e.line);
        }
        let refused: Vec<(&str, usize)> =
            first.into_iter().filter(|(f, _)| !by.may(Permission::IngestEvents, Target::Force(f))).collect();
        let Some((force, _)) = refused.first() else { return Ok(()) };
        // The log records the refusal; the answer names every force refused.
        let Err(StoreError::Refused(_)) = self.0.authorise(by, Permission::IngestEvents, Target::Force(force)).await
        else {
            return Err(StoreError::Corrupt("a refused force was allowed on a second look".into()));
        };
        let own = by.caller.account().map(|a| a.reach.describe()).unwrap_or_default();
        let list: Vec<String> = refused.iter().map(|(f, line)| format!("{f} (first at line {line})")).collect();
        Err(Refusal(format!(
            "this token may send events only for {own}; nothing was stored. Events of other forces: {}",
            list.join(", ")
        ))
        .into())
    }

    /// Checks what only the store knows: that each named neighbourhood
    /// exists in its force. One error per event naming an unknown one, the
    /// first ones kept (in the events' order) and all counted.
    pub async fn pledge_reference_errors(self, events: &[LineEvent]) -> Result<ErrorList<EventError>, StoreError> {
        let forces: BTreeSet<&str> =
            events.iter().filter(|e| e.event.neighbourhood.is_some()).map(|e| e.event.force.as_str()).collect();
        let mut known: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for force in forces {
            let ids: Vec<String> = on_db!(self.0, pool => {
                sqlx::query_scalar("SELECT id FROM neighbourhoods WHERE force_id = $1").bind(force).fetch_all(pool).await?
            });
            known.insert(force, ids.into_iter().collect());
        }
        let mut errors = ErrorList::new();
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
    /// Returns how many events were stored. Refused whole, before any
    /// reference is checked, if any event is of a force the sender may not
    /// send for (an `event-feed` account's is its own force's only).
    pub async fn ingest_pledge_events(self, batch: ParsedBatch, by: &By<'_>) -> Result<usize, IngestError> {
        self.authorise_forces(&batch.events, by).await?;
        let unknown = self.pledge_reference_errors(&batch.events).await?;
        let errors = batch.errors.merge_by_key(unknown, |e| e.line);
        if !errors.is_empty() {
            return Err(IngestError::Invalid(errors));
        }
        let events: Vec<Event> = batch.events.into_iter().map(|e| e.event).collect();
        Ok(self.put_pledge_events(&events).await?)
    }

    /// Stores validated events in one transaction (`by` may send every
    /// force's events among them), replacing any with the
    /// same `(force, type, id)`; within the batch the last one wins.
    pub async fn put_pledge_events(self, events: &[Event]) -> Result<usize, StoreError> {
        match &self.0.db {
            crate::Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let cache = bulk_cache_kib(events.len());
                if let Some(kib) = cache {
                    let mut handle = conn.lock_handle().await?;
                    Connection::of(&mut handle).execute(&format!("PRAGMA cache_size = -{kib}"))?;
                }
                let result = async {
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    let stored = {
                        let mut handle = tx.lock_handle().await?;
                        sqlite_raw::blocking(|| put_events_sqlite(&mut handle, events))?
                    };
                    tx.commit().await?;
                    Ok::<_, StoreError>(stored)
                }
                .await;
                if cache.is_some() {
                    // Back to the pool's own size, whether or not the batch
                    // was stored. Failing that, the connection is closed
                    // rather than pooled; the batch's outcome stands.
                    let restored = match conn.lock_handle().await {
                        Ok(mut handle) => {
                            let sql = format!("PRAGMA cache_size = -{}", crate::SQLITE_CACHE_KIB);
                            Connection::of(&mut handle).execute(&sql)
                        }
                        Err(e) => Err(e.into()),
                    };
                    if let Err(e) = restored {
                        tracing::warn!("closing a SQLite connection whose page cache could not be reset: {e}");
                        drop(conn.detach());
                    }
                }
                result
            }
            crate::Db::Postgres(pool) => self.put_pledge_events_postgres(pool, events).await,
        }
    }

    /// [`Pledge::put_pledge_events`] on PostgreSQL: the rows, one per key,
    /// copied (`COPY`) into a temporary table and moved from there with one
    /// `INSERT … ON CONFLICT`, in one transaction. A million events took
    /// 17–20 s as 400-row `INSERT` statements, whose parameters PostgreSQL
    /// parses one by one (docs/benchmarks.md).
    async fn put_pledge_events_postgres(self, pool: &sqlx::PgPool, events: &[Event]) -> Result<usize, StoreError> {
        // One row per key, the last sent (PostgreSQL refuses to update the
        // same row twice in one statement), in key order.
        let order = key_order(events);
        let mut documents = Vec::new();
        let rows = last_of_each_key(&order)
            .filter_map(|i| events.get(i))
            .map(|event| Prepared::of(event, &mut documents))
            .collect::<Result<Vec<Prepared<'_>>, StoreError>>()?;
        let mut tx = pool.begin().await?;
        sqlx::query("CREATE TEMPORARY TABLE pledge_events_load (LIKE pledge_events) ON COMMIT DROP")
            .execute(&mut *tx)
            .await?;
        let mut copy = tx.copy_in_raw(concat!("COPY pledge_events_load (", event_columns!(), ") FROM STDIN")).await?;
        let mut data = Vec::with_capacity(COPY_SEND_BYTES + 4096);
        for row in &rows {
            match row_values(row, &documents) {
                Ok(values) => copy_row(&mut data, &values),
                Err(e) => {
                    copy.abort(e.to_string()).await?;
                    return Err(e);
                }
            }
            if data.len() >= COPY_SEND_BYTES {
                copy.send(std::mem::take(&mut data)).await?;
                data.reserve(COPY_SEND_BYTES + 4096);
            }
        }
        copy.send(data).await?;
        copy.finish().await?;
        sqlx::query(concat!(
            "INSERT INTO pledge_events (",
            event_columns!(),
            ") SELECT ",
            event_columns!(),
            " FROM pledge_events_load ",
            upsert_event!()
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// A force's events for the London months `from..=to`, plus what
    /// compliance for those months also needs: victim plans active in them
    /// (whenever they started) and the victim updates since the earliest of
    /// those plans began (an update before its plan's start never counts).
    /// In no particular order: compliance does not depend on it.
    pub async fn pledge_events(self, force_id: &str, from: Month, to: Month) -> Result<Vec<Event>, StoreError> {
        let (from, to) = (from.to_string(), to.to_string());
        let mut events = Vec::new();
        match &self.0.db {
            crate::Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let mut handle = conn.lock_handle().await?;
                sqlite_raw::blocking(|| {
                    let db = Connection::of(&mut handle);
                    for sql in range_queries(EVENT_COLUMNS, "") {
                        let mut select = db.prepare(&sql)?;
                        select.query(&[force_id.into(), from.as_str().into(), to.as_str().into()], |row| {
                            events.push(FactRow::of_sqlite(row)?.event(force_id, Details::of_sqlite(row)?)?);
                            Ok::<(), StoreError>(())
                        })?;
                    }
                    Ok::<(), StoreError>(())
                })?;
            }
            crate::Db::Postgres(pool) => {
                for sql in range_queries(EVENT_COLUMNS, "") {
                    let rows =
                        sqlx::query(AssertSqlSafe(sql)).bind(force_id).bind(&from).bind(&to).fetch_all(pool).await?;
                    for row in &rows {
                        events.push(FactRow::of_row(row)?.event(force_id, Details::of_row(row)?)?);
                    }
                }
            }
        }
        Ok(events)
    }

    /// What compliance reads of the same events as [`Pledge::pledge_events`],
    /// from the typed columns rather than the JSON: those that can count
    /// ([`Fact::counts`]).
    pub async fn pledge_facts(self, force_id: &str, from: Month, to: Month) -> Result<Vec<Fact>, StoreError> {
        let (from, to) = (from.to_string(), to.to_string());
        let mut facts = Vec::new();
        match &self.0.db {
            crate::Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let mut handle = conn.lock_handle().await?;
                sqlite_raw::blocking(|| {
                    let db = Connection::of(&mut handle);
                    for sql in range_queries(FACT_COLUMNS, COUNTED) {
                        // `$N` and `?N` name the same parameter in SQLite.
                        let mut select = db.prepare(&sql)?;
                        select.query(&[force_id.into(), from.as_str().into(), to.as_str().into()], |row| {
                            facts.push(FactRow::of_sqlite(row)?.fact()?);
                            Ok::<(), StoreError>(())
                        })?;
                    }
                    Ok::<(), StoreError>(())
                })?;
            }
            crate::Db::Postgres(pool) => {
                for sql in range_queries(FACT_COLUMNS, COUNTED) {
                    let rows =
                        sqlx::query(AssertSqlSafe(sql)).bind(force_id).bind(&from).bind(&to).fetch_all(pool).await?;
                    facts.reserve(rows.len());
                    for row in &rows {
                        facts.push(FactRow::of_row(row)?.fact()?);
                    }
                }
            }
        }
        Ok(facts)
    }

    /// Fills the typed columns of events stored before they existed (schema
    /// version 8), from their JSON and by the code that fills them on
    /// ingest, so an upgraded database gives the same figures as a new one.
    pub(crate) async fn fill_pledge_columns(self) -> Result<(), StoreError> {
        loop {
            let rows: Vec<String> = on_db!(self.0, pool => {
                sqlx::query_scalar("SELECT event FROM pledge_events WHERE first_at IS NULL LIMIT $1")
                    .bind(FILL_PAGE)
                    .fetch_all(pool)
                    .await?
            });
            if rows.is_empty() {
                return Ok(());
            }
            let events = rows.iter().map(|j| from_stored_json(j)).collect::<Result<Vec<Event>, _>>()?;
            self.put_pledge_events(&events).await?;
        }
    }

    /// The London months holding an event for a force (or one of its
    /// neighbourhoods), newest first and at most [`PLEDGE_MONTHS_HELD`] of
    /// them, not counting victim updates, which may follow their plan into
    /// months with nothing else yet. The public pages offer these months.
    pub async fn pledge_months(self, force_id: &str, neighbourhood: Option<&str>) -> Result<Vec<Month>, StoreError> {
        let months: Vec<String> = on_db!(self.0, pool => {
            sqlx::query_scalar(
                "SELECT DISTINCT month FROM pledge_events WHERE force_id = $1 AND type <> 'victim_update' \
                 AND ($2 IS NULL OR neighbourhood_id = $2) ORDER BY month DESC LIMIT $3",
            )
            .bind(force_id)
            .bind(neighbourhood)
            .bind(PLEDGE_MONTHS_HELD)
            .fetch_all(pool)
            .await?
        });
        months
            .iter()
            .map(|m| m.parse().map_err(|e| StoreError::Corrupt(format!("pledge event month {m:?}: {e}"))))
            .collect()
    }

    /// How many events are stored for a force (all forces if `None`).
    pub async fn pledge_event_count(self, force_id: Option<&str>) -> Result<i64, StoreError> {
        let n: i64 = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM pledge_events WHERE $1 IS NULL OR force_id = $1")
                .bind(force_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }

    /// Sets whether a neighbourhood is urban or rural for the Pledge
    /// (audited as `pledge.area.set`): the force's administrators only.
    pub async fn set_neighbourhood_area(
        self,
        force_id: &str,
        id: &str,
        area: AreaKind,
        by: &By<'_>,
    ) -> Result<(), StoreError> {
        self.0.authorise(by, Permission::SetPledgeStandards, Target::Force(force_id)).await?;
        if self.0.geography().neighbourhood(force_id, id).await?.is_none() {
            return Err(StoreError::NotFound(format!("neighbourhood {id} in force {force_id}")));
        }
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO pledge_neighbourhood_settings (force_id, neighbourhood_id, area) VALUES ($1, $2, $3) \
                 ON CONFLICT (force_id, neighbourhood_id) DO UPDATE SET area = excluded.area",
            )
            .bind(force_id)
            .bind(id)
            .bind(area.as_str())
            .execute(&mut *tx)
            .await?;
            let entry = by.entry("pledge.area.set", format!("neighbourhood:{force_id}/{id}"), json!({ "area": area.as_str() }));
            append_audit_in!(tx, &entry);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every neighbourhood of a force with its area (urban unless set).
    pub async fn neighbourhood_areas(self, force_id: &str) -> Result<BTreeMap<String, AreaKind>, StoreError> {
        let rows: Vec<(String, Option<String>)> = on_db!(self.0, pool => {
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
    /// standard (audited as `pledge.standard.set`), refusing one that is not
    /// stricter than what it replaces. The force's administrators only.
    pub async fn put_local_standard(
        self,
        force_id: &str,
        neighbourhood: Option<&str>,
        standard: &Standard,
        by: &By<'_>,
    ) -> Result<(), LocalStandardError> {
        self.0.authorise(by, Permission::SetPledgeStandards, Target::Force(force_id)).await?;
        if let Some(n) = neighbourhood
            && self.0.geography().neighbourhood(force_id, n).await?.is_none()
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
        Ok(self.write_local_standard(force_id, neighbourhood, standard, Some(by)).await?)
    }

    /// Writes a local standard as given, replacing the level's standard for
    /// the same commitment, with its audit entry when `by` is given: the
    /// checks are the caller's.
    pub(crate) async fn write_local_standard(
        self,
        force_id: &str,
        neighbourhood: Option<&str>,
        standard: &Standard,
        by: Option<&By<'_>>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(standard)?;
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
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
            .execute(&mut *tx)
            .await?;
            if let Some(by) = by {
                let details = json!({ "commitment": standard.id, "version": standard.version, "limit": standard.limit });
                append_audit_in!(tx, &by.entry("pledge.standard.set", level_subject(force_id, neighbourhood), details));
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Withdraws a force's (`neighbourhood` `None`) or a neighbourhood's
    /// local standard for one commitment, so the level below applies again:
    /// the force's for a neighbourhood, the national one for a force.
    /// Returns the standard withdrawn; `None`, changing nothing, when that
    /// level had none for the commitment.
    ///
    /// Nothing layers on a neighbourhood's standards, so withdrawing one
    /// cannot leave another level looser than the one below it. The
    /// neighbourhoods do layer on the force's: a force's withdrawal is
    /// checked as [`Pledge::put_local_standard`] checks a change, and refused
    /// with the error, changing nothing, if a neighbourhood's standard would
    /// then be looser than what applies beneath it (stored standards can
    /// fall out of step with the national minimum the code carries).
    pub async fn withdraw_local_standard(
        self,
        force_id: &str,
        neighbourhood: Option<&str>,
        commitment: CommitmentId,
        by: &By<'_>,
    ) -> Result<Option<Standard>, LocalStandardError> {
        self.0.authorise(by, Permission::SetPledgeStandards, Target::Force(force_id)).await?;
        if let Some(n) = neighbourhood
            && self.0.geography().neighbourhood(force_id, n).await?.is_none()
        {
            return Err(StoreError::NotFound(format!("neighbourhood {n} in force {force_id}")).into());
        }
        let (mut force_level, mut hoods) = self.local_standards(force_id).await?;
        let target = match neighbourhood {
            Some(n) => match hoods.get_mut(n) {
                Some(level) => level,
                None => return Ok(None),
            },
            None => &mut force_level,
        };
        let Some(at) = target.iter().position(|s| s.id == commitment) else {
            return Ok(None);
        };
        let withdrawn = target.remove(at);
        if neighbourhood.is_none() {
            // Every neighbourhood must still layer on what the force keeps.
            StandardSet::layered(&force_level, &[])?;
            for hood_level in hoods.values() {
                StandardSet::layered(&force_level, hood_level)?;
            }
        }
        // What applies once it is gone, for the audit entry (unknown when
        // stored standards have fallen out of step with the national ones).
        let below = match neighbourhood {
            Some(_) => StandardSet::layered(&force_level, &[]),
            None => StandardSet::layered(&[], &[]),
        }
        .ok()
        .map(|set| set.get(commitment).version.clone());
        let deleted = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "DELETE FROM pledge_standards WHERE force_id = $1 AND neighbourhood_id = $2 AND commitment = $3",
            )
            .bind(force_id)
            .bind(neighbourhood.unwrap_or(""))
            .bind(commitment.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                let details = json!({
                    "commitment": commitment,
                    "version": withdrawn.version,
                    "limit": withdrawn.limit,
                    "now_in_force": below,
                });
                let entry = by.entry("pledge.standard.withdraw", level_subject(force_id, neighbourhood), details);
                append_audit_in!(tx, &entry);
            }
            tx.commit().await?;
            n
        });
        // None when another request withdrew it meanwhile.
        Ok((deleted > 0).then_some(withdrawn))
    }

    /// The local standards stored at exactly one level: the force's own
    /// (`neighbourhood` `None`) or one neighbourhood's, without what it
    /// inherits. This is what can be withdrawn there; `pledge_standards`
    /// gives what is in force.
    pub async fn local_standards_at(
        self,
        force_id: &str,
        neighbourhood: Option<&str>,
    ) -> Result<Vec<Standard>, StoreError> {
        let (force_level, mut hoods) = self.local_standards(force_id).await?;
        Ok(match neighbourhood {
            Some(n) => hoods.remove(n).unwrap_or_default(),
            None => force_level,
        })
    }

    /// A force's local standards: its own, and each neighbourhood's.
    async fn local_standards(
        self,
        force_id: &str,
    ) -> Result<(Vec<Standard>, BTreeMap<String, Vec<Standard>>), StoreError> {
        let rows: Vec<(String, String)> = on_db!(self.0, pool => {
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
        self,
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
        self,
        force_id: &str,
        from: Month,
        to: Month,
        neighbourhood: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Report>, StoreError> {
        let facts = self.pledge_facts(force_id, from, to).await?;
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
                compute_facts(&scope, &facts)
            })
            .collect())
    }

    /// Compliance with every commitment for a force-month (or one of its
    /// neighbourhoods), as at `now`.
    pub async fn pledge_compliance(
        self,
        force_id: &str,
        month: Month,
        neighbourhood: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report, StoreError> {
        let facts = self.pledge_facts(force_id, month, month).await?;
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
        Ok(compute_facts(&scope, &facts))
    }

    /// Compliance for a basic command unit's force-month: the force's rules
    /// applied to the events that name one of its neighbourhoods (victim
    /// updates, which name none, are matched to plans by crime reference),
    /// with only its neighbourhoods expected to hold meetings. `None` when the
    /// force has no such BCU.
    pub async fn pledge_compliance_bcu(
        self,
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

    /// [`Pledge::pledge_compliance_bcu`] for each month `from..=to`, reading
    /// the events once (the public BCU page's 12-month trend).
    pub async fn pledge_compliance_bcu_months(
        self,
        force_id: &str,
        from: Month,
        to: Month,
        bcu_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<Report>>, StoreError> {
        let Some(members) = self.0.geography().bcu_neighbourhoods(force_id, bcu_id).await? else {
            return Ok(None);
        };
        let events: Vec<Fact> = self
            .pledge_facts(force_id, from, to)
            .await?
            .into_iter()
            .filter(|e| e.is_victim_update() || e.neighbourhood.as_ref().is_some_and(|n| members.contains(n)))
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
                    let mut report = compute_facts(&scope, &events);
                    report.bcu = Some(bcu_id.to_string());
                    report
                })
                .collect(),
        ))
    }

    /// Demand against deployment (method `demand-1`) for a force-month, or
    /// one of its neighbourhoods', as at `now`: the month's events and the
    /// month before's (whose shifts may run into it), under the standards in
    /// force there, as the Pledge figures read them.
    pub async fn pledge_demand(
        self,
        force_id: &str,
        month: Month,
        neighbourhood: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Demand, StoreError> {
        let (from, to) = demand::months_read(month);
        let events = self.pledge_events(force_id, from, to).await?;
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
        Ok(demand::compute(&scope, &events))
    }

    /// [`Pledge::pledge_demand`] for a basic command unit: the events naming
    /// one of its neighbourhoods, under its force's standards (as
    /// [`Pledge::pledge_compliance_bcu`] counts). `None` when the force has
    /// no such BCU.
    pub async fn pledge_demand_bcu(
        self,
        force_id: &str,
        month: Month,
        bcu_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Demand>, StoreError> {
        let Some(members) = self.0.geography().bcu_neighbourhoods(force_id, bcu_id).await? else {
            return Ok(None);
        };
        let (from, to) = demand::months_read(month);
        let events: Vec<Event> = self
            .pledge_events(force_id, from, to)
            .await?
            .into_iter()
            .filter(|e| e.neighbourhood.as_ref().is_some_and(|n| members.contains(n)))
            .collect();
        let neighbourhoods: BTreeMap<String, AreaKind> =
            self.neighbourhood_areas(force_id).await?.into_iter().filter(|(n, _)| members.contains(n)).collect();
        let standards = self.pledge_standards(force_id, None).await?;
        let scope = Scope {
            force: force_id,
            month,
            neighbourhood: None,
            neighbourhoods: &neighbourhoods,
            standards: &standards,
            now,
        };
        let mut figures = demand::compute(&scope, &events);
        figures.bcu = Some(bcu_id.to_string());
        Ok(Some(figures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_text_is_the_month_written_out() {
        for m in ["1900-01", "2024-10", "9999-12", "2009-09"] {
            let month: Month = m.parse().expect("month");
            assert_eq!(MonthText::of(month).as_str(), month.to_string());
        }
    }

    fn call(id: &str, received: &str, answered: Option<&str>) -> Event {
        let line = format!(
            r#"{{"id":"{id}","force":"kent","type":"call","channel":"999","received_at":"{received}","answered_at":{}}}"#,
            answered.map_or("null".to_string(), |a| format!("{a:?}"))
        );
        peel_core::pledge::validate::parse_line(1, &line).expect("valid call")
    }

    #[test]
    fn only_mixed_offsets_and_fractions_need_a_document() {
        let needs = |received, answered| needs_document(&call("c", received, answered));
        assert!(!needs("2024-10-20T09:00:00Z", Some("2024-10-20T09:00:05Z")));
        assert!(!needs("2024-07-20T09:00:00+01:00", Some("2024-07-20T09:00:05+01:00")));
        assert!(!needs("2024-07-20T09:00:00+01:00", None));
        // Across the clock change: the offsets differ.
        assert!(needs("2024-10-27T01:59:58+01:00", Some("2024-10-27T01:00:03+00:00")));
        assert!(needs("2024-10-20T09:00:00.5Z", Some("2024-10-20T09:00:05Z")));
        let bst = call("c", "2024-07-20T09:00:00+01:00", None);
        let c = Columns::of(&bst);
        assert_eq!((c.utc_offset, c.first_at), (Some(3600), 1_721_462_400));
        assert_eq!(Columns::of(&call("c", "2024-07-20T08:00:00Z", None)).utc_offset, None);
    }

    #[test]
    fn events_are_written_in_key_order_last_sent_last() {
        // Enough to take the two-sided sort, with every id sent twice.
        let n = PARALLEL_SORT + 10;
        let mut events: Vec<Event> =
            (0..n).map(|i| call(&format!("c{:06}", (i * 7919) % (n / 2)), "2024-10-20T09:00:00Z", None)).collect();
        events.push(call("b", "2024-10-20T09:00:00Z", None));
        let order = key_order(&events);
        assert_eq!(order.len(), events.len());
        assert!(order.windows(2).all(|w| w[0] < w[1]), "by key, then by position");
        assert_eq!(order[0].0, ("kent", "call", "b"));
        assert_eq!(last_of_each_key(&order).count(), n / 2 + 1);
        assert_eq!(last_of_each_key(&key_order(&events[..3])).count(), 3);
        assert_eq!(last_of_each_key(&[]).count(), 0);
        // The last one sent of a key sent twice is the one kept.
        let twice: Vec<Event> = ["a", "b", "a"].iter().map(|id| call(id, "2024-10-20T09:00:00Z", None)).collect();
        assert_eq!(last_of_each_key(&key_order(&twice)).collect::<Vec<_>>(), [2, 1]);
    }

    #[test]
    fn copy_rows_escape_what_copy_reads_specially() {
        let mut out = Vec::new();
        let values = [
            Value::Text("a\tb\\c\nd\re"),
            Value::Null,
            Value::Int(-7),
            Value::Bool(true),
            Value::Bool(false),
            Value::Text(""),
        ];
        copy_row(&mut out, &values);
        assert_eq!(String::from_utf8(out).expect("utf-8"), "a\\tb\\\\c\\nd\\re\t\\N\t-7\tt\tf\t\n");
    }

    #[test]
    fn only_large_batches_grow_the_cache() {
        assert_eq!(bulk_cache_kib(1000), None);
        assert_eq!(bulk_cache_kib(1_000_000), Some(1_000_000));
        assert_eq!(bulk_cache_kib(usize::MAX), Some(BULK_CACHE_MAX_KIB));
    }
}
