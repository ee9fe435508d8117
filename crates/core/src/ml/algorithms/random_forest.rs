//! `random_forest`: 100 trees on bootstrap samples, as scikit-learn's defaults.

use ndarray::ArrayView2;
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use super::smartcore_util::{
    class_targets, decode_classifier, decode_regressor, dense, failed, Classifier, Regressor,
};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::{split::SEED, Task};
use crate::Error;

type RegressorModel = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;
type ClassifierModel = RandomForestClassifier<f64, i32, DenseMatrix<f64>, Vec<i32>>;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore RandomForestRegressor, 100 trees",
    fit: fit_regressor,
    decode: decode_regressor::<RegressorModel>,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "random_forest",
    task: Task::Classification,
    library: "smartcore",
    estimator: "smartcore RandomForestClassifier, 100 trees, sqrt(features) per split",
    fit: fit_classifier,
    decode: decode_classifier::<ClassifierModel>,
};

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = RandomForestRegressorParameters::default()
        .with_n_trees(100)
        .with_seed(SEED);
    Ok(Box::new(Regressor(
        RegressorModel::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = class_targets(y.classes()?.0);
    let params = RandomForestClassifierParameters::default()
        .with_n_trees(100)
        .with_seed(SEED);
    Ok(Box::new(Classifier(
        ClassifierModel::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}
