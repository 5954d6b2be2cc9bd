//! Prepared SQLite statements run straight on a connection sqlx has locked.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every row
//! (and every bound value) across threads, copying each value: for the
//! Pledge's million-event batches that hand-over cost several times more
//! than SQLite's own work. Here one statement is prepared once and stepped
//! on the caller's thread, binding borrowed values and reading columns in
//! place. All the `unsafe` code of the store is in this module; what it
//! exposes is safe:
//!
//! - a [`Connection`] borrows sqlx's locked handle mutably, so the
//!   connection outlives it and nothing else uses it meanwhile; the
//!   [`Statement`]s prepared on it borrow it in turn (several may be
//!   prepared at once, as SQLite allows), are finalized when dropped, and
//!   like the connection never leave the thread that made them;
//! - values are bound only for the duration of one [`Statement::execute`]
//!   or [`Statement::query`] call (which resets the statement and clears
//!   its bindings before returning), so SQLite may read them without
//!   copying (`SQLITE_STATIC`);
//! - a [`Row`] lives only inside the `query` callback, so its borrowed text
//!   cannot outlive the step that produced it.
//!
//! This runs SQLite on the calling (async) thread: meant for the bulk paths
//! only, where it is the whole point, and inside [`blocking`], so that a
//! million-row batch does not hold up the other tasks of a server thread.

use std::ffi::{CStr, c_char, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use crate::StoreError;

/// Runs `work`, which blocks for a while (a bulk SQLite statement), from
/// async code. On a multi-threaded runtime (the server, the CLI) the
/// worker thread first hands its other tasks to another worker, so they
/// are not held up meanwhile; elsewhere (a single-threaded test runtime,
/// where that is not possible) it just runs.
pub(crate) fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// A value bound to a statement parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    /// Bound as 0 or 1, as SQLite stores booleans; kept apart so that other
    /// writers of the same values (PostgreSQL's `COPY`) can tell them.
    Bool(bool),
    Text(&'a str),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A SQLite connection sqlx has locked for us.
pub(crate) struct Connection<'c> {
    db: NonNull<ffi::sqlite3>,
    _locked: PhantomData<&'c mut ()>,
}

impl<'c> Connection<'c> {
    pub(crate) fn of(handle: &'c mut LockedSqliteHandle<'_>) -> Connection<'c> {
        Connection { db: handle.as_raw_handle(), _locked: PhantomData }
    }

    /// Prepares `sql` (one statement, `?` or `?N` parameters).
    pub(crate) fn prepare(&self, sql: &str) -> Result<Statement<'_>, StoreError> {
        let db = self.db;
        let len = c_int::try_from(sql.len()).map_err(|_| StoreError::Corrupt("SQL statement too long".into()))?;
        let mut stmt = ptr::null_mut();
        // SAFETY: `db` is the open connection locked for as long as `self`
        // is borrowed; `sql` is valid for `len` bytes and SQLite does not
        // keep it.
        let code = unsafe {
            ffi::sqlite3_prepare_v3(
                db.as_ptr(),
                sql.as_ptr().cast::<c_char>(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT as std::ffi::c_uint,
                &mut stmt,
                ptr::null_mut(),
            )
        };
        if code != ffi::SQLITE_OK {
            return Err(error(db, code, "prepare"));
        }
        let stmt = NonNull::new(stmt).ok_or_else(|| StoreError::Corrupt("empty SQL statement".into()))?;
        // SAFETY: `stmt` is the statement just prepared.
        let parameters = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        Ok(Statement { db, stmt, parameters: usize::try_from(parameters).unwrap_or(0), _conn: PhantomData })
    }

    /// Runs one statement without parameters, such as a PRAGMA.
    pub(crate) fn execute(&self, sql: &str) -> Result<(), StoreError> {
        self.prepare(sql)?.execute(&[])
    }
}

/// One prepared statement on a locked connection.
pub(crate) struct Statement<'c> {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    parameters: usize,
    _conn: PhantomData<&'c ()>,
}

fn error(db: NonNull<ffi::sqlite3>, code: c_int, doing: &str) -> StoreError {
    // SAFETY: `db` is an open connection; sqlite3_errmsg returns a
    // NUL-terminated string owned by SQLite, copied here at once.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }.to_string_lossy().into_owned();
    StoreError::Corrupt(format!("SQLite {doing} failed (code {code}): {message}"))
}

impl Statement<'_> {
    /// Binds every parameter: a statement is never run with some left
    /// from an earlier call.
    fn bind(&mut self, params: &[Value<'_>]) -> Result<(), StoreError> {
        if params.len() != self.parameters {
            return Err(StoreError::Corrupt(format!(
                "{} values for a statement with {} parameters",
                params.len(),
                self.parameters
            )));
        }
        for (i, value) in params.iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| StoreError::Corrupt("too many parameters".into()))?;
            let stmt = self.stmt.as_ptr();
            // SAFETY: `stmt` is a live statement. Text is bound with
            // SQLITE_STATIC: the caller (execute/query) clears the bindings
            // before `params` can go out of scope.
            let code = unsafe {
                match *value {
                    Value::Null => ffi::sqlite3_bind_null(stmt, index),
                    Value::Int(v) => ffi::sqlite3_bind_int64(stmt, index, v),
                    Value::Real(v) => ffi::sqlite3_bind_double(stmt, index, v),
                    Value::Bool(v) => ffi::sqlite3_bind_int64(stmt, index, i64::from(v)),
                    Value::Text(t) => match c_int::try_from(t.len()) {
                        Ok(n) => {
                            ffi::sqlite3_bind_text(stmt, index, t.as_ptr().cast::<c_char>(), n, ffi::SQLITE_STATIC())
                        }
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                }
            };
            if code != ffi::SQLITE_OK {
                return Err(error(self.db, code, "bind"));
            }
        }
        Ok(())
    }

    /// Resets the statement and forgets its bindings, whatever happened.
    fn finish(&mut self) {
        // SAFETY: `stmt` is a live statement. The result of reset repeats
        // the last step's error, which the caller has already seen.
        unsafe {
            ffi::sqlite3_reset(self.stmt.as_ptr());
            ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
        }
    }

    fn step(&mut self) -> c_int {
        // SAFETY: `stmt` is a live statement with its parameters bound.
        unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) }
    }

    /// Runs the statement once with `params`, ignoring any rows.
    pub(crate) fn execute(&mut self, params: &[Value<'_>]) -> Result<(), StoreError> {
        let result = self.bind(params).and_then(|()| {
            loop {
                match self.step() {
                    ffi::SQLITE_DONE => break Ok(()),
                    ffi::SQLITE_ROW => continue,
                    code => break Err(error(self.db, code, "step")),
                }
            }
        });
        self.finish();
        result
    }

    /// Runs the statement with `params`, calling `each` for every row.
    pub(crate) fn query<E: From<StoreError>>(
        &mut self,
        params: &[Value<'_>],
        mut each: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let result = self.bind(params).map_err(E::from).and_then(|()| {
            loop {
                match self.step() {
                    ffi::SQLITE_DONE => break Ok(()),
                    ffi::SQLITE_ROW => each(&Row { stmt: self.stmt, _step: PhantomData })?,
                    code => break Err(E::from(error(self.db, code, "step"))),
                }
            }
        });
        self.finish();
        result
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` was prepared on a connection that is still open
        // (borrowed for 'c) and is finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The current row of a [`Statement::query`].
pub(crate) struct Row<'s> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _step: PhantomData<&'s ()>,
}

impl Row<'_> {
    fn is_null(&self, i: c_int) -> bool {
        // SAFETY: the statement is on a row (we are inside `query`'s callback).
        unsafe { ffi::sqlite3_column_type(self.stmt.as_ptr(), i) == ffi::SQLITE_NULL }
    }

    /// Column `i` as an integer; `None` when NULL.
    pub(crate) fn int(&self, i: c_int) -> Option<i64> {
        if self.is_null(i) {
            return None;
        }
        // SAFETY: as in `is_null`.
        Some(unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), i) })
    }

    /// Column `i` as a floating-point number; `None` when NULL.
    pub(crate) fn real(&self, i: c_int) -> Option<f64> {
        if self.is_null(i) {
            return None;
        }
        // SAFETY: as in `is_null`.
        Some(unsafe { ffi::sqlite3_column_double(self.stmt.as_ptr(), i) })
    }

    /// Column `i` as text; `None` when NULL. Borrowed until the next step.
    pub(crate) fn text(&self, i: c_int) -> Result<Option<&str>, StoreError> {
        if self.is_null(i) {
            return Ok(None);
        }
        // SAFETY: as in `is_null`. sqlite3_column_text is called before
        // sqlite3_column_bytes, as SQLite documents, and the bytes stay
        // valid until the statement steps, resets or is finalized, none of
        // which can happen while this `Row` is borrowed.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.stmt.as_ptr(), i);
            let n = ffi::sqlite3_column_bytes(self.stmt.as_ptr(), i);
            if p.is_null() {
                return Ok(None);
            }
            std::slice::from_raw_parts(p, usize::try_from(n).unwrap_or(0))
        };
        std::str::from_utf8(bytes).map(Some).map_err(|e| StoreError::Corrupt(format!("column {i} is not UTF-8: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection as _;

    /// With a single worker thread, a task spawned by the one that then
    /// blocks still runs while it blocks.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn blocking_work_lets_other_tasks_run() {
        let on_worker = tokio::spawn(async {
            let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = ran.clone();
            tokio::spawn(async move { flag.store(true, std::sync::atomic::Ordering::SeqCst) });
            blocking(|| {
                let start = std::time::Instant::now();
                while start.elapsed() < std::time::Duration::from_secs(10) {
                    if ran.load(std::sync::atomic::Ordering::SeqCst) {
                        return true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                false
            })
        });
        assert!(on_worker.await.expect("join"), "the other task waited for the blocking work");
        // On a single-threaded runtime it simply runs.
        let value = tokio::task::spawn_blocking(|| {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            rt.block_on(async { blocking(|| 7) })
        });
        assert_eq!(value.await.expect("join"), 7);
    }

    #[tokio::test]
    async fn binds_steps_and_reads_in_place() {
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.expect("connect");
        let mut handle = conn.lock_handle().await.expect("lock");
        let db = Connection::of(&mut handle);
        db.execute("CREATE TABLE t (a INTEGER, b TEXT)").expect("create");
        let mut insert = db.prepare("INSERT INTO t (a, b) VALUES (?, ?)").expect("prepare");
        for (a, b) in [(Some(1), Some("one")), (None, Some("ünï")), (Some(3), None)] {
            let text = b.map(str::to_string);
            insert.execute(&[a.into(), text.as_deref().into()]).expect("insert");
        }
        assert!(insert.execute(&[Value::Int(1)]).is_err(), "every parameter must be given");
        insert.execute(&[Value::Int(1), Value::Null]).expect("insert");
        // Two statements prepared side by side on one connection.
        let mut select = db.prepare("SELECT a, b FROM t WHERE rowid >= ? ORDER BY rowid").expect("p");
        let mut seen = Vec::new();
        select
            .query::<StoreError>(&[Value::Int(1)], |row| {
                seen.push((row.int(0), row.text(1)?.map(str::to_string)));
                Ok(())
            })
            .expect("query");
        assert_eq!(
            seen,
            vec![(Some(1), Some("one".to_string())), (None, Some("ünï".to_string())), (Some(3), None), (Some(1), None)]
        );
        // Run again: the statement was reset and its bindings cleared.
        let mut count = 0;
        select
            .query::<StoreError>(&[Value::Int(4)], |_| {
                count += 1;
                Ok(())
            })
            .expect("again");
        assert_eq!(count, 1);
        // Errors are reported, not panicked on, and leave the statement usable.
        let err = select.query::<StoreError>(&[Value::Int(1)], |_| Err(StoreError::Corrupt("stop".into())));
        assert!(matches!(err, Err(StoreError::Corrupt(m)) if m == "stop"));
        drop(select);
        drop(insert);
        assert!(db.prepare("SELEKT 1").is_err());
        assert!(db.prepare("INSERT INTO nowhere VALUES (?)").is_err());
        let mut bad = db.prepare("INSERT INTO t (a) VALUES (json(?))").expect("prepare");
        assert!(bad.execute(&[Value::Text("{not json")]).is_err());
        bad.execute(&[Value::Text("7")]).expect("valid after an error");
    }
}
