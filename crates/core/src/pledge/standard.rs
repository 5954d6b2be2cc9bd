//! The Pledge standards as data.
//!
//! Each commitment's limit is a versioned [`Standard`], not a constant in
//! code, because every force published its own local version of the Pledge
//! and a Neighbourhood Agreement may promise more. A local standard may only
//! be *stricter* than the one it replaces (the Pledge is a national minimum),
//! and every figure carries the version that produced it, so a figure can
//! always be traced to the promise it measures.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The nine measurable commitments, in the order figures are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CommitmentId {
    #[serde(rename = "999-answer")]
    Answer999,
    #[serde(rename = "emergency-attendance")]
    EmergencyAttendance,
    #[serde(rename = "priority-attendance")]
    PriorityAttendance,
    #[serde(rename = "scheduled-attendance")]
    ScheduledAttendance,
    #[serde(rename = "team-message-reply")]
    TeamMessageReply,
    #[serde(rename = "team-visibility")]
    TeamVisibility,
    #[serde(rename = "public-meetings")]
    PublicMeetings,
    #[serde(rename = "victim-updates")]
    VictimUpdates,
    #[serde(rename = "dissatisfaction-ack")]
    DissatisfactionAck,
}

impl CommitmentId {
    pub const ALL: [CommitmentId; 9] = [
        CommitmentId::Answer999,
        CommitmentId::EmergencyAttendance,
        CommitmentId::PriorityAttendance,
        CommitmentId::ScheduledAttendance,
        CommitmentId::TeamMessageReply,
        CommitmentId::TeamVisibility,
        CommitmentId::PublicMeetings,
        CommitmentId::VictimUpdates,
        CommitmentId::DissatisfactionAck,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentId::Answer999 => "999-answer",
            CommitmentId::EmergencyAttendance => "emergency-attendance",
            CommitmentId::PriorityAttendance => "priority-attendance",
            CommitmentId::ScheduledAttendance => "scheduled-attendance",
            CommitmentId::TeamMessageReply => "team-message-reply",
            CommitmentId::TeamVisibility => "team-visibility",
            CommitmentId::PublicMeetings => "public-meetings",
            CommitmentId::VictimUpdates => "victim-updates",
            CommitmentId::DissatisfactionAck => "dissatisfaction-ack",
        }
    }

    /// The shape of limit this commitment takes.
    fn limit_kind(self) -> &'static str {
        match self {
            CommitmentId::EmergencyAttendance => "by_area",
            CommitmentId::TeamVisibility => "at_least_percent",
            CommitmentId::PublicMeetings => "at_least_count",
            CommitmentId::VictimUpdates => "agreed_interval",
            _ => "within",
        }
    }
}

impl fmt::Display for CommitmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommitmentId {
    type Err = StandardError;

    fn from_str(s: &str) -> Result<CommitmentId, StandardError> {
        CommitmentId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| StandardError::UnknownCommitment(s.into()))
    }
}

/// A commitment's limit. Times are in seconds, inclusive (exactly the limit
/// is met).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// Met when done within `seconds`.
    Within { seconds: i64 },
    /// Met when done within the urban or the rural limit.
    ByArea { urban_seconds: i64, rural_seconds: i64 },
    /// Met when a share reaches `percent`.
    AtLeastPercent { percent: u32 },
    /// Met when at least `count` happen in the month.
    AtLeastCount { count: u32 },
    /// Met when the interval agreed with each victim is kept. A local
    /// standard may cap it at `max_days` whatever was agreed.
    AgreedInterval { max_days: Option<u32> },
}

impl Limit {
    fn kind(&self) -> &'static str {
        match self {
            Limit::Within { .. } => "within",
            Limit::ByArea { .. } => "by_area",
            Limit::AtLeastPercent { .. } => "at_least_percent",
            Limit::AtLeastCount { .. } => "at_least_count",
            Limit::AgreedInterval { .. } => "agreed_interval",
        }
    }

    /// Whether `self` asks at least as much as `base` (same kind of limit).
    pub fn at_least_as_strict_as(&self, base: &Limit) -> bool {
        match (self, base) {
            (Limit::Within { seconds: a }, Limit::Within { seconds: b }) => a <= b,
            (
                Limit::ByArea { urban_seconds: au, rural_seconds: ar },
                Limit::ByArea { urban_seconds: bu, rural_seconds: br },
            ) => au <= bu && ar <= br,
            (Limit::AtLeastPercent { percent: a }, Limit::AtLeastPercent { percent: b }) => a >= b,
            (Limit::AtLeastCount { count: a }, Limit::AtLeastCount { count: b }) => a >= b,
            (Limit::AgreedInterval { max_days: a }, Limit::AgreedInterval { max_days: b }) => match (a, b) {
                (_, None) => true,
                (Some(a), Some(b)) => a <= b,
                (None, Some(_)) => false,
            },
            _ => false,
        }
    }
}

/// One commitment's standard, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standard {
    pub id: CommitmentId,
    /// Who set it and when, e.g. `national-2008` or `kent-2024-04`.
    pub version: String,
    /// What the public is promised, in plain English.
    pub description: String,
    pub limit: Limit,
    /// Where the standard comes from, so anyone can check it.
    #[serde(default)]
    pub source: String,
}

/// Why a standard cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandardError {
    #[error("{0:?} is not a Pledge commitment")]
    UnknownCommitment(String),
    #[error("{id}: a {found} limit does not fit this commitment, which takes a {expected} limit")]
    WrongLimit { id: CommitmentId, expected: &'static str, found: &'static str },
    #[error("{id} version {version}: a local standard may only be stricter than the one it replaces ({base})")]
    NotStricter { id: CommitmentId, version: String, base: String },
    #[error("{id}: a standard needs a version")]
    NoVersion { id: CommitmentId },
}

const MIN: i64 = 60;
const HOUR: i64 = 3600;

/// The national version label for the 2008 Pledge defaults.
pub const NATIONAL_VERSION: &str = "national-2008";

fn national(id: CommitmentId, description: &str, limit: Limit, source: &str) -> Standard {
    Standard {
        id,
        version: NATIONAL_VERSION.to_string(),
        description: description.to_string(),
        limit,
        source: source.to_string(),
    }
}

/// The standards in force for one force or neighbourhood: one per commitment.
///
/// Not deserialisable: a set is always built from [`StandardSet::national`]
/// and tightened, so it holds every commitment, in [`CommitmentId::ALL`]
/// order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardSet {
    standards: Vec<Standard>,
}

impl StandardSet {
    /// The national minimum the Policing Pledge set (December 2008).
    pub fn national() -> StandardSet {
        use CommitmentId::*;
        let pledge = "Policing Pledge (Home Office, December 2008)";
        StandardSet {
            standards: vec![
                national(
                    Answer999,
                    "999 calls are answered within 10 seconds.",
                    Limit::Within { seconds: 10 },
                    "Policing Pledge commitment 5; Hansard, 23 February 2010",
                ),
                national(
                    EmergencyAttendance,
                    "Emergencies are attended within 15 minutes in towns and cities, 20 minutes in rural areas.",
                    Limit::ByArea { urban_seconds: 15 * MIN, rural_seconds: 20 * MIN },
                    "Policing Pledge commitment 5; Hansard, 23 February 2010",
                ),
                national(
                    PriorityAttendance,
                    "Priority calls are attended within 60 minutes.",
                    Limit::Within { seconds: 60 * MIN },
                    pledge,
                ),
                national(
                    ScheduledAttendance,
                    "Where attendance can be scheduled, an appointment is offered within 48 hours and kept.",
                    Limit::Within { seconds: 48 * HOUR },
                    "Policing Pledge commitment 6; Home Office, November 2009",
                ),
                national(
                    TeamMessageReply,
                    "Every message to a neighbourhood team is answered within 24 hours.",
                    Limit::Within { seconds: 24 * HOUR },
                    "Policing Pledge commitment 4",
                ),
                national(
                    TeamVisibility,
                    "Neighbourhood teams spend at least 80% of their time visibly working in the neighbourhood.",
                    Limit::AtLeastPercent { percent: 80 },
                    "Policing Pledge commitment 3; Hansard, 20 January 2009",
                ),
                national(
                    PublicMeetings,
                    "Every neighbourhood holds at least one public meeting a month to agree its priorities.",
                    Limit::AtLeastCount { count: 1 },
                    "Policing Pledge commitment 7; Hansard, 21 January 2009",
                ),
                national(
                    VictimUpdates,
                    "Victims are updated as often as was agreed with them.",
                    Limit::AgreedInterval { max_days: None },
                    "Policing Pledge commitment 9",
                ),
                national(
                    DissatisfactionAck,
                    "Any dissatisfaction is acknowledged within 24 hours.",
                    Limit::Within { seconds: 24 * HOUR },
                    "Policing Pledge commitment 10",
                ),
            ],
        }
    }

    /// The standard for one commitment. Every set holds all nine.
    pub fn get(&self, id: CommitmentId) -> &Standard {
        // `national()` lists the commitments in `ALL` order and overrides
        // replace entries in place, so the position is the enum's index.
        &self.standards[id as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Standard> {
        self.standards.iter()
    }

    /// Replaces one commitment's standard with a local one, which must use
    /// the commitment's kind of limit and be at least as strict.
    pub fn override_with(&mut self, local: Standard) -> Result<(), StandardError> {
        if local.version.trim().is_empty() {
            return Err(StandardError::NoVersion { id: local.id });
        }
        let expected = local.id.limit_kind();
        if local.limit.kind() != expected {
            return Err(StandardError::WrongLimit { id: local.id, expected, found: local.limit.kind() });
        }
        let base = self.get(local.id);
        if !local.limit.at_least_as_strict_as(&base.limit) {
            return Err(StandardError::NotStricter {
                id: local.id,
                version: local.version,
                base: base.version.clone(),
            });
        }
        if let Some(slot) = self.standards.iter_mut().find(|s| s.id == local.id) {
            *slot = local;
        }
        Ok(())
    }

    /// National defaults, then the force's local standards, then the
    /// neighbourhood's: each layer may only tighten the one below.
    pub fn layered(force: &[Standard], neighbourhood: &[Standard]) -> Result<StandardSet, StandardError> {
        let mut set = StandardSet::national();
        for s in force.iter().chain(neighbourhood) {
            set.override_with(s.clone())?;
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(id: CommitmentId, limit: Limit) -> Standard {
        Standard { id, version: "kent-2024".into(), description: "local".into(), limit, source: String::new() }
    }

    #[test]
    fn national_has_every_commitment_in_order() {
        let set = StandardSet::national();
        let ids: Vec<CommitmentId> = set.iter().map(|s| s.id).collect();
        assert_eq!(ids, CommitmentId::ALL);
        assert_eq!(set.get(CommitmentId::Answer999).limit, Limit::Within { seconds: 10 });
        assert_eq!(
            set.get(CommitmentId::EmergencyAttendance).limit,
            Limit::ByArea { urban_seconds: 900, rural_seconds: 1200 }
        );
        assert!(set.iter().all(|s| s.version == NATIONAL_VERSION && !s.description.is_empty()));
    }

    #[test]
    fn commitment_ids_parse_and_serialise() {
        for id in CommitmentId::ALL {
            assert_eq!(id.as_str().parse::<CommitmentId>(), Ok(id));
            assert_eq!(serde_json::to_value(id).expect("ser"), serde_json::json!(id.as_str()));
        }
        assert!("999".parse::<CommitmentId>().is_err());
    }

    #[test]
    fn stricter_local_standards_replace_national_ones() {
        let force = [local(CommitmentId::Answer999, Limit::Within { seconds: 8 })];
        let hood = [local(CommitmentId::PublicMeetings, Limit::AtLeastCount { count: 2 })];
        let set = StandardSet::layered(&force, &hood).expect("stricter");
        assert_eq!(set.get(CommitmentId::Answer999).version, "kent-2024");
        assert_eq!(set.get(CommitmentId::PublicMeetings).limit, Limit::AtLeastCount { count: 2 });
        assert_eq!(set.get(CommitmentId::PriorityAttendance).version, NATIONAL_VERSION);
    }

    #[test]
    fn looser_or_mismatched_standards_are_refused() {
        let mut set = StandardSet::national();
        let looser = local(CommitmentId::Answer999, Limit::Within { seconds: 11 });
        assert!(matches!(set.override_with(looser), Err(StandardError::NotStricter { .. })));
        let lower = local(CommitmentId::TeamVisibility, Limit::AtLeastPercent { percent: 79 });
        assert!(matches!(set.override_with(lower), Err(StandardError::NotStricter { .. })));
        let wrong = local(CommitmentId::TeamVisibility, Limit::Within { seconds: 1 });
        assert!(matches!(set.override_with(wrong), Err(StandardError::WrongLimit { .. })));
        let mut unversioned = local(CommitmentId::Answer999, Limit::Within { seconds: 5 });
        unversioned.version = " ".into();
        assert!(matches!(set.override_with(unversioned), Err(StandardError::NoVersion { .. })));
        // A neighbourhood cannot loosen what its force tightened.
        let force = [local(CommitmentId::Answer999, Limit::Within { seconds: 8 })];
        let hood = [local(CommitmentId::Answer999, Limit::Within { seconds: 10 })];
        assert!(StandardSet::layered(&force, &hood).is_err());
        let capped = local(CommitmentId::VictimUpdates, Limit::AgreedInterval { max_days: Some(28) });
        assert!(set.override_with(capped).is_ok());
    }

    #[test]
    fn standards_serialise_as_data() {
        let s = local(CommitmentId::EmergencyAttendance, Limit::ByArea { urban_seconds: 600, rural_seconds: 900 });
        let json = serde_json::to_string(&s).expect("ser");
        assert!(json.contains(r#""id":"emergency-attendance""#) && json.contains(r#""kind":"by_area""#));
        assert_eq!(serde_json::from_str::<Standard>(&json).expect("de"), s);
    }
}
