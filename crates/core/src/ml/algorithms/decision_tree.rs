//! `decision_tree`: CART trees grown until pure, as scikit-learn's defaults.

use ndarray::ArrayView2;
use smartcore::tree::decision_tree_classifier::DecisionTreeClassifierParameters;
use smartcore::tree::decision_tree_regressor::DecisionTreeRegressorParameters;

use super::smartcore_util::{
    class_targets, decode_classifier, decode_regressor, dense, failed, ClassificationTree,
    Classifier, RegressionTree, Regressor,
};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::{split::SEED, Task};
use crate::Error;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore DecisionTreeRegressor, no depth limit",
    fit: fit_regressor,
    decode: decode_regressor::<RegressionTree>,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "decision_tree",
    task: Task::Classification,
    library: "smartcore",
    estimator: "smartcore DecisionTreeClassifier, gini, no depth limit",
    fit: fit_classifier,
    decode: decode_classifier::<ClassificationTree>,
};

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = DecisionTreeRegressorParameters {
        seed: Some(SEED),
        ..Default::default()
    };
    Ok(Box::new(Regressor(
        RegressionTree::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = class_targets(y.classes()?.0);
    let params = DecisionTreeClassifierParameters {
        seed: Some(SEED),
        ..Default::default()
    };
    Ok(Box::new(Classifier(
        ClassificationTree::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}
