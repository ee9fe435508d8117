//! `sqml_predict_proba(experiment_or_model_id, features)`: each class's
//! probability for one row, as a JSON object from each class label (as
//! text) to its probability, in the order of the labels. The features come
//! as for `sqml_predict`.

use std::fmt::Write;

use ndarray::ArrayView1;

use super::predict::one_row;
use crate::ml::{Label, Model};
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let (model, x) = one_row(db, args)?;
    let probabilities = model.probabilities(x)?;
    let keys = keys(&model)?;
    let mut out = String::with_capacity(16 + keys.len() * 32);
    object(&keys, probabilities.row(0), &mut out);
    Ok(Value::Text(out))
}

/// Each class label as a JSON object key (quoted, escaped, with its colon).
pub fn keys(model: &Model) -> Result<Vec<String>, Error> {
    let labels = model
        .header
        .classes
        .as_ref()
        .map_or(&[][..], |c| c.labels.as_slice());
    let keys: Vec<String> = labels
        .iter()
        .map(|label| {
            let text = match label {
                Label::Text(t) => t.clone(),
                number => number.to_json().to_string(),
            };
            format!("{}:", serde_json::Value::from(text))
        })
        .collect();
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            return Err(Error::InvalidArgument(format!(
                "two class labels read as the same text {}; probabilities are keyed by the \
                 label's text, so give the target one type",
                key.trim_end_matches(':')
            )));
        }
    }
    Ok(keys)
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
