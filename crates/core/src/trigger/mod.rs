//! The Community Trigger: the anti-social behaviour case review of the
//! Anti-social Behaviour, Crime and Policing Act 2014, ss104–105.
//!
//! A victim (or someone for them) applies; the relevant bodies must review
//! the case when the threshold is met, and publish figures every year. The
//! threshold and timescales differ by area, so each partnership's procedure
//! is data ([`Procedure`], versioned JSON). Pure rules only: checking an
//! application, the threshold, the due dates in working days, and the
//! annual figures. The store keeps applications; the web serves them.

pub mod application;
pub mod calendar;
pub mod complaint;
pub mod detect;
pub mod evaluate;
pub mod figures;
pub mod procedure;
pub mod timeline;

pub use application::{NewApplication, Problem};
pub use calendar::{BankHolidays, CalendarError};
pub use complaint::{Complaint, Discretion};
pub use detect::{Detection, StoredReport, complaints_from_reports, detect};
pub use evaluate::{ComplaintVerdict, Evaluation, RuleResult, ThresholdInput, evaluate};
pub use figures::{AnnualFigures, ApplicationFacts, ReportingYear, annual_figures};
pub use procedure::{Procedure, ProcedureError};
pub use timeline::{DueItem, Recommendation, Status, Step, StepError, Timeline, schedule};
