//! `elastic_net` and `elastic_net_cv`: least squares with L1 and L2 penalties
//! (l1_ratio 0.5, as scikit-learn's ElasticNet), by coordinate descent on the
//! Gram matrix. `lasso` is the l1_ratio 1 case.

use ndarray::ArrayView2;

use super::linear::decode_linear;
use super::{coordinate_descent, cv, gram};
use super::{AlgorithmSpec, Fitted, Inputs, Target};
use crate::ml::Task;
use crate::Error;

const L1_RATIO: f64 = 0.5;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "coordinate descent on the Gram matrix, alpha 1.0, l1_ratio 0.5",
    fit: |x, y| fit(L1_RATIO, 1.0, x.view(), y),
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net_cv",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "as elastic_net, alpha from 30 values by 5-fold cross-validation",
    fit: |x, y| fit_cv(L1_RATIO, x.view(), y),
    decode: decode_linear,
};

pub fn fit(
    l1_ratio: f64,
    alpha: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
) -> Result<Box<dyn Fitted>, Error> {
    y.values()?;
    let mut models = gram::fit(x, y, |normal, w| {
        coordinate_descent::solve(normal, 0, alpha, l1_ratio, &mut w[0]);
        Ok(())
    })?;
    Ok(Box::new(models.remove(0)))
}

/// The alpha path runs from the strongest penalty down, each fold's solve
/// starting from the previous alpha's coefficients.
pub fn fit_cv(
    l1_ratio: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
) -> Result<Box<dyn Fitted>, Error> {
    let alphas = cv::alpha_grid(x, y.values()?, l1_ratio);
    let alpha = cv::choose(&alphas, x, y, |alpha, normal, w| {
        coordinate_descent::solve(normal, 0, alpha, l1_ratio, &mut w[0]);
        Ok(())
    })?;
    fit(l1_ratio, alpha, x, y)
}
