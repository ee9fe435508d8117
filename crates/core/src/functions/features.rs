//! Feature rows from the arguments of the predict functions.

use serde_json::Value as Json;

use crate::ml::Model;
use crate::{Arg, Error};

/// One row: a JSON object keyed by feature name, or a JSON array in training order.
pub fn json_row(model: &Model, json: &str) -> Result<Vec<f64>, Error> {
    let mut buffer = vec![0.0; model.n_features()];
    if super::fast_json::row(model, json, &mut buffer) {
        return Ok(buffer);
    }
    let parsed: Json = serde_json::from_str(json).map_err(|e| {
        Error::InvalidArgument(format!(
            "features are not valid JSON ({e}); expected {}",
            expected(model)
        ))
    })?;
    row(model, &parsed)
}

pub fn row(model: &Model, value: &Json) -> Result<Vec<f64>, Error> {
    let names = &model.header.feature_names;
    match value {
        Json::Object(object) => {
            let unknown: Vec<&str> = object
                .keys()
                .filter(|k| !names.contains(k))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "unknown feature{} {}; the model takes {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    quoted(unknown.iter().copied()),
                    quoted(names.iter().map(String::as_str))
                )));
            }
            names
                .iter()
                .map(|name| match object.get(name) {
                    Some(v) => number(name, v),
                    None => Err(Error::InvalidArgument(format!(
                        "missing feature '{name}'; the model takes {}",
                        quoted(names.iter().map(String::as_str))
                    ))),
                })
                .collect()
        }
        Json::Array(items) => {
            if items.len() != names.len() {
                return Err(Error::InvalidArgument(format!(
                    "the model takes {} features, got an array of {}",
                    names.len(),
                    items.len()
                )));
            }
            items
                .iter()
                .zip(names)
                .map(|(v, name)| number(name, v))
                .collect()
        }
        other => Err(Error::InvalidArgument(format!(
            "features must be a JSON object or array, not {}; expected {}",
            json_type(other),
            expected(model)
        ))),
    }
}

/// Features given as numbers, one argument each.
pub fn positional(model: &Model, args: &[Arg<'_>]) -> Result<Vec<f64>, Error> {
    let names = &model.header.feature_names;
    if args.len() != names.len() {
        return Err(Error::InvalidArgument(format!(
            "the model takes {} features, got {} numbers",
            names.len(),
            args.len()
        )));
    }
    args.iter()
        .zip(names)
        .map(|(arg, name)| match *arg {
            Arg::Integer(i) => Ok(i as f64),
            Arg::Real(r) if r.is_finite() => Ok(r),
            other => Err(Error::InvalidArgument(format!(
                "feature '{name}' must be a finite number, not {}",
                other.type_name()
            ))),
        })
        .collect()
}

fn number(name: &str, value: &Json) -> Result<f64, Error> {
    match value.as_f64() {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(Error::InvalidArgument(format!(
            "feature '{name}' must be a finite number, not {}",
            json_type(value)
        ))),
    }
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn expected(model: &Model) -> String {
    format!(
        "an object with {} or an array of {} numbers",
        quoted(model.header.feature_names.iter().map(String::as_str)),
        model.n_features()
    )
}
