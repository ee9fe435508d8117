//! `sqml_model_info(experiment | model_id)`: what a model takes and how it
//! preprocesses it, as JSON: the deployed model of an experiment (text) or
//! any stored model (integer id).

use std::sync::Arc;

use serde_json::{json, Value as Json};

use super::model_cache;
use crate::catalog;
use crate::ml::model::Header;
use crate::ml::Model;
use crate::sql::check_result_fits;
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let (experiment, model_id, model) = match args.first() {
        Some(Arg::Text(experiment)) => {
            let (id, model) = model_cache::deployed(db, experiment)?;
            (experiment.to_string(), id, model)
        }
        Some(Arg::Integer(id)) => {
            let experiment = catalog::model_experiment(db, *id)?.ok_or_else(|| {
                Error::InvalidArgument(format!("unknown model {id} (no such id in sqml_models)"))
            })?;
            let blob = catalog::model_blob(db, *id)?;
            let model = Model::from_blob(&blob).map_err(|e| {
                Error::Model(format!("model {id} of experiment '{experiment}': {e}"))
            })?;
            (experiment, *id, Arc::new(model))
        }
        other => {
            return Err(Error::InvalidArgument(format!(
                "sqml_model_info takes an experiment name (text) or a model id (integer), not {}",
                other.map_or("nothing", Arg::type_name)
            )))
        }
    };
    let header = &model.header;
    let mut info = json!({
        "experiment": experiment,
        "model_id": model_id,
        "prediction_type": header.task.name(),
        "algorithm": header.algorithm,
        "library": header.library,
        "target": header.target,
    });
    if let Some(classes) = &header.classes {
        info["classes"] = classes.labels.iter().map(|l| l.to_json()).collect();
    }
    if let (Json::Object(info), Json::Object(more)) = (&mut info, preprocessing(header)) {
        info.extend(more);
    }
    let text = info.to_string();
    check_result_fits(db, &text)?;
    Ok(Value::Text(text))
}

/// The columns the model takes (each with its preprocessing), those it
/// leaves out and why, and its row counts.
pub fn preprocessing(header: &Header) -> Json {
    json!({
        "columns": header.columns.iter().map(|c| c.describe()).collect::<Vec<_>>(),
        "left_out": header
            .left_out
            .iter()
            .map(|l| json!({"name": l.name, "reason": l.reason}))
            .collect::<Vec<_>>(),
        "rows": header.rows.map(|r| json!({
            "training": r.training,
            "test": r.test,
            "null_target": r.null_target,
        })),
    })
}
