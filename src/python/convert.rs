//! Conversions between Python objects and the core's SQL values.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt, PyString, PyTuple};
use sqlite_ml_core::{FunctionSpec, Value};

/// Converts what Python's sqlite3 hands a function (None, int, float, str, bytes).
pub fn args_to_values(
    spec: &FunctionSpec,
    args: &Bound<'_, PyTuple>,
) -> Result<Vec<Value>, String> {
    args.iter()
        .enumerate()
        .map(|(i, arg)| {
            py_to_value(&arg).map_err(|err| format!("{}: argument {}: {err}", spec.name, i + 1))
        })
        .collect()
}

pub fn py_to_value(obj: &Bound<'_, PyAny>) -> Result<Value, String> {
    if obj.is_none() {
        Ok(Value::Null)
    } else if obj.is_instance_of::<PyInt>() {
        obj.extract::<i64>()
            .map(Value::Integer)
            .map_err(|e| e.to_string())
    } else if obj.is_instance_of::<PyFloat>() {
        obj.extract::<f64>()
            .map(Value::Real)
            .map_err(|e| e.to_string())
    } else if let Ok(text) = obj.cast::<PyString>() {
        text.to_cow()
            .map(|t| Value::Text(t.into_owned()))
            .map_err(|e| e.to_string())
    } else if let Ok(bytes) = obj.cast::<PyBytes>() {
        Ok(Value::Blob(bytes.as_bytes().to_vec()))
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
