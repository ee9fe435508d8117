//! The core's [`Db`] port over a Python `sqlite3.Connection`, for Pythons
//! that cannot load the standalone extension.

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use sqlite_ml_core::{Arg, Between, Db, Error, Kept, Value, ROWS_BETWEEN_CALLS};
use std::cell::RefCell;

use super::convert::{py_to_arg, value_to_py};

thread_local! {
    /// The model kept for one statement: (statement id, experiment, model).
    static STATEMENT_MODEL: RefCell<Option<(u64, String, Kept)>> = const { RefCell::new(None) };
}

pub struct PyDb<'py> {
    conn: Bound<'py, PyAny>,
    last_rowid: i64,
    /// The call's first argument when it is text (the experiment, for predictions).
    first_arg: Option<String>,
    connection_id: u64,
}

impl<'py> PyDb<'py> {
    pub fn in_call(conn: Bound<'py, PyAny>, args: &[Arg<'_>], connection_id: u64) -> Self {
        let first_arg = match args.first() {
            Some(Arg::Text(text)) => Some(text.to_string()),
            _ => None,
        };
        Self {
            conn,
            last_rowid: 0,
            first_arg,
            connection_id,
        }
    }

    /// The id `sqlite_ml.Connection` gives each statement it starts (unique in
    /// the process); None on other connections, which cannot tell where a
    /// statement begins.
    fn statement_id(&self) -> Option<u64> {
        self.conn.getattr("_sqml_statement").ok()?.extract().ok()
    }

    fn rows(
        &self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
        mut between: Option<Between<'_>>,
    ) -> Result<(), Error> {
        let _plain = PlainText::new(&self.conn).map_err(sql_error)?;
        let cursor = self.cursor(sql, params).map_err(sql_error)?;
        let mut count = 0usize;
        for item in cursor.try_iter().map_err(sql_error)? {
            count += 1;
            if let Some(between) = between.as_mut() {
                if count % ROWS_BETWEEN_CALLS == 0 {
                    // SQLite lets other statements of the connection run
                    // while this one is part way.
                    let mut second = PyDb {
                        conn: self.conn.clone(),
                        last_rowid: 0,
                        first_arg: None,
                        connection_id: self.connection_id,
                    };
                    between(&mut second)?;
                }
            }
            let tuple = item.map_err(sql_error)?;
            let objects = tuple
                .try_iter()
                .map_err(sql_error)?
                .collect::<PyResult<Vec<_>>>()
                .map_err(sql_error)?;
            let args = objects
                .iter()
                .map(|o| py_to_arg(o).map_err(Error::Sql))
                .collect::<Result<Vec<Arg<'_>>, _>>()?;
            row(&args)?;
        }
        Ok(())
    }

    /// A fresh cursor that yields plain tuples whatever the connection's row_factory.
    /// A plain `sqlite3.Cursor`, not `sqlite_ml.Cursor`: the statements
    /// the core runs inside a call do not start statements of their own
    /// (which would renumber the user's) nor have their errors translated
    /// on the way (the outer call's message says it once).
    fn cursor(&self, sql: &str, params: &[Value]) -> PyResult<Bound<'py, PyAny>> {
        let py = self.conn.py();
        let plain = py.import("sqlite3")?.getattr("Cursor")?;
        let cursor = self.conn.call_method1("cursor", (plain,))?;
        cursor.setattr("row_factory", py.None())?;
        let params = params
            .iter()
            .map(|v| value_to_py(py, v.clone()))
            .collect::<PyResult<Vec<_>>>()?;
        cursor.call_method1("execute", (sql, PyTuple::new(py, params)?))?;
        Ok(cursor)
    }
}

/// Text comes back as `str` while it lives, whatever `text_factory` the
/// user gave the connection (`bytes` would make every name a blob); the
/// user's setting is put back afterwards.
struct PlainText<'py> {
    conn: Bound<'py, PyAny>,
    saved: Option<Bound<'py, PyAny>>,
}

impl<'py> PlainText<'py> {
    fn new(conn: &Bound<'py, PyAny>) -> PyResult<Self> {
        let str_type = conn.py().get_type::<PyString>().into_any();
        let current = conn.getattr("text_factory")?;
        let saved = if current.is(&str_type) {
            None
        } else {
            conn.setattr("text_factory", str_type)?;
            Some(current)
        };
        Ok(PlainText {
            conn: conn.clone(),
            saved,
        })
    }
}

impl Drop for PlainText<'_> {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = self.conn.setattr("text_factory", saved);
        }
    }
}

/// A Python exception raised while a statement ran. Python raises a
/// pending Ctrl-C at the first bytecode it runs (in a `sqlite_ml.Cursor`,
/// say): that stops the call as interrupted.
fn sql_error(err: PyErr) -> Error {
    Python::attach(|py| {
        if err.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
            super::note_ctrl_c();
            return Error::Interrupted("Ctrl-C".into());
        }
        let message = err.value(py).to_string();
        // A nested sqml_* call failed: its own message waits in LAST_ERROR.
        match super::take_last_error() {
            Some(inner) if message == super::CALLBACK_FAILED => Error::Sql(inner),
            _ => Error::Sql(message),
        }
    })
}

impl Db for PyDb<'_> {
    fn door(&self) -> &'static str {
        "python"
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.rows(sql, params, row, None)
    }

    fn query_watched(
        &mut self,
        sql: &str,
        params: &[Value],
        row: &mut dyn FnMut(&[Arg<'_>]) -> Result<(), Error>,
        between: &mut dyn FnMut(&mut dyn Db) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.rows(sql, params, row, Some(between))
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, Error> {
        let cursor = self.cursor(sql, params).map_err(sql_error)?;
        if let Ok(rowid) = cursor.getattr("lastrowid").and_then(|r| r.extract::<i64>()) {
            self.last_rowid = rowid;
        }
        let changed: i64 = cursor
            .getattr("rowcount")
            .and_then(|r| r.extract())
            .map_err(sql_error)?;
        Ok(changed.max(0) as usize)
    }

    fn last_insert_rowid(&mut self) -> Result<i64, Error> {
        Ok(self.last_rowid)
    }

    /// Only `sqlite_ml.Connection` lets the GIL go: it runs its statements
    /// one at a time, so no other thread can be waiting for SQLite's
    /// connection mutex while holding the GIL that this call needs back.
    fn unlocked(&mut self, work: &mut (dyn FnMut() + Send)) {
        if self.conn.hasattr("_sqml_lock").unwrap_or(false) {
            self.conn.py().detach(work)
        } else {
            work()
        }
    }

    fn connection_id(&self) -> u64 {
        self.connection_id
    }

    fn statement_model(&mut self) -> Option<Kept> {
        let id = self.statement_id()?;
        let experiment = self.first_arg.as_deref()?;
        STATEMENT_MODEL.with(|kept| match &*kept.borrow() {
            Some((kept_id, kept_experiment, model))
                if *kept_id == id && kept_experiment == experiment =>
            {
                Some(model.clone())
            }
            _ => None,
        })
    }

    fn keep_for_statement(&mut self, model: Kept) {
        if let (Some(id), Some(experiment)) = (self.statement_id(), self.first_arg.clone()) {
            STATEMENT_MODEL.with(|kept| *kept.borrow_mut() = Some((id, experiment, model)));
        }
    }

    fn is_autocommit(&mut self) -> Result<bool, Error> {
        let in_transaction: bool = self
            .conn
            .getattr("in_transaction")
            .and_then(|v| v.extract())
            .map_err(sql_error)?;
        Ok(!in_transaction)
    }
}
