//! `decision_tree`: one CART tree, by default grown until its leaves are
//! pure, as scikit-learn's defaults (squared error for regression, Gini for
//! classes).

use super::forest::{decode_forest, fit, limits, Ensemble};
use super::shared_params::{max_depth, max_features, MIN_SAMPLES_LEAF, MIN_SAMPLES_SPLIT};
use super::{AlgorithmSpec, Inputs};
use crate::ml::hyperparams::{Features, Param, Settings};
use crate::ml::Task;
use crate::Error;

const PARAMS: &[Param] = &[
    max_depth(None),
    MIN_SAMPLES_SPLIT,
    MIN_SAMPLES_LEAF,
    max_features(Features::All),
];

fn one_tree(settings: &Settings) -> Result<Ensemble, Error> {
    Ok(Ensemble {
        trees: 1,
        bootstrap: false,
        max_features: settings.features("max_features")?,
        growth: limits(settings)?,
    })
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART, squared error",
    params: PARAMS,
    fit: |x, y, settings, control| fit(x, y, &one_tree(settings)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART, Gini",
    params: PARAMS,
    fit: |x, y, settings, control| fit(x, y, &one_tree(settings)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};
