//! Reading a well-formed event line in a single pass.
//!
//! [`super::validate`] reads each line into a `serde_json::Value` first, so
//! that it can name every wrong field; that tree costs more than everything
//! else ingest does. Almost every line a force system sends is valid, so a
//! line is first decoded straight into one flat struct of borrowed fields
//! and checked against the same rules. Anything this path does not accept
//! (a wrong type, a duplicate key, a broken rule) is left to the
//! field-by-field reader, which then names the errors: this path never
//! accepts what that reader would refuse, and builds the same event.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::event::*;
use super::london;
use crate::force;

#[derive(Deserialize)]
struct Flat<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    force: Option<Cow<'a, str>>,
    #[serde(borrow)]
    neighbourhood: Option<Cow<'a, str>>,
    generated: Option<bool>,
    #[serde(rename = "type", borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    channel: Option<Cow<'a, str>>,
    #[serde(borrow)]
    received_at: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    answered_at: Option<Option<Cow<'a, str>>>,
    grade: Option<u32>,
    #[serde(borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    arrived_at: Option<Option<Cow<'a, str>>>,
    #[serde(borrow)]
    appointment_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    area: Option<Cow<'a, str>>,
    cancelled: Option<bool>,
    #[serde(default, borrow, deserialize_with = "present")]
    replied_at: Option<Option<Cow<'a, str>>>,
    #[serde(borrow)]
    officer_ref: Option<Cow<'a, str>>,
    #[serde(borrow)]
    start: Option<Cow<'a, str>>,
    #[serde(borrow)]
    end: Option<Cow<'a, str>>,
    minutes_in_neighbourhood: Option<u32>,
    #[serde(borrow)]
    held_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    attendance: Option<u32>,
    #[serde(borrow)]
    crime_ref: Option<Cow<'a, str>>,
    agreed_interval_days: Option<u32>,
    #[serde(borrow)]
    at: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    acknowledged_at: Option<Option<Cow<'a, str>>>,
}

/// A field that must be present but may be null: absent stays `None`
/// (by `default`), present becomes `Some(value or None)`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A non-blank string, as the field-by-field reader requires.
fn text(s: Option<Cow<'_, str>>) -> Option<Option<String>> {
    match s {
        None => Some(None),
        Some(s) if s.trim().is_empty() => None,
        Some(s) => Some(Some(s.into_owned())),
    }
}

fn required(s: Option<Cow<'_, str>>) -> Option<String> {
    text(s).flatten()
}

fn time(s: &str) -> Option<Timestamp> {
    let t = DateTime::parse_from_rfc3339(s).ok()?;
    london::month_of(t.with_timezone(&Utc)).map(|_| t)
}

fn required_time(s: Option<Cow<'_, str>>) -> Option<Timestamp> {
    time(&s?)
}

/// `Some(None)` when absent or null, `None` when not a valid time.
fn optional_time(s: Option<Cow<'_, str>>) -> Option<Option<Timestamp>> {
    match s {
        None => Some(None),
        Some(s) => time(&s).map(Some),
    }
}

/// Present (possibly null); `None` when absent or not a valid time.
fn nullable_time(s: Option<Option<Cow<'_, str>>>) -> Option<Option<Timestamp>> {
    optional_time(s?)
}

fn named<T: Copy>(s: &str, options: &[T], name: fn(T) -> &'static str) -> Option<T> {
    options.iter().copied().find(|o| name(*o) == s)
}

fn optional_named<T: Copy>(s: Option<Cow<'_, str>>, options: &[T], name: fn(T) -> &'static str) -> Option<Option<T>> {
    match s {
        None => Some(None),
        Some(s) => named(&s, options, name).map(Some),
    }
}

/// `later` is not before `earlier`.
fn in_order(earlier: Timestamp, later: Option<Timestamp>) -> Option<()> {
    later.is_none_or(|l| l >= earlier).then_some(())
}

/// The event on `text` if it is well formed and breaks no rule; `None`
/// means "ask the field-by-field reader", not "invalid".
pub fn parse(text_line: &str) -> Option<Event> {
    // serde would also read a struct from a JSON array, by position.
    if !text_line.trim_start().starts_with('{') {
        return None;
    }
    let f: Flat<'_> = serde_json::from_str(text_line).ok()?;
    let id = required(f.id)?;
    let force = required(f.force)?;
    force::by_id(&force)?;
    let neighbourhood = text(f.neighbourhood)?;
    let generated = f.generated.unwrap_or(false);
    let event_type: EventType = f.event_type?.parse().ok()?;
    if matches!(event_type, EventType::Duty | EventType::Meeting | EventType::Message) && neighbourhood.is_none() {
        return None;
    }
    let body = match event_type {
        EventType::Call => {
            let channel = named(&f.channel?, &Channel::ALL, Channel::as_str)?;
            let received_at = required_time(f.received_at)?;
            let answered_at = nullable_time(f.answered_at)?;
            in_order(received_at, answered_at)?;
            EventBody::Call(Call { channel, received_at, answered_at })
        }
        EventType::Incident => {
            let grade = Grade::try_from(u8::try_from(f.grade?).ok()?).ok()?;
            let created_at = required_time(f.created_at)?;
            let arrived_at = nullable_time(f.arrived_at)?;
            let appointment_at = optional_time(f.appointment_at)?;
            let area = optional_named(f.area, &[AreaKind::Urban, AreaKind::Rural], AreaKind::as_str)?;
            in_order(created_at, arrived_at)?;
            in_order(created_at, appointment_at)?;
            if appointment_at.is_some() && grade != Grade::Scheduled {
                return None;
            }
            EventBody::Incident(Incident {
                grade,
                created_at,
                arrived_at,
                appointment_at,
                area,
                cancelled: f.cancelled.unwrap_or(false),
            })
        }
        EventType::Message => {
            let received_at = required_time(f.received_at)?;
            let replied_at = nullable_time(f.replied_at)?;
            in_order(received_at, replied_at)?;
            EventBody::Message(Message { received_at, replied_at })
        }
        EventType::Duty => {
            let officer_ref = required(f.officer_ref)?;
            let start = required_time(f.start)?;
            let end = required_time(f.end)?;
            let minutes = f.minutes_in_neighbourhood?;
            if end <= start || i64::from(minutes) * 60 > (end - start).num_seconds() {
                return None;
            }
            EventBody::Duty(Duty { officer_ref, start, end, minutes_in_neighbourhood: minutes })
        }
        EventType::Meeting => {
            let held_at = required_time(f.held_at)?;
            let kind = named(&f.kind?, &MeetingKind::ALL, MeetingKind::as_str)?;
            EventBody::Meeting(Meeting { held_at, kind, attendance: f.attendance })
        }
        EventType::VictimPlan => {
            let crime_ref = required(f.crime_ref)?;
            let agreed_interval_days = f.agreed_interval_days.filter(|&d| d > 0)?;
            let start = required_time(f.start)?;
            let end = optional_time(f.end)?;
            if end.is_some_and(|e| e <= start) {
                return None;
            }
            EventBody::VictimPlan(VictimPlan { crime_ref, agreed_interval_days, start, end })
        }
        EventType::VictimUpdate => {
            let crime_ref = required(f.crime_ref)?;
            let at = required_time(f.at)?;
            EventBody::VictimUpdate(VictimUpdate { crime_ref, at })
        }
        EventType::Dissatisfaction => {
            let received_at = required_time(f.received_at)?;
            let acknowledged_at = nullable_time(f.acknowledged_at)?;
            in_order(received_at, acknowledged_at)?;
            EventBody::Dissatisfaction(Dissatisfaction { received_at, acknowledged_at })
        }
    };
    Some(Event { id, force, neighbourhood, generated, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pledge::generate;
    use crate::pledge::validate::parse_line_by_field;

    const FIXTURE: &str = include_str!("../../tests/fixtures/pledge-kent-2024-10.ndjson");

    /// Accepts only what the field-by-field reader accepts, as the same event.
    fn agrees(line: &str) -> bool {
        let slow = parse_line_by_field(1, line);
        match parse(line) {
            Some(fast) => {
                assert_eq!(slow.as_ref().ok(), Some(&fast), "{line}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn takes_every_valid_line_in_one_pass() {
        for line in FIXTURE.lines().filter(|l| !l.trim().is_empty()) {
            assert!(agrees(line), "{line}");
        }
        let hoods = vec![("n1".to_string(), AreaKind::Urban), ("n2".to_string(), AreaKind::Rural)];
        let month = "2024-10".parse().expect("month");
        let now = "2025-01-01T00:00:00Z".parse().expect("now");
        let plan = generate::Plan { force: "kent", month, neighbourhoods: &hoods, seed: 3, now };
        for e in generate::month(&plan) {
            assert!(agrees(&serde_json::to_string(&e).expect("json")));
        }
        // Escapes, nulls for optional fields, extra fields, whitespace.
        for line in [
            r#"{"id":"c\u0031","force":"kent","type":"call","channel":"999","received_at":"2024-10-01T09:00:00.5+01:00","answered_at":null,"extra":[1]}"#,
            r#" {"id":"i","force":"kent","neighbourhood":null,"generated":null,"type":"incident","grade":3,"created_at":"2024-10-01T09:00:00Z","arrived_at":null,"appointment_at":null,"area":null,"cancelled":null} "#,
            r#"{"id":"p","force":"kent","type":"victim_plan","crime_ref":"C","agreed_interval_days":1,"start":"2024-10-01T09:00:00Z","end":null}"#,
            r#"{"id":"m","force":"kent","neighbourhood":"n","type":"meeting","held_at":"2024-10-01T19:00:00Z","kind":"public","attendance":null}"#,
        ] {
            assert!(agrees(line), "{line}");
        }
    }

    #[test]
    fn leaves_every_doubtful_line_to_the_field_by_field_reader() {
        let call = r#"{"id":"c","force":"kent","type":"call","channel":"999","received_at":"2024-10-01T09:00:00Z","answered_at":"2024-10-01T09:00:05Z"}"#;
        let doubtful = [
            // Not an object, though serde could read a struct from an array.
            r#"["c","kent",null,false,"call","999","2024-10-01T09:00:00Z",null]"#.to_string(),
            call.replace(r#""id":"c""#, r#""id":" ""#),
            call.replace(r#""id":"c""#, r#""id":7"#),
            call.replace("kent", "gotham"),
            call.replace(r#""type":"call""#, r#""type":"parade""#),
            call.replace(r#""channel":"999""#, r#""channel":999"#),
            call.replace(r#","answered_at":"2024-10-01T09:00:05Z""#, ""),
            call.replace("09:00:05Z", "08:59:59Z"),
            call.replace("2024-10-01T09:00:00Z", "2024-10-01T09:00:00"),
            call.replace("2024-10-01T09:00:00Z", "1899-12-31T00:00:00Z"),
            call.replacen('{', r#"{"id":"dup","#, 1),
            call.replacen('{', r#"{"generated":"yes","#, 1),
            call.replacen('{', r#"{"neighbourhood":"","#, 1),
            call.replace(r#""type":"call""#, r#""type":"message""#),
            r#"{"id":"i","force":"kent","type":"incident","grade":2,"created_at":"2024-10-01T09:00:00Z","arrived_at":null,"appointment_at":"2024-10-02T09:00:00Z"}"#.into(),
            r#"{"id":"i","force":"kent","type":"incident","grade":5,"created_at":"2024-10-01T09:00:00Z","arrived_at":null}"#.into(),
            r#"{"id":"i","force":"kent","type":"incident","grade":1.0,"created_at":"2024-10-01T09:00:00Z","arrived_at":null}"#.into(),
            r#"{"id":"i","force":"kent","type":"incident","grade":1,"created_at":"2024-10-01T09:00:00Z","arrived_at":null,"area":"moor"}"#.into(),
            r#"{"id":"d","force":"kent","neighbourhood":"n","type":"duty","officer_ref":"PC1","start":"2024-10-01T08:00:00Z","end":"2024-10-01T09:00:00Z","minutes_in_neighbourhood":61}"#.into(),
            r#"{"id":"d","force":"kent","neighbourhood":"n","type":"duty","officer_ref":"PC1","start":"2024-10-01T08:00:00Z","end":"2024-10-01T08:00:00Z","minutes_in_neighbourhood":0}"#.into(),
            r#"{"id":"p","force":"kent","type":"victim_plan","crime_ref":"C","agreed_interval_days":0,"start":"2024-10-01T09:00:00Z"}"#.into(),
            r#"{"id":"p","force":"kent","type":"victim_plan","crime_ref":"C","agreed_interval_days":7,"start":"2024-10-01T09:00:00Z","end":"2024-10-01T09:00:00Z"}"#.into(),
            r#"{"id":"m","force":"kent","neighbourhood":"n","type":"meeting","held_at":"2024-10-01T19:00:00Z","kind":"rally"}"#.into(),
            r#"{"id":"m","force":"kent","neighbourhood":"n","type":"message","received_at":"2024-10-01T19:00:00Z"}"#.into(),
            r#"{"id":"x","force":"kent","type":"dissatisfaction","received_at":"2024-10-01T19:00:00Z","acknowledged_at":"2024-10-01T18:00:00Z"}"#.into(),
            r#"{"id":"u","force":"kent","type":"victim_update","crime_ref":"","at":"2024-10-01T19:00:00Z"}"#.into(),
            "not json".into(),
        ];
        for line in &doubtful {
            assert!(!agrees(line), "{line}");
        }
    }
}
