//! `extra_trees`: extremely randomised trees, as scikit-learn's ExtraTrees
//! defaults: 100 trees on every row (no bootstrap), each split the best of
//! one random threshold per feature tried; every feature tried for
//! regression, the square root of their number for classification.

use super::forest::{decode_forest, fit, limits, Ensemble};
use super::shared_params::{
    max_depth, max_features, n_estimators, MAX_TREES, MIN_SAMPLES_LEAF, MIN_SAMPLES_SPLIT,
};
use super::{AlgorithmSpec, Inputs};
use crate::ml::hyperparams::{Features, Kind, Param, Settings};
use crate::ml::Task;
use crate::Error;

const TREES: Param = n_estimators(100, MAX_TREES, "trees");

const BOOTSTRAP: Param = Param {
    name: "bootstrap",
    kind: Kind::Bool { default: false },
    meaning: "each tree on a bootstrap sample of the rows (false: on every row)",
};

fn ensemble(settings: &Settings) -> Result<Ensemble, Error> {
    let mut growth = limits(settings)?;
    growth.random_thresholds = true;
    Ok(Ensemble {
        trees: settings.usize("n_estimators")?,
        bootstrap: settings.bool("bootstrap")?,
        max_features: settings.features("max_features")?,
        growth,
    })
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "extra_trees",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "extremely randomised trees (random thresholds), squared error, mean",
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
    name: "extra_trees",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "extremely randomised trees (random thresholds), Gini, majority vote",
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
