//! `sqml_predict_proba_batch(experiment_or_model_id, rows)`: `rows` is a
//! JSON array of feature objects or arrays, as for `sqml_predict_batch`;
//! returns a JSON array of probability objects (see `sqml_predict_proba`)
//! in the same order.

use ndarray::Array2;

use super::predict_batch::read_rows;
use super::predict_proba::object;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let (model, values) = read_rows(db, args)?;
    let width = model.n_features();
    let x = Array2::from_shape_vec((values.len() / width, width), values)
        .map_err(|e| Error::Sql(e.to_string()))?;
    let probabilities = model.probabilities(x)?;
    let keys = model.label_keys()?;
    let mut out = String::with_capacity(2 + probabilities.nrows() * (2 + keys.len() * 28));
    out.push('[');
    for (i, row) in probabilities.rows().into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        object(keys, row, &mut out);
    }
    out.push(']');
    Ok(Value::Text(out))
}
