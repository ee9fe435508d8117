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
    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error>;

    /// Runs one statement that returns no rows; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, Error>;

    /// The rowid of the last row inserted through this connection.
    fn last_insert_rowid(&mut self) -> Result<i64, Error>;

    /// True when no transaction is open (SQLite's autocommit mode).
    fn is_autocommit(&mut self) -> Result<bool, Error>;

    /// The model kept with the current statement's first argument (SQLite's
    /// auxdata), if the door has such a place and one was kept.
    fn statement_model(&mut self) -> Option<Arc<Model>> {
        None
    }

    /// Keeps `model` with the current statement's first argument, for the
    /// rows that follow. SQLite drops it when the statement ends or the
    /// argument changes.
    fn keep_for_statement(&mut self, _model: Arc<Model>) {}
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
