//! The event contract: what force systems (telephony, command and control,
//! neighbourhood team records, victim care) send peel, one event a line.
//!
//! These types are the *validated* form. Input is checked field by field in
//! [`super::validate`], which can name every problem; these types then
//! serialise to the canonical JSON peel stores, and deserialise from it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::london;
use crate::Month;

/// An instant as the sender wrote it (RFC 3339 with its offset). Durations
/// are differences of instants, so the offset never changes a figure.
pub type Timestamp = DateTime<FixedOffset>;

/// One event: what happened, to which force, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The sender's id, unique per force and type; re-sending replaces.
    pub id: String,
    /// A police.uk force id such as `city-of-london`.
    pub force: String,
    /// The neighbourhood id (police.uk's), where the event belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbourhood: Option<String>,
    /// Made up (for the demo or tests), not from a force system. Figures
    /// that count generated events say so, and pages must label them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub generated: bool,
    #[serde(flatten)]
    pub body: EventBody,
}

/// The kinds of event, each with its own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    Call(Call),
    Incident(Incident),
    Message(Message),
    Duty(Duty),
    Meeting(Meeting),
    VictimPlan(VictimPlan),
    VictimUpdate(VictimUpdate),
    Dissatisfaction(Dissatisfaction),
}

/// A call to the police (telephony).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub channel: Channel,
    pub received_at: Timestamp,
    /// `None` when the caller hung up before an answer (abandoned).
    pub answered_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    #[serde(rename = "999")]
    Emergency,
    #[serde(rename = "101")]
    NonEmergency,
    #[serde(rename = "online")]
    Online,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Emergency, Channel::NonEmergency, Channel::Online];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Emergency => "999",
            Channel::NonEmergency => "101",
            Channel::Online => "online",
        }
    }
}

/// An incident in command and control, graded for response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub grade: Grade,
    pub created_at: Timestamp,
    /// `None` while nobody has arrived (or nobody ever did).
    pub arrived_at: Option<Timestamp>,
    /// Grade 3 only: the appointment agreed with the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_at: Option<Timestamp>,
    /// Overrides the neighbourhood's setting for this incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<AreaKind>,
    #[serde(default)]
    pub cancelled: bool,
}

/// The national four-grade response model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Grade {
    Emergency = 1,
    Priority = 2,
    Scheduled = 3,
    NoDeployment = 4,
}

impl TryFrom<u8> for Grade {
    type Error = String;

    fn try_from(n: u8) -> Result<Grade, String> {
        match n {
            1 => Ok(Grade::Emergency),
            2 => Ok(Grade::Priority),
            3 => Ok(Grade::Scheduled),
            4 => Ok(Grade::NoDeployment),
            _ => Err(format!("grade {n} is not 1, 2, 3 or 4")),
        }
    }
}

impl From<Grade> for u8 {
    fn from(g: Grade) -> u8 {
        g as u8
    }
}

/// Whether the urban or the rural attendance limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    #[default]
    Urban,
    Rural,
}

impl AreaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Urban => "urban",
            AreaKind::Rural => "rural",
        }
    }
}

impl FromStr for AreaKind {
    type Err = String;

    fn from_str(s: &str) -> Result<AreaKind, String> {
        match s {
            "urban" => Ok(AreaKind::Urban),
            "rural" => Ok(AreaKind::Rural),
            _ => Err(format!("{s:?} is not urban or rural")),
        }
    }
}

/// A message to a neighbourhood team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub received_at: Timestamp,
    pub replied_at: Option<Timestamp>,
}

/// One neighbourhood officer's shift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duty {
    pub officer_ref: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub minutes_in_neighbourhood: u32,
}

impl Duty {
    /// Length of the shift in seconds (elapsed, so clock changes don't count).
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// A meeting between a neighbourhood team and the public.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub held_at: Timestamp,
    pub kind: MeetingKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeetingKind {
    Public,
    Surgery,
    StreetBriefing,
    Scrutiny,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 4] =
        [MeetingKind::Public, MeetingKind::Surgery, MeetingKind::StreetBriefing, MeetingKind::Scrutiny];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::Public => "public",
            MeetingKind::Surgery => "surgery",
            MeetingKind::StreetBriefing => "street-briefing",
            MeetingKind::Scrutiny => "scrutiny",
        }
    }
}

/// How often a victim agreed to be updated about their crime, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VictimPlan {
    pub crime_ref: String,
    pub agreed_interval_days: u32,
    pub start: Timestamp,
    /// The plan is active in `[start, end)`; `None` while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
}

/// An update given to a victim about their crime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VictimUpdate {
    pub crime_ref: String,
    pub at: Timestamp,
}

/// An expression of dissatisfaction with the police.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dissatisfaction {
    pub received_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
}

/// The `type` of an event, as the contract spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    Call,
    Incident,
    Message,
    Duty,
    Meeting,
    VictimPlan,
    VictimUpdate,
    Dissatisfaction,
}

impl EventType {
    pub const ALL: [EventType; 8] = [
        EventType::Call,
        EventType::Incident,
        EventType::Message,
        EventType::Duty,
        EventType::Meeting,
        EventType::VictimPlan,
        EventType::VictimUpdate,
        EventType::Dissatisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Call => "call",
            EventType::Incident => "incident",
            EventType::Message => "message",
            EventType::Duty => "duty",
            EventType::Meeting => "meeting",
            EventType::VictimPlan => "victim_plan",
            EventType::VictimUpdate => "victim_update",
            EventType::Dissatisfaction => "dissatisfaction",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = String;

    fn from_str(s: &str) -> Result<EventType, String> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            format!("unknown type {s:?}; expected one of {}", known.join(", "))
        })
    }
}

impl Event {
    pub fn event_type(&self) -> EventType {
        match &self.body {
            EventBody::Call(_) => EventType::Call,
            EventBody::Incident(_) => EventType::Incident,
            EventBody::Message(_) => EventType::Message,
            EventBody::Duty(_) => EventType::Duty,
            EventBody::Meeting(_) => EventType::Meeting,
            EventBody::VictimPlan(_) => EventType::VictimPlan,
            EventBody::VictimUpdate(_) => EventType::VictimUpdate,
            EventBody::Dissatisfaction(_) => EventType::Dissatisfaction,
        }
    }

    /// The time that decides the event's month: when it was received,
    /// created, held or started.
    pub fn first_time(&self) -> Timestamp {
        match &self.body {
            EventBody::Call(c) => c.received_at,
            EventBody::Incident(i) => i.created_at,
            EventBody::Message(m) => m.received_at,
            EventBody::Duty(d) => d.start,
            EventBody::Meeting(m) => m.held_at,
            EventBody::VictimPlan(p) => p.start,
            EventBody::VictimUpdate(u) => u.at,
            EventBody::Dissatisfaction(d) => d.received_at,
        }
    }

    /// The London month the event belongs to (for a victim plan, the month
    /// it starts in). `None` only for years outside [`Month`]'s range, which
    /// validation refuses.
    pub fn month(&self) -> Option<Month> {
        london::month_of(self.first_time().with_timezone(&Utc))
    }

    /// For a victim plan with an end, the last London month it is active
    /// in (that of its final second, as the end itself is excluded): with
    /// [`Event::month`] it bounds the months the plan counts in.
    pub fn last_month(&self) -> Option<Month> {
        match &self.body {
            EventBody::VictimPlan(VictimPlan { end: Some(end), .. }) => {
                london::month_of(end.with_timezone(&Utc) - chrono::Duration::seconds(1))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_round_trips() {
        let line = r#"{"id":"c1","force":"city-of-london","neighbourhood":"ban","type":"call","channel":"999","received_at":"2024-06-01T00:30:00+01:00","answered_at":null}"#;
        let event: Event = serde_json::from_str(line).expect("parse");
        assert_eq!(event.event_type(), EventType::Call);
        assert_eq!(event.month().map(|m| m.to_string()).as_deref(), Some("2024-06"));
        let again: Event = serde_json::from_str(&serde_json::to_string(&event).expect("ser")).expect("de");
        assert_eq!(again, event);
    }

    #[test]
    fn a_plan_ending_at_midnight_is_not_active_in_the_next_month() {
        let plan = |end: &str| -> Event {
            let line = format!(
                r#"{{"id":"p","force":"kent","type":"victim_plan","crime_ref":"C","agreed_interval_days":7,"start":"2024-09-01T09:00:00Z"{end}}}"#
            );
            serde_json::from_str(&line).expect("plan")
        };
        let last = |e: Event| e.last_month().map(|m| m.to_string());
        // Midnight 1 October BST is 23:00 UTC on 30 September.
        assert_eq!(last(plan(r#","end":"2024-09-30T23:00:00Z""#)).as_deref(), Some("2024-09"));
        assert_eq!(last(plan(r#","end":"2024-09-30T23:00:01Z""#)).as_deref(), Some("2024-10"));
        assert_eq!(last(plan("")), None);
    }

    #[test]
    fn event_types_parse() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>(), Ok(t));
        }
        assert!("phone".parse::<EventType>().is_err());
    }
}
