//! Who may do what, and where, in the back office: roles, organisations,
//! permissions, each organisation's reach,
//! the lock-out and password rules, and the tamper-evident audit chain.
//!
//! Everything here is pure: rules are data, time is passed in, and nothing
//! touches a database or the network, so every edge is unit-tested.

pub mod audit;
pub mod lockout;
pub mod password;
pub mod permission;
pub mod role;
pub mod scope;
pub mod time;

pub use audit::{AuditEntry, ChainBreak, GENESIS_HASH, NewAuditEntry};
pub use lockout::{LockoutPolicy, LoginState};
pub use password::{PasswordPolicy, PasswordProblem};
pub use permission::Permission;
pub use role::{OrgKind, Role, UnknownSlug};
pub use scope::{Account, Caller, Partnership, Reach, Refusal, Target};
