/// What can go wrong in the store. Each variant says enough for the web
/// layer or CLI to tell the person what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {0:?} is not valid: {1}")]
    BadUrl(String, String),
    #[error("cannot connect to the database at {0}: {1}")]
    Connect(String, String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} not found")]
    NotFound(String),
    /// A unique name or address is already taken; the message says which.
    #[error("{0}")]
    Conflict(String),
    /// The caller's role or organisation's reach does not allow it; nothing
    /// was read or changed.
    #[error(transparent)]
    Refused(#[from] peel_core::access::Refusal),
    /// Bad input the store checks against what it holds (a force or
    /// partnership that does not exist); nothing was changed.
    #[error("{0}")]
    Invalid(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}
