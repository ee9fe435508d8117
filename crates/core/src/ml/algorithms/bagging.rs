//! `bagging`: CART trees grown in full, each on a bootstrap sample; the mean
//! (or the majority vote) of their predictions, as scikit-learn's Bagging
//! estimators with their default tree.

use super::forest::{decode_forest, fit, Ensemble};
use super::shared_params::{bootstrap, n_estimators, MAX_TREES};
use super::tree::Growth;
use super::{AlgorithmSpec, Inputs};
use crate::ml::hyperparams::{Features, Param, Settings};
use crate::ml::Task;
use crate::Error;

const PARAMS: &[Param] = &[n_estimators(10, MAX_TREES, "trees"), bootstrap(true)];

fn ensemble(settings: &Settings) -> Result<Ensemble, Error> {
    Ok(Ensemble {
        trees: settings.usize("n_estimators")?,
        bootstrap: settings.bool("bootstrap")?,
        max_features: Features::All,
        growth: Growth {
            seed: settings.seed,
            ..Growth::FULL
        },
    })
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "bagging",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART trees on bootstrap samples, mean",
    params: PARAMS,
    fit: |x, y, settings, control| fit(x, y, &ensemble(settings)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "bagging",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART trees on bootstrap samples, majority vote",
    params: PARAMS,
    fit: |x, y, settings, control| fit(x, y, &ensemble(settings)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};
