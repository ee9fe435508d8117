//! The one narrow port through which the core reaches SQL.

use std::sync::Arc;

use crate::ml::Model;
use crate::{Arg, Error, Value};

/// A database connection as the core needs it. The SQLite door implements it
/// over a rusqlite connection, the Python door over a `sqlite3.Connection`.
pub trait Db {
    /// Which door this connection came through (`sqml_debug()` reports it).
    fn door(&self) -> &'static str;

    /// Runs one statement, calling `row` with each result row's values.
    /// Statements read columns as expressions (`+name`): on Python's
    /// sqlite3, a converter registered for a column's declared type would
    /// otherwise hand back Python objects in place of the stored values.
    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error>;

    /// As [`Db::query`], and every [`ROWS_BETWEEN_CALLS`] rows calls
    /// `between` with a second handle on the same connection, which may run
    /// statements of its own while this one is part way (a long read probes
    /// the connection so; see `control.rs`).
    fn query_watched(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
        between: &mut dyn FnMut(&mut dyn Db) -> Result<(), Error>,
    ) -> Result<(), Error>;

    /// Runs one statement that returns no rows; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, Error>;

    /// The rowid of the last row inserted through this connection.
    fn last_insert_rowid(&mut self) -> Result<i64, Error>;

    /// True when no transaction is open (SQLite's autocommit mode).
    fn is_autocommit(&mut self) -> Result<bool, Error>;

    /// Runs `work`, which touches neither the connection nor the host, with
    /// the host's locks let go where the door holds one (Python's GIL), so
    /// that the host's other threads run during a long fit.
    fn unlocked(&mut self, work: &mut (dyn FnMut() + Send)) {
        work()
    }

    /// The number [`crate::next_connection_id`] gave this connection when
    /// the functions were registered on it.
    fn connection_id(&self) -> u64;

    /// The model kept with the current statement's first argument (SQLite's
    /// auxdata), if the door has such a place and one was kept.
    fn statement_model(&mut self) -> Option<Kept> {
        None
    }

    /// Keeps `model` with the current statement's first argument, for the
    /// rows that follow. SQLite drops it when the statement ends or the
    /// argument changes.
    fn keep_for_statement(&mut self, _kept: Kept) {}
}

/// What [`Db::query_watched`] calls between rows, with a second handle.
pub type Between<'a> = &'a mut dyn FnMut(&mut dyn Db) -> Result<(), Error>;

/// How many rows [`Db::query_watched`] reads between two calls of `between`.
pub const ROWS_BETWEEN_CALLS: usize = 1024;

/// A deployed model kept for the rest of a statement, with the count of
/// deployments made in the process when it was looked up: once another is
/// made (by this statement, say), the model is looked up again.
#[derive(Clone)]
pub struct Kept {
    pub model: Arc<Model>,
    pub deployments: u64,
}

/// The first column of the first row a query returns, if it returns any.
pub fn query_optional(
    db: &mut dyn Db,
    sql: &str,
    params: &[Value],
) -> Result<Option<Value>, Error> {
    let mut first = None;
    db.query(sql, params, &mut |row| {
        if first.is_none() {
            first = Some(row.first().map_or(Value::Null, Arg::to_value));
        }
        Ok(())
    })?;
    Ok(first)
}

/// Runs a query expected to return one row and one column.
pub fn query_scalar(db: &mut dyn Db, sql: &str, params: &[Value]) -> Result<Value, Error> {
    query_optional(db, sql, params)?
        .ok_or_else(|| Error::Sql(format!("no row returned by `{sql}`")))
}
