//! `ridge` and `ridge_cv`: least squares with an L2 penalty. The classifier
//! fits one ridge regression per class on +1/-1 targets and predicts the
//! class with the highest output, as scikit-learn's RidgeClassifier.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};

use super::cv;
use super::smartcore_util::{decode_regressor, dense, failed, Regressor};
use super::{decode, encode, AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type Model = RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>>;

/// scikit-learn's RidgeCV and RidgeClassifierCV candidates.
const CV_ALPHAS: [f64; 3] = [0.1, 1.0, 10.0];

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "ridge",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore RidgeRegression, alpha 1.0",
    fit: |x, y| fit_regressor(1.0, x, y),
    decode: decode_regressor::<Model>,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "ridge_cv",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore RidgeRegression, alpha from 0.1, 1, 10 by 5-fold cross-validation",
    fit: |x, y| fit_regressor(cv::choose(&CV_ALPHAS, x, y, fit_regressor)?, x, y),
    decode: decode_regressor::<Model>,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "ridge",
    task: Task::Classification,
    library: "smartcore",
    estimator: "one smartcore RidgeRegression per class on +1/-1 targets, alpha 1.0",
    fit: |x, y| fit_classifier(1.0, x, y),
    decode: decode_classifier,
};

pub const CLASSIFIER_CV: AlgorithmSpec = AlgorithmSpec {
    name: "ridge_cv",
    task: Task::Classification,
    library: "smartcore",
    estimator: "as ridge, alpha from 0.1, 1, 10 by 5-fold cross-validation",
    fit: |x, y| fit_classifier(cv::choose(&CV_ALPHAS, x, y, fit_classifier)?, x, y),
    decode: decode_classifier,
};

fn fit_regressor(
    alpha: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = RidgeRegressionParameters::default().with_alpha(alpha);
    Ok(Box::new(Regressor(
        Model::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}

#[derive(Serialize, Deserialize)]
struct OneVsRest(Vec<Model>);

impl Fitted for OneVsRest {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let x = dense(x)?;
        let outputs = self
            .0
            .iter()
            .map(|m| m.predict(&x).map_err(failed))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(argmax_rows(&outputs, x_rows(&outputs)))
    }

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(self)
    }
}

fn x_rows(outputs: &[Vec<f64>]) -> usize {
    outputs.first().map_or(0, Vec::len)
}

/// For each row, the index of the output that is highest (the first on ties).
pub fn argmax_rows(outputs: &[Vec<f64>], rows: usize) -> Vec<f64> {
    (0..rows)
        .map(|r| {
            let mut best = 0;
            for (class, output) in outputs.iter().enumerate() {
                if output[r] > outputs[best][r] {
                    best = class;
                }
            }
            best as f64
        })
        .collect()
}

fn fit_classifier(
    alpha: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let x = dense(x)?;
    let models = (0..n_classes)
        .map(|class| {
            let signs: Vec<f64> = y
                .iter()
                .map(|&c| if c == class { 1.0 } else { -1.0 })
                .collect();
            let params = RidgeRegressionParameters::default().with_alpha(alpha);
            Model::fit(&x, &signs, params).map_err(failed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(OneVsRest(models)))
}

fn decode_classifier(bytes: &[u8]) -> Result<Box<dyn Fitted>, Error> {
    Ok(Box::new(decode::<OneVsRest>(bytes)?))
}
