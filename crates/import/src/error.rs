use std::fmt;

use peel_store::StoreError;

/// One refused row: where it is and what is wrong with which column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.message)
    }
}

/// Why an import of one file failed. Nothing of that file was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a file peel can import: {why}")]
    Unrecognised { path: String, why: String },
    #[error("{}", invalid_message(.problems, *.total))]
    InvalidRows { problems: Vec<RowProblem>, total: usize },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Store { path: String, source: StoreError },
}

fn invalid_message(problems: &[RowProblem], total: usize) -> String {
    let mut s = String::new();
    for p in problems {
        s.push_str(&p.to_string());
        s.push('\n');
    }
    if total > problems.len() {
        s.push_str(&format!("… and {} more invalid rows\n", total - problems.len()));
    }
    s.push_str("the file was not imported; fix it, or pass --skip-invalid to import its valid rows");
    s
}

/// How many row problems an error lists before summarising the rest.
pub const MAX_LISTED: usize = 20;
