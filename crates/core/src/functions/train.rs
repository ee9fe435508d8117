//! `sqml_train(experiment, prediction_type, algorithm, dataset, target
//! [, options])`: `options` is a JSON object (see `ml/options.rs`), or, as
//! in sqlite-ml 0.1.2, `test_size` [, `split_strategy`].

use serde_json::json;

use super::args::{optional_text, text};
use crate::catalog::{self, Candidate, NewRun};
use crate::control::{Phase, Watch};
use crate::memory::Budget;
use crate::ml::algorithms;
use crate::ml::options::TrainOptions;
use crate::ml::split::SplitStrategy;
use crate::ml::training::Fitting;
use crate::ml::{training, Task};
use crate::sql::{check_result_fits, check_writable, find_relation};
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
    let options = options(args)?;
    let fitting = Fitting::of(algorithm, &options)?;

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

    // Before any work: a read-only database would refuse only the record.
    check_writable(db, "main")?;

    let budget = Budget::of(options.max_memory);
    let mut watch = Watch::start(db);
    let data = training::read(db, &relation, target, task, &options, &mut watch, &budget)?;
    // The fit touches neither the connection nor the host: it runs on the
    // pool while this thread watches the connection.
    let outcome = watch.run(db, |control| {
        training::fit(algorithm, fitting, data, target, &options, control, &budget)
    })?;
    watch.begin(db, Phase::Writing, None)?;
    // What the fit's threads freed goes back before the blob is built, and
    // the model once it lives on as its blob, before SQLite copies that in.
    crate::memory::release_free_pages();
    let blob = outcome.model.to_blob()?;
    let description = super::model_info::preprocessing(&outcome.model.header);
    let inputs = outcome.model.header.inputs.clone();
    let metrics = outcome.metrics;
    let fingerprint = outcome.fingerprint.to_json();
    let hyperparams = outcome.settings.to_json();
    let (search, candidates) = match (&options.search, &outcome.search) {
        (Some(search), Some(scored)) => {
            let rows = scored
                .iter()
                .map(|s| Candidate {
                    params: crate::ml::search::searched(search, &s.settings).to_string(),
                    hyperparams: s.settings.to_json().to_string(),
                    mean_score: s.mean,
                    std_score: s.std,
                    fold_scores: json!(s.fold_scores).to_string(),
                    rank: s.rank as i64,
                })
                .collect();
            (crate::ml::search::summary(search, scored), rows)
        }
        _ => (serde_json::Value::Null, Vec::new()),
    };
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
            "deploy_reason": recorded.reason,
            "score": score,
            "run_id": recorded.run_id,
            "model_id": recorded.model_id,
            "library": algorithm.library,
            "hyperparams": hyperparams,
            "seed": options.seed,
            "fingerprint": fingerprint,
            "search": search,
            "metrics": metrics,
            "columns": description["columns"],
            "left_out": description["left_out"],
            "rows": description["rows"],
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
            test_size: options.test_size,
            split_strategy: options.split.name(),
            library: algorithm.library,
            blob,
            metrics: &metrics,
            inputs: &inputs,
            automatic_deploy: options.automatic_deploy,
            hyperparams: hyperparams.to_string(),
            seed: options.seed,
            fingerprint: fingerprint.to_string(),
            candidates,
        },
        report,
    )
}

/// The sixth argument: a JSON object, or the 0.1.2 form (a number, the
/// test_size, and a seventh argument, the split strategy).
fn options(args: &[Arg<'_>]) -> Result<TrainOptions, Error> {
    let mut options =
        match args.get(5) {
            None | Some(Arg::Null) => TrainOptions::default(),
            Some(Arg::Text(text)) => {
                if args.len() > 6 {
                    return Err(Error::InvalidArgument(
                    "with options as a JSON object (argument 6), give the split strategy in it \
                     ({\"split_strategy\": ...}), not as argument 7"
                        .into(),
                ));
                }
                return TrainOptions::parse(text);
            }
            Some(Arg::Integer(i)) => TrainOptions {
                test_size: *i as f64,
                ..TrainOptions::default()
            },
            Some(Arg::Real(r)) => TrainOptions {
                test_size: *r,
                ..TrainOptions::default()
            },
            Some(Arg::Blob(_)) => return Err(Error::InvalidArgument(
                "options (argument 6) must be a JSON object or a number (the test_size), not blob"
                    .into(),
            )),
        };
    if let Some(name) = optional_text(args, 6, "split_strategy")? {
        options.split = SplitStrategy::parse(name)?;
    }
    options.check()?;
    Ok(options)
}
