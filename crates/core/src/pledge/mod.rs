//! The Policing Pledge (2008–2010): its national service standards, the
//! events force systems send about contact and incidents, and compliance
//! with each standard per force, neighbourhood and month.
//!
//! Pure rules only: parsing and validating events, London month
//! assignment, the standards as data and the compliance computation. The
//! store persists events and the web and CLI layers ingest and serve them.

pub mod compliance;
pub mod demand;
pub mod event;
pub mod fact;
pub mod generate;
pub mod london;
pub mod one_pass;
pub mod standard;
pub mod stored;
pub mod validate;

pub use compliance::{Figure, Report, Scope, compute, compute_facts};
pub use event::{AreaKind, Event, EventBody, EventType};
pub use fact::{Fact, FactBody};
pub use standard::{CommitmentId, Limit, Standard, StandardError, StandardSet};
pub use validate::{EventError, LineEvent, ParsedBatch, parse_body, parse_ndjson};
