//! `lasso`: least squares with an L1 penalty (alpha = 1, as scikit-learn's Lasso).

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::lasso::{Lasso, LassoParameters};

use super::smartcore_util::{decode_regressor, dense, failed, Regressor};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type Model = Lasso<f64, f64, DenseMatrix<f64>, Vec<f64>>;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "lasso",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore Lasso, alpha 1.0",
    fit,
    decode: decode_regressor::<Model>,
};

fn fit(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = LassoParameters::default().with_alpha(1.0);
    Ok(Box::new(Regressor(
        Model::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}
