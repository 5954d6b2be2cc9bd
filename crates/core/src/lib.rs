//! peel's domain core: the policing geography, police.uk's open-data records
//! and the rules about them. No I/O and no async, so every rule is testable in
//! isolation and every other crate shares one definition of each concept.

pub mod access;
pub mod asb;
pub mod bounded;
pub mod category;
pub mod confidence;
pub mod force;
pub mod geo;
pub mod geography;
pub mod month;
pub mod open311;
pub mod outcome;
pub mod peers;
pub mod places;
pub mod pledge;
pub mod quarterly;
pub mod rates;
pub mod records;
pub mod report_card;
pub mod retention;
pub mod stop_search;
pub mod trigger;
pub mod url;

pub use category::{CategoryFilter, CrimeCategory};
pub use geo::{Area, BBox, LatLng, Polygon};
pub use month::Month;
pub use outcome::Outcome;
