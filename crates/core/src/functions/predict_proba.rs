//! `sqml_predict_proba(experiment_or_model_id, features)`: each class's
//! probability for one row, as a JSON object from each class label (as
//! text) to its probability, in the order of the labels. The features come
//! as for `sqml_predict`.

use std::fmt::Write;

use ndarray::ArrayView1;

use super::predict::one_row;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let (model, x) = one_row(db, args)?;
    let probabilities = model.probabilities(x)?;
    let keys = model.label_keys()?;
    let mut out = String::with_capacity(16 + keys.len() * 32);
    object(keys, probabilities.row(0), &mut out);
    Ok(Value::Text(out))
}

/// Appends `{"label":p,...}`.
pub fn object(keys: &[String], probabilities: ArrayView1<'_, f64>, out: &mut String) {
    out.push('{');
    for (i, (key, p)) in keys.iter().zip(probabilities).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        // serde_json's shortest round-trip form, as every other number we return.
        let _ = write!(out, "{}", serde_json::Value::from(*p));
    }
    out.push('}');
}
