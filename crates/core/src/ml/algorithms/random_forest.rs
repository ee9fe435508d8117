//! `random_forest`: CART trees on bootstrap samples, as scikit-learn's
//! defaults: 100 trees, every feature tried at each split for regression,
//! the square root of their number for classification.

use super::forest::{decode_forest, fit, limits, Ensemble};
use super::shared_params::{
    max_depth, max_features, n_estimators, BOOTSTRAP, MAX_TREES, MIN_SAMPLES_LEAF,
    MIN_SAMPLES_SPLIT,
};
use super::{AlgorithmSpec, Inputs};
use crate::ml::hyperparams::{Features, Param, Settings};
use crate::ml::Task;
use crate::Error;

const TREES: Param = n_estimators(100, MAX_TREES, "trees");

fn ensemble(settings: &Settings) -> Result<Ensemble, Error> {
    Ok(Ensemble {
        trees: settings.usize("n_estimators")?,
        bootstrap: settings.bool("bootstrap")?,
        max_features: settings.features("max_features")?,
        growth: limits(settings)?,
    })
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART trees on bootstrap samples, squared error, mean",
    params: &[
        TREES,
        max_depth(None),
        MIN_SAMPLES_SPLIT,
        MIN_SAMPLES_LEAF,
        max_features(Features::All),
        BOOTSTRAP,
    ],
    fit: |x, y, settings, control| fit(x, y, &ensemble(settings)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART trees on bootstrap samples, Gini, majority vote",
    params: &[
        TREES,
        max_depth(None),
        MIN_SAMPLES_SPLIT,
        MIN_SAMPLES_LEAF,
        max_features(Features::Sqrt),
        BOOTSTRAP,
    ],
    fit: |x, y, settings, control| fit(x, y, &ensemble(settings)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};
