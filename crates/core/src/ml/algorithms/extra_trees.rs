//! `extra_trees`: extremely randomised trees, as scikit-learn's ExtraTrees
//! defaults: 100 trees on every row (no bootstrap), each split the best of
//! one random threshold per feature tried; every feature tried for
//! regression, the square root of their number for classification.

use super::forest::{decode_forest, fit, of};
use super::shared_params::forest;
use super::{AlgorithmSpec, Inputs};
use crate::ml::hyperparams::{Features, Param};
use crate::ml::Task;

const REGRESSION: [Param; 6] = forest(Features::All, false);
const CLASSIFICATION: [Param; 6] = forest(Features::Sqrt, false);

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "extra_trees",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "extremely randomised trees (random thresholds), squared error, mean",
    params: &REGRESSION,
    fit: |x, y, settings, control| fit(x, y, &of(settings, true)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "extra_trees",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "extremely randomised trees (random thresholds), Gini, majority vote",
    params: &CLASSIFICATION,
    fit: |x, y, settings, control| fit(x, y, &of(settings, true)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};
