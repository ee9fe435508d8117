//! `random_forest`: CART trees on bootstrap samples, as scikit-learn's
//! defaults: 100 trees, every feature tried at each split for regression,
//! the square root of their number for classification.

use super::forest::{decode_forest, fit, of};
use super::shared_params::forest;
use super::{AlgorithmSpec, Inputs};
use crate::ml::hyperparams::{Features, Param};
use crate::ml::Task;

const REGRESSION: [Param; 6] = forest(Features::All, true);
const CLASSIFICATION: [Param; 6] = forest(Features::Sqrt, true);

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART trees on bootstrap samples, squared error, mean",
    params: &REGRESSION,
    fit: |x, y, settings, control| fit(x, y, &of(settings, false)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART trees on bootstrap samples, Gini, majority vote",
    params: &CLASSIFICATION,
    fit: |x, y, settings, control| fit(x, y, &of(settings, false)?, control),
    memory: super::forest::memory,
    decode: decode_forest,
};
