//! `decision_tree`: CART trees grown until pure, as scikit-learn's defaults.

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};
use smartcore::tree::decision_tree_regressor::{
    DecisionTreeRegressor, DecisionTreeRegressorParameters,
};

use super::smartcore_util::{
    class_targets, decode_classifier, decode_regressor, dense, failed, Classifier, Regressor,
};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::{split::SEED, Task};
use crate::Error;

type RegressorModel = DecisionTreeRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;
type ClassifierModel = DecisionTreeClassifier<f64, i32, DenseMatrix<f64>, Vec<i32>>;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore DecisionTreeRegressor, no depth limit",
    fit: fit_regressor,
    decode: decode_regressor::<RegressorModel>,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Classification,
    library: "smartcore",
    estimator: "smartcore DecisionTreeClassifier, gini, no depth limit",
    fit: fit_classifier,
    decode: decode_classifier::<ClassifierModel>,
};

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = DecisionTreeRegressorParameters {
        seed: Some(SEED),
        ..Default::default()
    };
    Ok(Box::new(Regressor(
        RegressorModel::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = class_targets(y.classes()?.0);
    let params = DecisionTreeClassifierParameters {
        seed: Some(SEED),
        ..Default::default()
    };
    Ok(Box::new(Classifier(
        ClassifierModel::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}
