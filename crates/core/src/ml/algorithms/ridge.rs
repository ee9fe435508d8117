//! `ridge` and `ridge_cv`: least squares with an L2 penalty. The classifier
//! fits one ridge regression per class on +1/-1 targets and predicts the
//! class with the highest output, as scikit-learn's RidgeClassifier.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};

use super::cv;
use super::linear::{decode_linear, Linear};
use super::smartcore_util::{dense, failed};
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
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "ridge_cv",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore RidgeRegression, alpha from 0.1, 1, 10 by 5-fold cross-validation",
    fit: |x, y| fit_regressor(cv::choose(&CV_ALPHAS, x, y, fit_regressor)?, x, y),
    decode: decode_linear,
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
    let model = Model::fit(&dense(x)?, &y, params).map_err(failed)?;
    Ok(Box::new(Linear::new(
        model.coefficients(),
        *model.intercept(),
    )))
}

#[derive(Serialize, Deserialize)]
struct OneVsRest(Vec<Linear>);

impl Fitted for OneVsRest {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let outputs = self
            .0
            .iter()
            .map(|m| m.outputs(x))
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
    // With two classes the second model's targets are the first's negated,
    // and so is the fitted model: one fit serves both.
    let fitted = if n_classes == 2 { 1 } else { n_classes };
    let mut models = (n_classes - fitted..n_classes)
        .map(|class| {
            let signs: Vec<f64> = y
                .iter()
                .map(|&c| if c == class { 1.0 } else { -1.0 })
                .collect();
            let params = RidgeRegressionParameters::default().with_alpha(alpha);
            let model = Model::fit(&x, &signs, params).map_err(failed)?;
            Ok(Linear::new(model.coefficients(), *model.intercept()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if n_classes == 2 {
        models.insert(0, models[0].negated());
    }
    Ok(Box::new(OneVsRest(models)))
}

fn decode_classifier(bytes: &[u8]) -> Result<Box<dyn Fitted>, Error> {
    let model: OneVsRest = decode(bytes)?;
    if model.0.len() < 2 || !model.0.iter().all(Linear::is_finite) {
        return Err(Error::Model(
            "ridge: the per-class models are malformed".into(),
        ));
    }
    Ok(Box::new(model))
}
