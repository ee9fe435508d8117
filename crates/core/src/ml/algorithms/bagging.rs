//! `bagging`: 10 CART trees, each on a bootstrap sample; the mean (or the
//! majority vote) of their predictions, as scikit-learn's Bagging estimators.

use super::forest::{decode_forest, fit, Settings};
use super::{AlgorithmSpec, Inputs};
use crate::ml::Task;

const SETTINGS: Settings = Settings {
    trees: 10,
    bootstrap: true,
    max_features: |features| features,
};

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "bagging",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "10 CART trees on bootstrap samples, mean",
    fit: |x, y| fit(x, y, &SETTINGS),
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "bagging",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "10 CART trees on bootstrap samples, majority vote",
    fit: |x, y| fit(x, y, &SETTINGS),
    decode: decode_forest,
};
