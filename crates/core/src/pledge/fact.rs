//! What compliance reads of one event.
//!
//! Compliance needs an event's instants and a handful of fields, never the
//! sender's UTC offsets, officer references or meeting attendance. The store
//! keeps exactly these as typed columns, so a force-month of a million events
//! is computed without decoding any JSON; [`compute`](super::compute) turns
//! full events into facts first, so both routes share one set of rules.

use chrono::{DateTime, Utc};

use super::event::*;
use crate::Month;

/// One event as compliance sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// The sender's id: breaches are listed by it.
    pub id: String,
    pub neighbourhood: Option<String>,
    pub generated: bool,
    /// The London month of the event's first time ([`Event::month`]).
    pub month: Month,
    pub body: FactBody,
}

impl Fact {
    /// Whether this fact can count towards any figure. 101 and online
    /// calls, incidents needing no deployment or cancelled, and meetings
    /// other than public ones never do, so the store need not read them
    /// (see `COUNTED` in the store, which must say the same in SQL).
    pub fn counts(&self) -> bool {
        match &self.body {
            FactBody::Call { channel, .. } => *channel == Channel::Emergency,
            FactBody::Incident(i) => i.grade != Grade::NoDeployment && !i.cancelled,
            FactBody::Meeting { kind, .. } => *kind == MeetingKind::Public,
            _ => true,
        }
    }
}

/// The fields each kind of event contributes, times as instants.
#[derive(Debug, Clone, PartialEq)]
pub enum FactBody {
    Call {
        channel: Channel,
        received_at: DateTime<Utc>,
        answered_at: Option<DateTime<Utc>>,
    },
    Incident(IncidentFact),
    Message {
        received_at: DateTime<Utc>,
        replied_at: Option<DateTime<Utc>>,
    },
    /// A shift: its elapsed length and the whole minutes spent in the neighbourhood.
    Duty {
        seconds: i64,
        minutes_in_neighbourhood: u32,
    },
    Meeting {
        held_at: DateTime<Utc>,
        kind: MeetingKind,
    },
    VictimPlan(PlanFact),
    VictimUpdate {
        crime_ref: String,
        at: DateTime<Utc>,
    },
    Dissatisfaction {
        received_at: DateTime<Utc>,
        acknowledged_at: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFact {
    pub grade: Grade,
    pub created_at: DateTime<Utc>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub appointment_at: Option<DateTime<Utc>>,
    pub area: Option<AreaKind>,
    pub cancelled: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanFact {
    pub crime_ref: String,
    pub agreed_interval_days: u32,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

fn utc(t: Timestamp) -> DateTime<Utc> {
    t.with_timezone(&Utc)
}

impl Fact {
    /// The fact of a validated event; `None` only for a time outside the
    /// years [`Month`] supports, which validation refuses.
    pub fn of(event: &Event) -> Option<Fact> {
        let body = match &event.body {
            EventBody::Call(c) => FactBody::Call {
                channel: c.channel,
                received_at: utc(c.received_at),
                answered_at: c.answered_at.map(utc),
            },
            EventBody::Incident(i) => FactBody::Incident(IncidentFact {
                grade: i.grade,
                created_at: utc(i.created_at),
                arrived_at: i.arrived_at.map(utc),
                appointment_at: i.appointment_at.map(utc),
                area: i.area,
                cancelled: i.cancelled,
            }),
            EventBody::Message(m) => {
                FactBody::Message { received_at: utc(m.received_at), replied_at: m.replied_at.map(utc) }
            }
            EventBody::Duty(d) => {
                FactBody::Duty { seconds: d.seconds(), minutes_in_neighbourhood: d.minutes_in_neighbourhood }
            }
            EventBody::Meeting(m) => FactBody::Meeting { held_at: utc(m.held_at), kind: m.kind },
            EventBody::VictimPlan(p) => FactBody::VictimPlan(PlanFact {
                crime_ref: p.crime_ref.clone(),
                agreed_interval_days: p.agreed_interval_days,
                start: utc(p.start),
                end: p.end.map(utc),
            }),
            EventBody::VictimUpdate(u) => FactBody::VictimUpdate { crime_ref: u.crime_ref.clone(), at: utc(u.at) },
            EventBody::Dissatisfaction(d) => FactBody::Dissatisfaction {
                received_at: utc(d.received_at),
                acknowledged_at: d.acknowledged_at.map(utc),
            },
        };
        Some(Fact {
            id: event.id.clone(),
            neighbourhood: event.neighbourhood.clone(),
            generated: event.generated,
            month: event.month()?,
            body,
        })
    }

    pub fn is_victim_update(&self) -> bool {
        matches!(self.body, FactBody::VictimUpdate { .. })
    }
}
