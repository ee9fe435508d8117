//! `knn`: the 5 nearest neighbours by euclidean distance, uniform weights.

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::metrics::distance::euclidian::Euclidian;
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
use smartcore::neighbors::knn_regressor::{KNNRegressor, KNNRegressorParameters};

use super::smartcore_util::{
    class_targets, decode_classifier, decode_regressor, dense, failed, Classifier, Regressor,
};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type RegressorModel = KNNRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>, Euclidian<f64>>;
type ClassifierModel = KNNClassifier<f64, i32, DenseMatrix<f64>, Vec<i32>, Euclidian<f64>>;

const K: usize = 5;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore KNNRegressor, k 5, euclidean, uniform weights",
    fit: fit_regressor,
    decode: decode_regressor::<RegressorModel>,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Classification,
    library: "smartcore",
    estimator: "smartcore KNNClassifier, k 5, euclidean, uniform weights",
    fit: fit_classifier,
    decode: decode_classifier::<ClassifierModel>,
};

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = KNNRegressorParameters::default().with_k(K.min(y.len()));
    Ok(Box::new(Regressor(
        RegressorModel::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = class_targets(y.classes()?.0);
    let params = KNNClassifierParameters::default().with_k(K.min(y.len()));
    Ok(Box::new(Classifier(
        ClassifierModel::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}
