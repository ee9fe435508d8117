//! `linear_regression`: ordinary least squares.

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::linear_regression::{LinearRegression, LinearRegressionParameters};

use super::linear::{decode_linear, Linear};
use super::smartcore_util::{dense, failed};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type Model = LinearRegression<f64, f64, DenseMatrix<f64>, Vec<f64>>;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "linear_regression",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore LinearRegression (SVD solver)",
    fit,
    decode: decode_linear,
};

fn fit(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let model =
        Model::fit(&dense(x)?, &y, LinearRegressionParameters::default()).map_err(failed)?;
    Ok(Box::new(Linear::new(
        model.coefficients(),
        *model.intercept(),
    )))
}
