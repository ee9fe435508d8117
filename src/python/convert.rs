//! Conversions between Python objects and the core's SQL values.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt, PyString};
use sqlite_ml_core::{Arg, FunctionSpec, Value};

/// What Python's sqlite3 hands a function (None, int, float, str, bytes),
/// borrowed from the objects.
pub fn call_args<'a>(
    spec: &FunctionSpec,
    objects: &'a [Bound<'_, PyAny>],
) -> Result<Vec<Arg<'a>>, String> {
    objects
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            py_to_arg(arg).map_err(|err| format!("{}: argument {}: {err}", spec.name, i + 1))
        })
        .collect()
}

/// The value `obj` holds, its text or bytes borrowed from it: a table's
/// rows are read without a copy of each text.
pub fn py_to_arg<'a>(obj: &'a Bound<'_, PyAny>) -> Result<Arg<'a>, String> {
    if obj.is_none() {
        Ok(Arg::Null)
    } else if obj.is_instance_of::<PyInt>() {
        obj.extract::<i64>()
            .map(Arg::Integer)
            .map_err(|e| e.to_string())
    } else if obj.is_instance_of::<PyFloat>() {
        obj.extract::<f64>()
            .map(Arg::Real)
            .map_err(|e| e.to_string())
    } else if let Ok(text) = obj.cast::<PyString>() {
        text.to_str().map(Arg::Text).map_err(|e| e.to_string())
    } else if let Ok(bytes) = obj.cast::<PyBytes>() {
        Ok(Arg::Blob(bytes.as_bytes()))
    } else {
        let type_name = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        Err(format!("unsupported Python type {type_name}"))
    }
}

pub fn value_to_py(py: Python<'_>, value: Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Integer(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Real(r) => r.into_pyobject(py)?.into_any().unbind(),
        Value::Text(t) => t.into_pyobject(py)?.into_any().unbind(),
        Value::Blob(b) => PyBytes::new(py, &b).into_any().unbind(),
    })
}
