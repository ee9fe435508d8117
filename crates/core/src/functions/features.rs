//! Feature rows from the arguments of the predict functions.

use serde_json::Value as Json;

use crate::json::json_type;
use crate::ml::plan::Cell;
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
    let names: Vec<&str> = model.feature_names().collect();
    match value {
        Json::Object(object) => {
            let unknown: Vec<&str> = object
                .keys()
                .filter(|k| model.feature_column(k).is_none() && !model.is_left_out(k))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "unknown feature{} {}; the model takes {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    quoted(unknown.iter().copied()),
                    quoted(names.iter().copied())
                )));
            }
            names
                .iter()
                .enumerate()
                .map(|(column, name)| match object.get(*name) {
                    Some(v) => cell(model, column, name, v),
                    None => Err(Error::InvalidArgument(format!(
                        "missing feature '{name}'; the model takes {}",
                        quoted(names.iter().copied())
                    ))),
                })
                .collect()
        }
        Json::Array(items) => {
            let items = used(model, items, "an array of")?;
            items
                .iter()
                .zip(&names)
                .enumerate()
                .map(|(column, (v, name))| cell(model, column, name, v))
                .collect()
        }
        other => Err(Error::InvalidArgument(format!(
            "features must be a JSON object or array, not {}; expected {}",
            json_type(other),
            expected(model)
        ))),
    }
}

/// Features given one argument each.
pub fn positional(model: &Model, args: &[Arg<'_>]) -> Result<Vec<f64>, Error> {
    let args = used(model, args, "")?;
    args.iter()
        .zip(model.feature_names())
        .enumerate()
        .map(|(column, (arg, name))| {
            let cell = match *arg {
                Arg::Null => Cell::Null,
                Arg::Integer(i) => Cell::Number(i as f64),
                Arg::Real(r) if r.is_finite() => Cell::Number(r),
                Arg::Text(t) => Cell::Text(t),
                other => {
                    return Err(Error::InvalidArgument(format!(
                        "feature '{name}' must be a finite number, text or NULL, not {}",
                        other.type_name()
                    )))
                }
            };
            model.resolve(column, cell)
        })
        .collect()
}

/// The values of the model's features: all of `values` when they are one
/// per feature, else those of the features among one value per column read
/// for the training (left-out columns included).
fn used<'v, T: Clone>(
    model: &Model,
    values: &'v [T],
    given: &str,
) -> Result<std::borrow::Cow<'v, [T]>, Error> {
    let inputs = model.input_columns();
    if values.len() == model.n_features() {
        return Ok(std::borrow::Cow::Borrowed(values));
    }
    if values.len() == inputs.len() {
        return Ok(values
            .iter()
            .zip(inputs)
            .filter(|(_, column)| column.is_some())
            .map(|(v, _)| v.clone())
            .collect());
    }
    let counts = if inputs.len() == model.n_features() {
        format!("{}", model.n_features())
    } else {
        format!(
            "{} features (or one value for each of the {} columns it was trained on)",
            model.n_features(),
            inputs.len()
        )
    };
    let got = if given.is_empty() {
        format!("{} values", values.len())
    } else {
        format!("{given} {}", values.len())
    };
    Err(Error::InvalidArgument(
        if inputs.len() == model.n_features() {
            format!("the model takes {counts} features, got {got}")
        } else {
            format!("the model takes {counts}, got {got}")
        },
    ))
}

fn cell(model: &Model, column: usize, name: &str, value: &Json) -> Result<f64, Error> {
    let cell = match value {
        Json::Null => Cell::Null,
        Json::String(t) => Cell::Text(t),
        Json::Number(n) => match n.as_f64() {
            Some(v) if v.is_finite() => Cell::Number(v),
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "feature '{name}' must be a finite number"
                )))
            }
        },
        other => {
            return Err(Error::InvalidArgument(format!(
                "feature '{name}' must be a number, text or null, not {}",
                json_type(other)
            )))
        }
    };
    model.resolve(column, cell)
}

fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn expected(model: &Model) -> String {
    format!(
        "an object with {} or an array of {} values",
        quoted(model.feature_names()),
        model.n_features()
    )
}
