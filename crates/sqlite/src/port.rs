//! The core's [`Db`] port over a rusqlite connection.

use rusqlite::functions::Context;
use rusqlite::types::ValueRef;
use rusqlite::{params_from_iter, Connection};
use sqlite_ml_core::{Arg, Between, Db, Error, Kept, Value, ROWS_BETWEEN_CALLS};

use crate::to_sql;

pub struct RusqliteDb<'c> {
    conn: &'c Connection,
    /// The calling function's context, for auxdata.
    ctx: &'c Context<'c>,
    connection_id: u64,
}

impl<'c> RusqliteDb<'c> {
    pub fn in_call(conn: &'c Connection, ctx: &'c Context<'c>, connection_id: u64) -> Self {
        Self {
            conn,
            ctx,
            connection_id,
        }
    }
}

fn sql_error(err: rusqlite::Error) -> Error {
    Error::Sql(err.to_string())
}

fn params(values: &[Value]) -> impl Iterator<Item = rusqlite::types::Value> + '_ {
    values.iter().cloned().map(to_sql)
}

impl Db for RusqliteDb<'_> {
    fn door(&self) -> &'static str {
        "sqlite"
    }

    fn query(
        &mut self,
        sql: &str,
        values: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.rows(sql, values, row, None)
    }

    fn query_watched(
        &mut self,
        sql: &str,
        values: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
        between: &mut dyn FnMut(&mut dyn Db) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.rows(sql, values, row, Some(between))
    }

    fn execute(&mut self, sql: &str, values: &[Value]) -> Result<usize, Error> {
        self.conn
            .execute(sql, params_from_iter(params(values)))
            .map_err(sql_error)
    }

    fn last_insert_rowid(&mut self) -> Result<i64, Error> {
        Ok(self.conn.last_insert_rowid())
    }

    fn is_autocommit(&mut self) -> Result<bool, Error> {
        Ok(self.conn.is_autocommit())
    }

    fn connection_id(&self) -> u64 {
        self.connection_id
    }

    fn statement_model(&mut self) -> Option<Kept> {
        if self.ctx.is_empty() {
            return None;
        }
        let kept = self.ctx.get_aux::<Kept>(0).ok().flatten()?;
        Some(Kept::clone(&kept))
    }

    fn keep_for_statement(&mut self, kept: Kept) {
        if !self.ctx.is_empty() {
            // Failing to keep it only means the next row looks it up again.
            let _ = self.ctx.set_aux(0, kept);
        }
    }
}

impl RusqliteDb<'_> {
    fn rows(
        &self,
        sql: &str,
        values: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
        mut between: Option<Between<'_>>,
    ) -> Result<(), Error> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(sql_error)?;
        let width = stmt.column_count();
        let mut rows = stmt
            .query(params_from_iter(params(values)))
            .map_err(sql_error)?;
        let mut count = 0usize;
        while let Some(r) = rows.next().map_err(sql_error)? {
            count += 1;
            if let Some(between) = between.as_mut() {
                if count % ROWS_BETWEEN_CALLS == 0 {
                    // SQLite lets other statements of the connection run
                    // while this one is part way.
                    let mut second = RusqliteDb::in_call(self.conn, self.ctx, self.connection_id);
                    between(&mut second)?;
                }
            }
            let mut args = Vec::with_capacity(width);
            for i in 0..width {
                args.push(match r.get_ref(i).map_err(sql_error)? {
                    ValueRef::Null => Arg::Null,
                    ValueRef::Integer(i) => Arg::Integer(i),
                    ValueRef::Real(f) => Arg::Real(f),
                    ValueRef::Text(t) => Arg::Text(
                        std::str::from_utf8(t)
                            .map_err(|_| Error::Sql(format!("column {i} holds invalid UTF-8")))?,
                    ),
                    ValueRef::Blob(b) => Arg::Blob(b),
                });
            }
            row(&args)?;
        }
        Ok(())
    }
}
