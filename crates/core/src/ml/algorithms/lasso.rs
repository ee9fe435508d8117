//! `lasso` and `lasso_cv`: least squares with an L1 penalty, the elastic net
//! with l1_ratio 1.

use super::elastic_net::{fit, fit_cv};
use super::linear::decode_linear;
use super::{AlgorithmSpec, Inputs};
use crate::ml::Task;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "lasso",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "coordinate descent on the Gram matrix, alpha 1.0",
    fit: |x, y| fit(1.0, 1.0, x.view(), y),
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "lasso_cv",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "as lasso, alpha from 30 values by 5-fold cross-validation",
    fit: |x, y| fit_cv(1.0, x.view(), y),
    decode: decode_linear,
};
