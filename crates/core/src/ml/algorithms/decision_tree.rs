//! `decision_tree`: one CART tree grown until its leaves are pure, as
//! scikit-learn's defaults (squared error for regression, Gini for classes).

use super::forest::{decode_forest, fit, Settings};
use super::{AlgorithmSpec, Inputs};
use crate::ml::Task;

const SETTINGS: Settings = Settings {
    trees: 1,
    bootstrap: false,
    max_features: |features| features,
};

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART, squared error, no depth limit",
    fit: |x, y| fit(x, y, &SETTINGS),
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "CART, Gini, no depth limit",
    fit: |x, y| fit(x, y, &SETTINGS),
    decode: decode_forest,
};
