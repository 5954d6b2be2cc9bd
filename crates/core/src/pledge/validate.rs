//! Turning NDJSON (or a JSON array) into events, naming the problems.
//!
//! A batch is accepted or refused whole, so a sender needs to know what is
//! wrong in one go: each line is checked field by field and every error is
//! counted, not just the first; the first [`MAX_LISTED`] are kept (with
//! their lines and fields), so a batch that is wrong on every line costs
//! no more memory than a good one. Whether a neighbourhood exists is for
//! the store to say; everything knowable from the text alone is checked here.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::event::*;
use super::{london, one_pass};
use crate::bounded::ErrorList;
#[cfg(doc)]
use crate::bounded::MAX_LISTED;
use crate::force;

/// One problem with one event: the line (or array position, from 1), the
/// field (empty when the problem is the whole line), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("line {line}: {field}: {message}")]
pub struct EventError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl EventError {
    pub fn new(line: usize, field: &str, message: impl Into<String>) -> EventError {
        EventError { line, field: field.to_string(), message: message.into() }
    }
}

/// A valid event and the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LineEvent {
    pub line: usize,
    pub event: Event,
}

/// Everything read from one batch: the valid events, and the errors (the
/// first ones by line, and how many).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedBatch {
    pub events: Vec<LineEvent>,
    pub errors: ErrorList<EventError>,
}

impl ParsedBatch {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Reads a request body: a JSON array if it starts with `[`, else NDJSON.
pub fn parse_body(text: &str) -> ParsedBatch {
    if text.trim_start().starts_with('[') { parse_json_array(text) } else { parse_ndjson(text) }
}

/// One event per line; blank lines are skipped but still counted, so line
/// numbers match the sender's file.
///
/// A large batch is cut at line ends into one piece per core, read side by
/// side: reading is most of what ingest costs, and every line is read on its
/// own. The pieces' results are joined in order, so the outcome is exactly
/// that of reading the lines one after another.
pub fn parse_ndjson(text: &str) -> ParsedBatch {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(MAX_THREADS);
    let pieces = pieces(text, if text.len() >= PARALLEL_BYTES { threads } else { 1 });
    if pieces.len() < 2 {
        return parse_ndjson_from(text, 1);
    }
    let parts: Vec<ParsedBatch> = std::thread::scope(|scope| {
        let handles: Vec<_> = pieces
            .iter()
            .map(|&(first_line, piece)| scope.spawn(move || parse_ndjson_from(piece, first_line)))
            .collect();
        // A panic in a reader is a bug; resume it here rather than hide it.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut batch = ParsedBatch::default();
    batch.events.reserve(parts.iter().map(|p| p.events.len()).sum());
    for part in parts {
        batch.events.extend(part.events);
        batch.errors.append(part.errors);
    }
    batch
}

/// Below this a batch is read on one thread: starting threads would cost
/// more than they save.
const PARALLEL_BYTES: usize = 1 << 20;

/// Reading is memory-bound beyond a few threads.
const MAX_THREADS: usize = 8;

/// `text` cut just after a newline into at most `n` pieces of about equal
/// size, each with the number of its first line.
fn pieces(text: &str, n: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::with_capacity(n);
    let (mut start, mut line) = (0, 1);
    for k in 1..=n {
        let end = if k == n {
            text.len()
        } else {
            let target = (text.len() * k / n).max(start);
            match text.as_bytes()[target..].iter().position(|&b| b == b'\n') {
                Some(p) => target + p + 1,
                None => text.len(),
            }
        };
        if end > start {
            let piece = &text[start..end];
            out.push((line, piece));
            line += piece.bytes().filter(|&b| b == b'\n').count();
            start = end;
        }
    }
    out
}

/// [`parse_ndjson`] of `text` on one thread, its first line numbered `first_line`.
fn parse_ndjson_from(text: &str, first_line: usize) -> ParsedBatch {
    let mut batch = ParsedBatch::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let n = first_line + i;
        push(&mut batch, n, parse_line(n, line));
    }
    batch
}

/// A JSON array of events; "line" is the position in the array, from 1.
/// Read one item at a time, so the array is never held as JSON values. A
/// syntax error is put at the position of the item it stopped (the text's
/// own line and column are in its message), so errors stay in order.
pub fn parse_json_array(text: &str) -> ParsedBatch {
    let mut batch = ParsedBatch::default();
    let mut read = 0;
    let mut de = serde_json::Deserializer::from_str(text);
    if let Err(e) = de.deserialize_seq(Items { batch: &mut batch, read: &mut read }).and_then(|()| de.end()) {
        batch.errors.push(EventError::new(read + 1, "", format!("not a JSON array of events: {e}")));
    }
    batch
}

/// Checks each item of an array as it is read, counting them.
struct Items<'a> {
    batch: &'a mut ParsedBatch,
    read: &'a mut usize,
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while let Some(item) = items.next_element::<Value>()? {
            *self.read += 1;
            push(self.batch, *self.read, parse_value(*self.read, &item));
        }
        Ok(())
    }
}

fn push(batch: &mut ParsedBatch, line: usize, result: Result<Event, Vec<EventError>>) {
    match result {
        Ok(event) => batch.events.push(LineEvent { line, event }),
        Err(errors) => batch.errors.extend(errors),
    }
}

/// Parses and validates one NDJSON line: in one pass when it is valid,
/// else field by field to name every error.
pub fn parse_line(line: usize, text: &str) -> Result<Event, Vec<EventError>> {
    match one_pass::parse(text) {
        Some(event) => Ok(event),
        None => parse_line_by_field(line, text),
    }
}

/// [`parse_line`] without the one-pass shortcut: every error, by field.
pub fn parse_line_by_field(line: usize, text: &str) -> Result<Event, Vec<EventError>> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => parse_value(line, &v),
        Err(e) => Err(vec![EventError::new(line, "", format!("not valid JSON: {e}"))]),
    }
}

/// Validates one event given as a JSON value.
pub fn parse_value(line: usize, value: &Value) -> Result<Event, Vec<EventError>> {
    let Some(obj) = value.as_object() else {
        return Err(vec![EventError::new(line, "", "an event must be a JSON object")]);
    };
    let mut r = Reader { obj, line, errors: Vec::new() };
    let id = r.string("id");
    let force = r.string("force");
    if let Some(f) = &force
        && force::by_id(f).is_none()
    {
        r.error("force", format!("unknown force {f:?}: expected a police.uk force id such as city-of-london"));
    }
    let neighbourhood = r.opt_string("neighbourhood");
    let generated = r.opt_bool("generated");
    let event_type = match r.obj.get("type") {
        None | Some(Value::Null) => {
            r.error("type", "missing field");
            None
        }
        Some(Value::String(s)) => match s.parse::<EventType>() {
            Ok(t) => Some(t),
            Err(msg) => {
                r.error("type", msg);
                None
            }
        },
        Some(_) => {
            r.error("type", "must be a string");
            None
        }
    };
    let body = event_type.and_then(|t| body(&mut r, t));
    if let (Some(EventType::Duty | EventType::Meeting | EventType::Message), Some(None)) = (event_type, &neighbourhood)
    {
        r.error("neighbourhood", "missing field: this type of event belongs to a neighbourhood");
    }
    match (id, force, neighbourhood, generated, body) {
        (Some(id), Some(force), Some(neighbourhood), Some(generated), Some(body)) if r.errors.is_empty() => {
            Ok(Event { id, force, neighbourhood, generated: generated.unwrap_or(false), body })
        }
        _ => Err(r.errors),
    }
}

/// Reads the fields of one type; `None` if any is wrong (errors recorded).
fn body(r: &mut Reader<'_>, t: EventType) -> Option<EventBody> {
    Some(match t {
        EventType::Call => {
            let channel = r.one_of("channel", &Channel::ALL, Channel::as_str);
            let received_at = r.time("received_at");
            let answered_at = r.nullable_time("answered_at");
            r.not_before("answered_at", answered_at.flatten(), "received_at", received_at);
            EventBody::Call(Call { channel: channel?, received_at: received_at?, answered_at: answered_at? })
        }
        EventType::Incident => {
            let grade =
                r.uint("grade").and_then(|g| match u8::try_from(g).ok().and_then(|g| Grade::try_from(g).ok()) {
                    Some(g) => Some(g),
                    None => {
                        r.error("grade", format!("{g} is not a grade: expected 1, 2, 3 or 4"));
                        None
                    }
                });
            let created_at = r.time("created_at");
            let arrived_at = r.nullable_time("arrived_at");
            let appointment_at = r.opt_time("appointment_at");
            let area = r.opt_one_of("area", &[AreaKind::Urban, AreaKind::Rural], AreaKind::as_str);
            let cancelled = r.opt_bool("cancelled");
            r.not_before("arrived_at", arrived_at.flatten(), "created_at", created_at);
            r.not_before("appointment_at", appointment_at.flatten(), "created_at", created_at);
            if let (Some(g), Some(Some(_))) = (grade, appointment_at)
                && g != Grade::Scheduled
            {
                r.error("appointment_at", "only a grade 3 (scheduled) incident has an appointment");
            }
            EventBody::Incident(Incident {
                grade: grade?,
                created_at: created_at?,
                arrived_at: arrived_at?,
                appointment_at: appointment_at?,
                area: area?,
                cancelled: cancelled?.unwrap_or(false),
            })
        }
        EventType::Message => {
            let received_at = r.time("received_at");
            let replied_at = r.nullable_time("replied_at");
            r.not_before("replied_at", replied_at.flatten(), "received_at", received_at);
            EventBody::Message(Message { received_at: received_at?, replied_at: replied_at? })
        }
        EventType::Duty => {
            let officer_ref = r.string("officer_ref");
            let start = r.time("start");
            let end = r.time("end");
            let minutes = r.uint("minutes_in_neighbourhood");
            if let (Some(s), Some(e)) = (start, end) {
                if e <= s {
                    r.error("end", "must be after start");
                } else if let Some(m) = minutes
                    && i64::from(m) * 60 > (e - s).num_seconds()
                {
                    r.error("minutes_in_neighbourhood", format!("{m} is more than the shift's length"));
                }
            }
            EventBody::Duty(Duty {
                officer_ref: officer_ref?,
                start: start?,
                end: end?,
                minutes_in_neighbourhood: minutes?,
            })
        }
        EventType::Meeting => {
            let held_at = r.time("held_at");
            let kind = r.one_of("kind", &MeetingKind::ALL, MeetingKind::as_str);
            let attendance = r.opt_uint("attendance");
            EventBody::Meeting(Meeting { held_at: held_at?, kind: kind?, attendance: attendance? })
        }
        EventType::VictimPlan => {
            let crime_ref = r.string("crime_ref");
            let interval = r.uint("agreed_interval_days");
            if interval == Some(0) {
                r.error("agreed_interval_days", "must be at least 1");
            }
            let start = r.time("start");
            let end = r.opt_time("end");
            if let (Some(s), Some(Some(e))) = (start, end)
                && e <= s
            {
                r.error("end", "must be after start");
            }
            EventBody::VictimPlan(VictimPlan {
                crime_ref: crime_ref?,
                agreed_interval_days: interval.filter(|&d| d > 0)?,
                start: start?,
                end: end?,
            })
        }
        EventType::VictimUpdate => {
            let crime_ref = r.string("crime_ref");
            let at = r.time("at");
            EventBody::VictimUpdate(VictimUpdate { crime_ref: crime_ref?, at: at? })
        }
        EventType::Dissatisfaction => {
            let received_at = r.time("received_at");
            let acknowledged_at = r.nullable_time("acknowledged_at");
            r.not_before("acknowledged_at", acknowledged_at.flatten(), "received_at", received_at);
            EventBody::Dissatisfaction(Dissatisfaction { received_at: received_at?, acknowledged_at: acknowledged_at? })
        }
    })
}

/// Field access that records an error instead of stopping at the first.
/// Each reader returns `None` when the field is wrong; for optional fields
/// `Some(None)` means validly absent.
struct Reader<'a> {
    obj: &'a Map<String, Value>,
    line: usize,
    errors: Vec<EventError>,
}

impl Reader<'_> {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(EventError::new(self.line, field, message));
    }

    /// A required, non-empty string.
    fn string(&mut self, field: &str) -> Option<String> {
        match self.opt_string(field) {
            Some(Some(s)) => Some(s),
            Some(None) => {
                self.error(field, "missing field");
                None
            }
            None => None,
        }
    }

    fn opt_string(&mut self, field: &str) -> Option<Option<String>> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.error(field, "must not be empty");
                None
            }
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => {
                self.error(field, "must be a string");
                None
            }
        }
    }

    fn one_of<T: Copy>(&mut self, field: &str, options: &[T], name: fn(T) -> &'static str) -> Option<T> {
        match self.opt_one_of(field, options, name) {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.error(field, "missing field");
                None
            }
            None => None,
        }
    }

    fn opt_one_of<T: Copy>(&mut self, field: &str, options: &[T], name: fn(T) -> &'static str) -> Option<Option<T>> {
        let s = self.opt_string(field)?;
        match s {
            None => Some(None),
            Some(s) => match options.iter().copied().find(|o| name(*o) == s) {
                Some(v) => Some(Some(v)),
                None => {
                    let names: Vec<&str> = options.iter().map(|o| name(*o)).collect();
                    self.error(field, format!("{s:?} is not one of {}", names.join(", ")));
                    None
                }
            },
        }
    }

    /// A required time that may not be null.
    fn time(&mut self, field: &str) -> Option<Timestamp> {
        match self.obj.get(field) {
            None | Some(Value::Null) => {
                self.error(field, "missing field");
                None
            }
            Some(v) => self.parse_time(field, v),
        }
    }

    /// A time that must be present but may be null ("not yet", "never").
    /// Absence is an error: a sender that drops the field could otherwise
    /// turn an answered call into an abandoned one without anyone noticing.
    fn nullable_time(&mut self, field: &str) -> Option<Option<Timestamp>> {
        match self.obj.get(field) {
            None => {
                self.error(field, "missing field (send null if there is none yet)");
                None
            }
            Some(Value::Null) => Some(None),
            Some(v) => self.parse_time(field, v).map(Some),
        }
    }

    fn opt_time(&mut self, field: &str) -> Option<Option<Timestamp>> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(v) => self.parse_time(field, v).map(Some),
        }
    }

    fn parse_time(&mut self, field: &str, v: &Value) -> Option<Timestamp> {
        let Value::String(s) = v else {
            self.error(field, "must be a string holding an RFC 3339 time");
            return None;
        };
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) if london::month_of(t.with_timezone(&Utc)).is_some() => Some(t),
            Ok(_) => {
                self.error(field, format!("{s:?} is outside the years 1900 to 9999"));
                None
            }
            Err(e) => {
                self.error(
                    field,
                    format!("{s:?} is not an RFC 3339 time with an offset, e.g. 2024-06-01T09:30:00+01:00 ({e})"),
                );
                None
            }
        }
    }

    fn uint(&mut self, field: &str) -> Option<u32> {
        match self.opt_uint(field) {
            Some(Some(n)) => Some(n),
            Some(None) => {
                self.error(field, "missing field");
                None
            }
            None => None,
        }
    }

    fn opt_uint(&mut self, field: &str) -> Option<Option<u32>> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) => Some(Some(n)),
                None => {
                    self.error(field, format!("{n} is not a whole number from 0 to {}", u32::MAX));
                    None
                }
            },
            Some(_) => {
                self.error(field, "must be a number");
                None
            }
        }
    }

    fn opt_bool(&mut self, field: &str) -> Option<Option<bool>> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Bool(b)) => Some(Some(*b)),
            Some(_) => {
                self.error(field, "must be true or false");
                None
            }
        }
    }

    /// Records an error when `later` is before `earlier` (both valid).
    fn not_before(
        &mut self,
        later_name: &str,
        later: Option<Timestamp>,
        earlier_name: &str,
        earlier: Option<Timestamp>,
    ) {
        if let (Some(l), Some(e)) = (later, earlier)
            && l < e
        {
            self.error(later_name, format!("{} is before {earlier_name} ({})", l.to_rfc3339(), e.to_rfc3339()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_in_pieces_is_reading_line_by_line() {
        const FIXTURE: &str = include_str!("../../tests/fixtures/pledge-kent-2024-10.ndjson");
        // Good lines, bad lines, blank lines and CRLF, large enough to be cut.
        let mut text = String::new();
        let mut k = 0;
        while text.len() < 3 * PARALLEL_BYTES {
            for line in FIXTURE.lines() {
                k += 1;
                match k % 97 {
                    0 => text.push_str("{\"id\":\"x\",\"force\":\"kent\",\"type\":\"nope\"}\n"),
                    1 => text.push('\n'),
                    2 => text.push_str(&format!("{line}\r\n")),
                    _ => text.push_str(&format!("{line}\n")),
                }
            }
        }
        let whole = parse_ndjson_from(&text, 1);
        assert!(!whole.errors.is_empty() && whole.events.len() > 1000);
        for n in [2, 3, 7] {
            let parts = pieces(&text, n);
            assert_eq!(parts.len(), n);
            assert_eq!(parts.iter().map(|(_, p)| *p).collect::<String>(), text);
            let mut joined = ParsedBatch::default();
            for (first, piece) in parts {
                let part = parse_ndjson_from(piece, first);
                joined.events.extend(part.events);
                joined.errors.append(part.errors);
            }
            assert_eq!(joined, whole, "{n} pieces");
        }
        assert_eq!(parse_ndjson(&text), whole);
        // Tiny texts and texts without newlines are cut sensibly.
        assert_eq!(pieces("", 4), vec![]);
        assert_eq!(pieces("abc", 4), vec![(1, "abc")]);
        assert_eq!(pieces("a\nb\nc\n", 2), vec![(1, "a\nb\n"), (3, "c\n")]);
    }

    fn errors(line: &str) -> Vec<(String, String)> {
        match parse_line(7, line) {
            Ok(e) => panic!("expected errors, got {e:?}"),
            Err(errs) => {
                assert!(errs.iter().all(|e| e.line == 7));
                errs.into_iter().map(|e| (e.field, e.message)).collect()
            }
        }
    }

    fn fields(line: &str) -> Vec<String> {
        errors(line).into_iter().map(|(f, _)| f).collect()
    }

    const CALL: &str = r#"{"id":"c1","force":"city-of-london","type":"call","channel":"999","received_at":"2024-06-01T09:00:00+01:00","answered_at":"2024-06-01T09:00:10+01:00"}"#;

    #[test]
    fn accepts_a_good_call() {
        let e = parse_line(1, CALL).expect("valid");
        assert_eq!(e.event_type(), EventType::Call);
        assert_eq!(e.neighbourhood, None);
    }

    #[test]
    fn accepts_every_type() {
        let lines = [
            r#"{"id":"i","force":"kent","type":"incident","grade":3,"created_at":"2024-06-01T09:00:00Z","arrived_at":null,"appointment_at":"2024-06-02T09:00:00Z","area":"rural","cancelled":false}"#,
            r#"{"id":"m","force":"kent","neighbourhood":"n1","type":"message","received_at":"2024-06-01T09:00:00Z","replied_at":null}"#,
            r#"{"id":"d","force":"kent","neighbourhood":"n1","type":"duty","officer_ref":"PC1","start":"2024-06-01T08:00:00Z","end":"2024-06-01T16:00:00Z","minutes_in_neighbourhood":400}"#,
            r#"{"id":"mt","force":"kent","neighbourhood":"n1","type":"meeting","held_at":"2024-06-01T19:00:00Z","kind":"street-briefing","attendance":12}"#,
            r#"{"id":"p","force":"kent","type":"victim_plan","crime_ref":"CR1","agreed_interval_days":7,"start":"2024-06-01T09:00:00Z"}"#,
            r#"{"id":"u","force":"kent","type":"victim_update","crime_ref":"CR1","at":"2024-06-05T09:00:00Z"}"#,
            r#"{"id":"x","force":"kent","type":"dissatisfaction","received_at":"2024-06-01T09:00:00Z","acknowledged_at":"2024-06-01T10:00:00Z"}"#,
        ];
        for (i, l) in lines.iter().enumerate() {
            let e = parse_line(i + 1, l).unwrap_or_else(|e| panic!("{l}: {e:?}"));
            let again: Event = serde_json::from_str(&serde_json::to_string(&e).expect("ser")).expect("de");
            assert_eq!(again, e);
        }
    }

    #[test]
    fn names_an_unknown_type() {
        let e = errors(r#"{"id":"a","force":"kent","type":"parade"}"#);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "type");
        assert!(e[0].1.contains("parade"));
    }

    #[test]
    fn lists_every_missing_field() {
        assert_eq!(fields(r#"{"type":"call","channel":"999"}"#), ["id", "force", "received_at", "answered_at"]);
        assert_eq!(fields(r#"{"id":"a","force":"kent"}"#), ["type"]);
    }

    #[test]
    fn refuses_answer_before_receipt() {
        let line = CALL.replace("09:00:10+01:00", "08:59:59+01:00");
        assert_eq!(fields(&line), ["answered_at"]);
    }

    #[test]
    fn offsets_are_compared_as_instants() {
        // 08:00:05Z is 09:00:05+01:00: after receipt, so valid.
        let line = CALL.replace("2024-06-01T09:00:10+01:00", "2024-06-01T08:00:05Z");
        assert!(parse_line(1, &line).is_ok());
    }

    #[test]
    fn refuses_bad_times() {
        for bad in ["2024-06-01 09:00:00", "2024-06-01T09:00:00", "yesterday", "2024-13-01T00:00:00Z"] {
            let line = CALL.replace("2024-06-01T09:00:00+01:00", bad);
            assert_eq!(fields(&line), ["received_at"], "{bad}");
        }
        let line = CALL.replace("\"2024-06-01T09:00:00+01:00\"", "1717228800");
        assert_eq!(fields(&line), ["received_at"]);
    }

    #[test]
    fn refuses_unknown_force_and_numeric_channel() {
        let line = CALL.replace("city-of-london", "gotham").replace("\"999\"", "999");
        assert_eq!(fields(&line), ["force", "channel"]);
    }

    #[test]
    fn generated_is_an_optional_flag() {
        let marked = CALL.replacen('{', r#"{"generated":true,"#, 1);
        assert!(parse_line(1, &marked).expect("valid").generated);
        assert!(!parse_line(1, CALL).expect("valid").generated);
        assert_eq!(fields(&CALL.replacen('{', r#"{"generated":"yes","#, 1)), ["generated"]);
    }

    #[test]
    fn team_events_need_a_neighbourhood() {
        let line =
            r#"{"id":"m","force":"kent","type":"message","received_at":"2024-06-01T09:00:00Z","replied_at":null}"#;
        assert_eq!(fields(line), ["neighbourhood"]);
    }

    #[test]
    fn null_if_none_fields_must_be_present() {
        let line =
            r#"{"id":"m","force":"kent","neighbourhood":"n","type":"message","received_at":"2024-06-01T09:00:00Z"}"#;
        assert_eq!(fields(line), ["replied_at"]);
    }

    #[test]
    fn incident_rules() {
        let base = r#"{"id":"i","force":"kent","type":"incident","grade":GRADE,"created_at":"2024-06-01T09:00:00Z","arrived_at":ARR,"appointment_at":APPT}"#;
        let line = |g: &str, arr: &str, appt: &str| base.replace("GRADE", g).replace("ARR", arr).replace("APPT", appt);
        assert_eq!(fields(&line("5", "null", "null")), ["grade"]);
        assert_eq!(fields(&line("\"1\"", "null", "null")), ["grade"]);
        assert_eq!(fields(&line("1", "\"2024-06-01T08:59:59Z\"", "null")), ["arrived_at"]);
        assert_eq!(fields(&line("2", "null", "\"2024-06-02T09:00:00Z\"")), ["appointment_at"]);
        assert_eq!(fields(&line("3", "null", "\"2024-06-01T08:00:00Z\"")), ["appointment_at"]);
        assert!(parse_line(1, &line("3", "null", "null")).is_ok());
    }

    #[test]
    fn duty_and_plan_rules() {
        let duty = r#"{"id":"d","force":"kent","neighbourhood":"n","type":"duty","officer_ref":"PC1","start":"2024-06-01T08:00:00Z","end":"END","minutes_in_neighbourhood":MIN}"#;
        let d = |end: &str, min: &str| duty.replace("END", end).replace("MIN", min);
        assert_eq!(fields(&d("2024-06-01T08:00:00Z", "0")), ["end"]);
        assert_eq!(fields(&d("2024-06-01T09:00:00Z", "61")), ["minutes_in_neighbourhood"]);
        assert_eq!(fields(&d("2024-06-01T09:00:00Z", "-1")), ["minutes_in_neighbourhood"]);
        assert!(parse_line(1, &d("2024-06-01T09:00:00Z", "60")).is_ok());
        let plan = r#"{"id":"p","force":"kent","type":"victim_plan","crime_ref":"CR1","agreed_interval_days":0,"start":"2024-06-01T09:00:00Z","end":"2024-06-01T09:00:00Z"}"#;
        assert_eq!(fields(plan), ["agreed_interval_days", "end"]);
    }

    #[test]
    fn batches_number_lines_and_keep_going() {
        let text = format!("{CALL}\n\n{{\"id\":\"x\"\n{}\n", CALL.replace("\"999\"", "\"fax\""));
        let b = parse_body(&text);
        assert_eq!(b.events.len(), 1);
        assert_eq!(b.events[0].line, 1);
        let lines: Vec<(usize, &str)> = b.errors.first().iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(lines, [(3, ""), (4, "channel")]);
    }

    #[test]
    fn json_arrays_number_items() {
        let text = format!("[{CALL}, {{\"id\":\"y\",\"force\":\"kent\",\"type\":\"nope\"}}]");
        let b = parse_body(&text);
        assert_eq!(b.events.len(), 1);
        assert_eq!(b.errors.first(), [EventError::new(2, "type", b.errors.first()[0].message.clone())]);
        assert!(!parse_body("[1,").is_valid());
        assert_eq!(parse_body("[3]").errors.first()[0].message, "an event must be a JSON object");
    }

    #[test]
    fn a_batch_wrong_on_every_line_keeps_the_first_errors_and_counts_them_all() {
        use crate::bounded::MAX_LISTED;
        // Large enough to be read in pieces, side by side.
        let lines = 3 * PARALLEL_BYTES / 2;
        let b = parse_body(&"1\n".repeat(lines));
        assert_eq!(b.errors.total(), lines);
        let first: Vec<usize> = b.errors.first().iter().map(|e| e.line).collect();
        assert_eq!(first, (1..=MAX_LISTED).collect::<Vec<_>>());
        // An array is read item by item, with the same bound.
        let b = parse_body(&format!("[{}1]", "1,".repeat(lines)));
        assert_eq!((b.errors.total(), b.errors.first().len()), (lines + 1, MAX_LISTED));
        assert!(b.errors.first().iter().all(|e| e.message == "an event must be a JSON object"));
        // Items before a syntax error are still checked; the error is counted.
        let b = parse_body(&format!("[{CALL}, 3, "));
        assert_eq!(b.events.len(), 1);
        assert_eq!(b.errors.total(), 2);
        assert!(b.errors.first()[1].message.starts_with("not a JSON array of events"));
    }

    /// Found by the events_ndjson fuzz target: a syntax error after bad
    /// items took the text's line (1) as its position, out of order.
    #[test]
    fn a_syntax_error_in_an_array_is_at_the_item_it_stopped() {
        let b = parse_body(&format!("[{CALL}, 3, 4, {{\"id\": ]"));
        let at: Vec<(usize, &str)> = b.errors.first().iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(at, [(2, ""), (3, ""), (4, "")]);
        assert!(b.errors.first()[2].message.contains("line 1 column"), "{:?}", b.errors.first()[2]);
        assert_eq!(parse_body("[1] x").errors.first().last().map(|e| e.line), Some(2));
    }
}
