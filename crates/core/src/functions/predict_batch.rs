//! `sqml_predict_batch(experiment, rows)`: `rows` is a JSON array of feature
//! objects or arrays; returns a JSON array of predictions in the same order.

use std::sync::Arc;

use ndarray::Array2;
use serde_json::Value as Json;

use super::model_cache::Wanted;
use super::{fast_json, features, model_cache};
use crate::control::{Control, Phase, Watch};
use crate::ml::Model;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let (model, values) = read_rows(db, args)?;
    let width = model.n_features();
    let rows = values.len() / width.max(1);
    // A short batch is not worth a watching thread.
    if rows < WATCHED_ROWS {
        return predictions_json(&model, values, width, &Control::new());
    }
    let mut watch = Watch::start(db);
    watch.begin(db, Phase::Predicting, Some(rows as u64))?;
    watch.run(db, |control| {
        predictions_json(&model, values, width, control)
    })
}

/// Batches of this many rows or more are predicted on a thread of their
/// own, the calling thread watching for an interrupt.
pub const WATCHED_ROWS: usize = 2048;

/// The model argument 1 asks for, and the feature rows argument 2 gives,
/// one after the other.
pub fn read_rows(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<(Arc<Model>, Vec<f64>), Error> {
    let wanted = Wanted::of(args)?;
    let json = match args.get(1) {
        Some(Arg::Text(json)) => *json,
        Some(other) => {
            return Err(Error::InvalidArgument(format!(
                "rows (argument 2) must be a JSON array, not {}",
                other.type_name()
            )))
        }
        None => {
            return Err(Error::InvalidArgument(
                "rows (argument 2) are missing".into(),
            ))
        }
    };
    let model = model_cache::active(db, wanted)?;
    let mut values = Vec::new();
    if fast_json::rows(&model, json, &mut values) {
        return Ok((model, values));
    }
    let parsed: Json = serde_json::from_str(json)
        .map_err(|e| Error::InvalidArgument(format!("rows are not valid JSON ({e})")))?;
    let Json::Array(rows) = parsed else {
        return Err(Error::InvalidArgument(
            "rows must be a JSON array of feature objects or arrays".into(),
        ));
    };
    values.clear();
    for (i, row) in rows.iter().enumerate() {
        let parsed = features::row(&model, row)
            .map_err(|e| Error::InvalidArgument(format!("row {}: {e}", i + 1)))?;
        values.extend(parsed);
    }
    Ok((model, values))
}

fn predictions_json(
    model: &Model,
    values: Vec<f64>,
    width: usize,
    control: &Control,
) -> Result<Value, Error> {
    let x = Array2::from_shape_vec((values.len() / width, width), values)
        .map_err(|e| Error::Sql(e.to_string()))?;
    let predictions: Vec<Json> = model
        .predict_in(x, control)?
        .into_iter()
        .map(|value| match value {
            Value::Integer(i) => Json::from(i),
            Value::Real(r) => Json::from(r),
            Value::Text(t) => Json::from(t),
            Value::Null | Value::Blob(_) => Json::Null,
        })
        .collect();
    Ok(Value::Text(Json::Array(predictions).to_string()))
}
