//! `random_forest`: 100 CART trees on bootstrap samples, as scikit-learn's
//! defaults: every feature tried at each split for regression, the square
//! root of their number for classification.

use super::forest::{decode_forest, fit, Settings};
use super::{AlgorithmSpec, Inputs};
use crate::ml::Task;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "100 CART trees on bootstrap samples, all features per split, mean",
    fit: |x, y| {
        let settings = Settings {
            trees: 100,
            bootstrap: true,
            max_features: |features| features,
        };
        fit(x, y, &settings)
    },
    decode: decode_forest,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "100 CART trees on bootstrap samples, sqrt(features) per split, majority vote",
    fit: |x, y| {
        let settings = Settings {
            trees: 100,
            bootstrap: true,
            max_features: |features| (features as f64).sqrt() as usize,
        };
        fit(x, y, &settings)
    },
    decode: decode_forest,
};
