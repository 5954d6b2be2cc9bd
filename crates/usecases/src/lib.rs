//! The back office's actions, without HTTP: each takes the caller, checks
//! what it is given, and has the store check the caller's permission and
//! reach and write the change with its audit entry. The pages, the JSON
//! API, Open311 and the `peel` command are adapters over these, so an
//! action is written, checked and audited once however it is reached.

pub mod accounts;
pub mod case_reviews;
pub mod casework;
pub mod secrets;
pub mod sign_in;
