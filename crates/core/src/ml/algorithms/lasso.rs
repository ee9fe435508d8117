//! `lasso` and `lasso_cv`: least squares with an L1 penalty, the elastic net
//! with l1_ratio 1.

use super::elastic_net::{descent, fit, fit_cv, ALPHA, CV, MAX_ITER, N_ALPHAS, TOL};
use super::linear::decode_linear;
use super::{AlgorithmSpec, Inputs};
use crate::ml::Task;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "lasso",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "coordinate descent on the Gram matrix",
    params: &[ALPHA, MAX_ITER, TOL],
    fit: |x, y, settings, control| {
        fit(
            &descent(settings, 1.0)?,
            settings.f64("alpha")?,
            x.view(),
            y,
            control,
        )
    },
    memory: super::gram::memory,
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "lasso_cv",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "as lasso, alpha chosen by k-fold cross-validation",
    params: &[N_ALPHAS, CV, MAX_ITER, TOL],
    fit: |x, y, settings, control| fit_cv(&descent(settings, 1.0)?, settings, x.view(), y, control),
    memory: super::gram::memory,
    decode: decode_linear,
};
