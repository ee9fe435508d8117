//! The Python door: `sqlite_ml._sqlite_ml`. It registers every `sqml_*`
//! function on a Python `sqlite3.Connection` with `create_function`, so it
//! works on Pythons built without extension loading. The core reaches SQL
//! through [`port::PyDb`], which runs statements on that same connection.

mod convert;
mod port;

use std::cell::RefCell;
use std::ptr::NonNull;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use sqlite_ml_core::{FunctionSpec, FUNCTIONS};

thread_local! {
    /// Python's sqlite3 replaces a callback's exception with the fixed text
    /// "user-defined function raised exception"; the real message waits here
    /// for `sqlite_ml.Connection` to put it back (see `take_last_error`).
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The connection a registered function runs its statements on, held without
/// a reference count. `sqlite3.Connection` supports no weak references, and a
/// strong one would make a cycle (connection -> function -> connection) that
/// the garbage collector cannot see, so the connection would never close.
/// Not owning it is sound because only that connection holds the function:
/// SQLite calls it while the connection is open, and drops it when it closes.
struct ConnectionPtr(NonNull<pyo3::ffi::PyObject>);

// SAFETY: the pointer is only dereferenced inside `__call__`, which Python
// runs with the thread attached to the interpreter, on a live connection.
unsafe impl Send for ConnectionPtr {}
unsafe impl Sync for ConnectionPtr {}

/// One `sqml_*` function as a Python callable.
#[pyclass(module = "sqlite_ml._sqlite_ml", frozen)]
struct SqlFunction {
    spec: &'static FunctionSpec,
    conn: ConnectionPtr,
}

#[pymethods]
impl SqlFunction {
    #[pyo3(signature = (*args))]
    fn __call__(&self, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let py = args.py();
        // SAFETY: see `ConnectionPtr`.
        let conn = unsafe { Bound::from_borrowed_ptr(py, self.conn.0.as_ptr()) };
        let result = convert::args_to_values(self.spec, args).and_then(|values| {
            let args: Vec<_> = values.iter().map(|v| v.as_arg()).collect();
            let mut db = port::PyDb::in_call(conn, &values);
            sqlite_ml_core::call(self.spec, &mut db, &args)
        });
        match result {
            Ok(value) => convert::value_to_py(py, value),
            Err(message) => {
                LAST_ERROR.with(|last| *last.borrow_mut() = Some(message.clone()));
                Err(pyo3::exceptions::PyRuntimeError::new_err(message))
            }
        }
    }

    fn __repr__(&self) -> String {
        format!("<sqlite-ml function {}>", self.spec.name)
    }
}

/// Registers every `sqml_*` function on `conn`, a `sqlite3.Connection`, and
/// creates the catalog when the database is writable.
#[pyfunction]
fn register(conn: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = conn.py();
    let connection_type = py.import("sqlite3")?.getattr("Connection")?;
    if !conn.is_instance(&connection_type)? {
        return Err(PyTypeError::new_err(format!(
            "register() needs a sqlite3.Connection, not {}",
            conn.get_type().name()?
        )));
    }
    let ptr = NonNull::new(conn.as_ptr()).expect("a bound object is never null");
    for spec in FUNCTIONS {
        for &arity in spec.arities {
            let function = Py::new(
                py,
                SqlFunction {
                    spec,
                    conn: ConnectionPtr(ptr),
                },
            )?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("deterministic", spec.flags.deterministic)?;
            conn.call_method(
                "create_function",
                (spec.name, arity, function),
                Some(&kwargs),
            )?;
        }
    }
    sqlite_ml_core::on_load(&mut port::PyDb::new(conn.clone()));
    Ok(())
}

/// The message of the last `sqml_*` failure on this thread, once.
#[pyfunction]
fn take_last_error() -> Option<String> {
    LAST_ERROR.with(|last| last.borrow_mut().take())
}

/// Forgets any pending failure message (called before each statement).
#[pyfunction]
fn clear_last_error() {
    LAST_ERROR.with(|last| *last.borrow_mut() = None);
}

#[pymodule]
fn _sqlite_ml(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", sqlite_ml_core::VERSION)?;
    let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    m.add("FUNCTION_NAMES", names)?;
    m.add_function(wrap_pyfunction!(register, m)?)?;
    m.add_function(wrap_pyfunction!(take_last_error, m)?)?;
    m.add_function(wrap_pyfunction!(clear_last_error, m)?)?;
    Ok(())
}
