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

thread_local! {
    /// The callable the `sqml_progress` function hands progress to, set by
    /// the Python helpers around their statements (see `set_progress`).
    static PROGRESS: RefCell<Option<Py<PyAny>>> = const { RefCell::new(None) };
    /// A Ctrl-C that `progress_sink` turned into a stop, for
    /// `sqlite_ml.Connection` to raise as KeyboardInterrupt.
    static CTRL_C: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The `sqml_progress(phase, done, total)` function that `sqlite_ml.load`
/// puts on every connection: the core calls it about every 50 ms of long
/// work. Python runs signal handlers only between its own bytecodes, which
/// a training in Rust (or in the extension) never reaches; this is where a
/// pending Ctrl-C is seen. Returns None to go on, or why to stop.
#[pyfunction]
fn progress_sink(
    py: Python<'_>,
    phase: Option<String>,
    done: Option<i64>,
    total: Option<i64>,
) -> Option<String> {
    if let Err(err) = py.check_signals() {
        if err.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
            note_ctrl_c();
            return Some("Ctrl-C".into());
        }
        return Some(format!("a signal handler raised {err}"));
    }
    let callback = PROGRESS.with(|p| p.borrow().as_ref().map(|c| c.clone_ref(py)))?;
    let phase = phase?;
    match callback.call1(py, (phase, done, total)) {
        Ok(_) => None,
        Err(err) if err.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) => {
            note_ctrl_c();
            Some("Ctrl-C".into())
        }
        Err(err) => Some(format!(
            "the progress callback raised {}: {}",
            err.get_type(py)
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            err.value(py)
        )),
    }
}

/// Sets the callable `progress_sink` calls on this thread (None: none);
/// returns the one it replaces.
#[pyfunction]
#[pyo3(signature = (callback))]
fn set_progress(callback: Option<Py<PyAny>>) -> Option<Py<PyAny>> {
    PROGRESS.with(|p| std::mem::replace(&mut *p.borrow_mut(), callback))
}

/// Remembers that a Ctrl-C stopped a call on this thread.
fn note_ctrl_c() {
    CTRL_C.with(|c| c.set(true));
}

/// True once after `progress_sink` stopped a call for a Ctrl-C on this thread.
#[pyfunction]
fn take_ctrl_c() -> bool {
    CTRL_C.with(|c| c.replace(false))
}

/// The name the core calls the progress function by.
const PROGRESS_FUNCTION: &str = sqlite_ml_core::control::PROGRESS_FUNCTION;

/// What Python's sqlite3 says for any exception a callback raised.
const CALLBACK_FAILED: &str = "user-defined function raised exception";

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
    let direct_only: Vec<&str> = FUNCTIONS
        .iter()
        .filter(|f| f.flags.direct_only)
        .map(|f| f.name)
        .collect();
    m.add("DIRECT_ONLY_NAMES", direct_only)?;
    m.add_function(wrap_pyfunction!(register, m)?)?;
    m.add_function(wrap_pyfunction!(take_last_error, m)?)?;
    m.add_function(wrap_pyfunction!(clear_last_error, m)?)?;
    m.add_function(wrap_pyfunction!(progress_sink, m)?)?;
    m.add_function(wrap_pyfunction!(set_progress, m)?)?;
    m.add_function(wrap_pyfunction!(take_ctrl_c, m)?)?;
    m.add("PROGRESS_FUNCTION", PROGRESS_FUNCTION)?;
    Ok(())
}
