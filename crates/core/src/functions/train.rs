//! `sqml_train(experiment, prediction_type, algorithm, dataset, target
//! [, test_size = 0.25 [, split_strategy = 'shuffle']])`.

use serde_json::json;

use super::args::{optional_real, optional_text, text};
use crate::catalog::{self, NewRun};
use crate::ml::algorithms;
use crate::ml::split::SplitStrategy;
use crate::ml::{training, Task};
use crate::sql::{check_result_fits, find_relation};
use crate::{Arg, Db, Error, Value};

pub fn run(db: &mut dyn Db, args: &[Arg<'_>]) -> Result<Value, Error> {
    let experiment = text(args, 0, "experiment")?;
    if experiment.is_empty() {
        return Err(Error::InvalidArgument(
            "experiment must not be empty".into(),
        ));
    }
    let prediction_type = text(args, 1, "prediction_type")?;
    let task = Task::parse(prediction_type)?;
    let algorithm = algorithms::find(task, text(args, 2, "algorithm")?)?;
    let dataset = text(args, 3, "dataset")?;
    let target = text(args, 4, "target")?;
    let test_size = optional_real(args, 5, "test_size", 0.25)?;
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(Error::InvalidArgument(format!(
            "test_size must be between 0 and 1 (exclusive), not {test_size}"
        )));
    }
    let split_name = optional_text(args, 6, "split_strategy")?.unwrap_or("shuffle");
    let strategy = SplitStrategy::parse(split_name)?;

    let relation = find_relation(db, dataset)?
        .ok_or_else(|| Error::InvalidArgument(format!("unknown table or view '{dataset}'")))?;
    if !relation.columns.iter().any(|c| c == target) {
        return Err(Error::InvalidArgument(format!(
            "unknown target column '{target}' in {} '{}'; columns: {}",
            relation.kind,
            relation.name,
            relation.columns.join(", ")
        )));
    }
    // Fail before a long training, not after it.
    if let Some(existing) = catalog::find_experiment(db, experiment)? {
        if existing.prediction_type != task.name() {
            return Err(catalog::different_type(
                experiment,
                &existing.prediction_type,
                task.name(),
            ));
        }
    }

    let data = training::read(db, &relation, target, task)?;
    // The fit touches neither the connection nor the host: their locks go.
    let mut data = Some(data);
    let mut fitted = Err(Error::Estimator("the fit did not run".into()));
    db.unlocked(&mut || {
        if let Some(data) = data.take() {
            fitted = crate::threads::install(|| {
                training::fit(algorithm, data, target, test_size, strategy)
            })
            .and_then(|fit| fit);
        }
    });
    let outcome = fitted?;
    // What the fit's threads freed goes back before the blob is built, and
    // the model once it lives on as its blob, before SQLite copies that in.
    crate::memory::release_free_pages();
    let blob = outcome.model.to_blob()?;
    let metrics = outcome.metrics;
    drop(outcome.model);
    crate::memory::release_free_pages();
    let report = |db: &mut dyn Db, recorded: &catalog::Recorded| {
        let score = metrics.iter().find(|(n, _)| *n == "score").map(|(_, v)| *v);
        let metrics: serde_json::Map<String, serde_json::Value> = metrics
            .iter()
            .map(|(n, v)| (n.to_string(), json!(v)))
            .collect();
        let report = json!({
            "experiment_name": experiment,
            "prediction_type": task.name(),
            "algorithm": algorithm.name,
            "deployed": recorded.deployed,
            "score": score,
            "run_id": recorded.run_id,
            "model_id": recorded.model_id,
            "library": algorithm.library,
            "metrics": metrics,
        })
        .to_string();
        check_result_fits(db, &report)?;
        Ok(Value::Text(report))
    };
    catalog::record(
        db,
        NewRun {
            experiment,
            prediction_type: task.name(),
            algorithm: algorithm.name,
            dataset,
            target,
            test_size,
            split_strategy: split_name,
            library: algorithm.library,
            blob,
            metrics: &metrics,
        },
        report,
    )
}
