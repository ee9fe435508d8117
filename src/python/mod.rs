//! The Python door: `sqlite_ml._sqlite_ml`. It registers every `sqml_*`
//! function on a Python `sqlite3.Connection` with `create_function`, so it
//! works on Pythons built without extension loading. The core reaches SQL
//! through [`port::PyDb`], which runs statements on that same connection.

mod convert;
mod port;

use std::cell::RefCell;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyWeakrefReference};
use sqlite_ml_core::{FunctionSpec, FUNCTIONS};

thread_local! {
    /// Python's sqlite3 replaces a callback's exception with the fixed text
    /// "user-defined function raised exception"; the real message waits here
    /// for `sqlite_ml.Connection` to put it back (see `take_last_error`).
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The connection a registered function runs its statements on. The
/// function object can outlive it (the garbage collector can hand it to
/// anyone), so it never holds a bare pointer:
/// - a weak reference where the connection takes one (`sqlite_ml.Connection`
///   and other Python subclasses): the connection is freed as usual, and a
///   call after that fails cleanly;
/// - otherwise (a plain `sqlite3.Connection`, which takes no weak
///   references) a strong one. That makes a cycle the garbage collector
///   cannot see (connection -> SQLite -> function -> connection), broken by
///   `close()`, which drops the functions; a call after `close()` meets
///   Python's "Cannot operate on a closed database".
enum ConnectionRef {
    Weak(Py<PyWeakrefReference>),
    Strong(Py<PyAny>),
}

impl ConnectionRef {
    fn new(conn: &Bound<'_, PyAny>) -> ConnectionRef {
        match PyWeakrefReference::new(conn) {
            Ok(weak) => ConnectionRef::Weak(weak.unbind()),
            Err(_) => ConnectionRef::Strong(conn.clone().unbind()),
        }
    }

    fn get<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        match self {
            ConnectionRef::Weak(weak) => weak.bind(py).upgrade(),
            ConnectionRef::Strong(conn) => Some(conn.bind(py).clone()),
        }
    }
}

/// One `sqml_*` function as a Python callable.
#[pyclass(module = "sqlite_ml._sqlite_ml", frozen)]
struct SqlFunction {
    spec: &'static FunctionSpec,
    conn: ConnectionRef,
    connection_id: u64,
}

#[pymethods]
impl SqlFunction {
    #[pyo3(signature = (*args))]
    fn __call__(&self, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let py = args.py();
        let result = match self.conn.get(py) {
            None => Err(format!(
                "{}: the connection this function was registered on is closed",
                self.spec.name
            )),
            Some(conn) => {
                let objects: Vec<_> = args.iter().collect();
                convert::call_args(self.spec, &objects).and_then(|args| {
                    let mut db = port::PyDb::in_call(conn, &args, self.connection_id);
                    sqlite_ml_core::call(self.spec, &mut db, &args)
                })
            }
        };
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

/// Registers every `sqml_*` function on `conn`, a `sqlite3.Connection`. It
/// writes nothing: the catalog is created by the first call that writes.
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
    let connection_id = sqlite_ml_core::next_connection_id();
    for spec in FUNCTIONS {
        for &arity in spec.arities {
            let function = Py::new(
                py,
                SqlFunction {
                    spec,
                    conn: ConnectionRef::new(conn),
                    connection_id,
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
