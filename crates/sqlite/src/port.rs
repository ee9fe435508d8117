//! The core's [`Db`] port over a rusqlite connection.

use std::sync::Arc;

use rusqlite::functions::Context;
use rusqlite::types::ValueRef;
use rusqlite::{params_from_iter, Connection};
use sqlite_ml_core::ml::Model;
use sqlite_ml_core::{Arg, Db, Error, Value};

use crate::to_sql;

pub struct RusqliteDb<'c> {
    conn: &'c Connection,
    /// The calling function's context, for auxdata; None outside a call.
    ctx: Option<&'c Context<'c>>,
}

impl<'c> RusqliteDb<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        Self { conn, ctx: None }
    }

    pub fn in_call(conn: &'c Connection, ctx: &'c Context<'c>) -> Self {
        Self {
            conn,
            ctx: Some(ctx),
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
        let mut stmt = self.conn.prepare_cached(sql).map_err(sql_error)?;
        let width = stmt.column_count();
        let mut rows = stmt
            .query(params_from_iter(params(values)))
            .map_err(sql_error)?;
        while let Some(r) = rows.next().map_err(sql_error)? {
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

    fn statement_model(&mut self) -> Option<Arc<Model>> {
        let ctx = self.ctx.filter(|ctx| !ctx.is_empty())?;
        let kept = ctx.get_aux::<Arc<Model>>(0).ok().flatten()?;
        Some(Arc::clone(&kept))
    }

    fn keep_for_statement(&mut self, model: Arc<Model>) {
        if let Some(ctx) = self.ctx.filter(|ctx| !ctx.is_empty()) {
            // Failing to keep it only means the next row looks it up again.
            let _ = ctx.set_aux(0, model);
        }
    }
}
