//! `sqml_predict(experiment, features)`: one prediction from the deployed model.
//! `features` is a JSON object or array; numbers as further arguments
//! (`sqml_predict(e, f1, f2, ...)`) skip the JSON.

use std::sync::Arc;

use ndarray::Array2;

use super::model_cache::Wanted;
use super::{features, model_cache};
use crate::ml::Model;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let (model, x) = one_row(db, args)?;
    let mut predictions = model.predict(x)?;
    predictions
        .pop()
        .ok_or_else(|| Error::Model("no prediction was made".into()))
}

/// The model arguments 1 asks for, and the one row of features the others
/// give (a JSON object or array, or one number per feature).
pub fn one_row(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<(Arc<Model>, Array2<f64>), Error> {
    let wanted = Wanted::of(args)?;
    if args.len() < 2 {
        return Err(Error::InvalidArgument(
            "features (argument 2) are missing: give a JSON object or array, or one number per feature".into(),
        ));
    }
    let model = model_cache::active(db, wanted)?;
    let row = match &args[1..] {
        [Arg::Text(json)] => features::json_row(&model, json)?,
        [Arg::Null] => {
            return Err(Error::InvalidArgument(
                "features (argument 2) are NULL; give a JSON object or array, or one number per feature".into(),
            ))
        }
        [Arg::Blob(_)] => {
            return Err(Error::InvalidArgument(
                "features (argument 2) must be JSON text or numbers, not a blob".into(),
            ))
        }
        numbers => features::positional(&model, numbers)?,
    };
    let x = Array2::from_shape_vec((1, row.len()), row).map_err(|e| Error::Sql(e.to_string()))?;
    Ok((model, x))
}
