//! The core's [`Db`] port over a Python `sqlite3.Connection`, for Pythons
//! that cannot load the standalone extension.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use sqlite_ml_core::{Arg, Db, Error, Value};

use crate::convert::{py_to_value, value_to_py};

pub struct PyDb<'py> {
    conn: Bound<'py, PyAny>,
    last_rowid: i64,
}

impl<'py> PyDb<'py> {
    pub fn new(conn: Bound<'py, PyAny>) -> Self {
        Self {
            conn,
            last_rowid: 0,
        }
    }

    /// A fresh cursor that yields plain tuples whatever the connection's row_factory.
    fn cursor(&self, sql: &str, params: &[Value]) -> PyResult<Bound<'py, PyAny>> {
        let py = self.conn.py();
        let cursor = self.conn.call_method0("cursor")?;
        cursor.setattr("row_factory", py.None())?;
        let params = params
            .iter()
            .map(|v| value_to_py(py, v.clone()))
            .collect::<PyResult<Vec<_>>>()?;
        cursor.call_method1("execute", (sql, PyTuple::new(py, params)?))?;
        Ok(cursor)
    }
}

fn sql_error(err: PyErr) -> Error {
    Error::Sql(Python::attach(|py| err.value(py).to_string()))
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
        let cursor = self.cursor(sql, params).map_err(sql_error)?;
        for item in cursor.try_iter().map_err(sql_error)? {
            let tuple = item.map_err(sql_error)?;
            let values = tuple
                .try_iter()
                .map_err(sql_error)?
                .map(|v| {
                    v.map_err(sql_error)
                        .and_then(|v| py_to_value(&v).map_err(Error::Sql))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let args: Vec<Arg<'_>> = values.iter().map(Value::as_arg).collect();
            row(&args)?;
        }
        Ok(())
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

    fn is_autocommit(&mut self) -> Result<bool, Error> {
        let in_transaction: bool = self
            .conn
            .getattr("in_transaction")
            .and_then(|v| v.extract())
            .map_err(sql_error)?;
        Ok(!in_transaction)
    }
}
