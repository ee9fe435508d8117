//! `lasso` and `lasso_cv`: least squares with an L1 penalty.

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::lasso::{Lasso, LassoParameters};

use super::cv;
use super::linear::{decode_linear, Linear};
use super::smartcore_util::{dense, failed};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type Model = Lasso<f64, f64, DenseMatrix<f64>, Vec<f64>>;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "lasso",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore Lasso, alpha 1.0",
    fit: |x, y| fit(1.0, x, y),
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "lasso_cv",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore Lasso, alpha from 30 values by 5-fold cross-validation",
    fit: fit_cv,
    decode: decode_linear,
};

fn fit(alpha: f64, x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = LassoParameters::default().with_alpha(alpha);
    let model = Model::fit(&dense(x)?, &y, params).map_err(failed)?;
    Ok(Box::new(Linear::new(
        model.coefficients(),
        *model.intercept(),
    )))
}

fn fit_cv(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let alphas = cv::alpha_grid(x, y.values()?, 1.0);
    fit(cv::choose(&alphas, x, y, fit)?, x, y)
}
