//! `elastic_net` and `elastic_net_cv`: least squares with L1 and L2 penalties
//! (l1_ratio 0.5, as scikit-learn's ElasticNet).

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::elastic_net::{ElasticNet, ElasticNetParameters};

use super::cv;
use super::linear::{decode_linear, Linear};
use super::smartcore_util::{dense, failed};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type Model = ElasticNet<f64, f64, DenseMatrix<f64>, Vec<f64>>;

const L1_RATIO: f64 = 0.5;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore ElasticNet, alpha 1.0, l1_ratio 0.5",
    fit: |x, y| fit(1.0, x, y),
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net_cv",
    task: Task::Regression,
    library: "smartcore",
    estimator:
        "smartcore ElasticNet, l1_ratio 0.5, alpha from 30 values by 5-fold cross-validation",
    fit: fit_cv,
    decode: decode_linear,
};

fn fit(alpha: f64, x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = ElasticNetParameters::default()
        .with_alpha(alpha)
        .with_l1_ratio(L1_RATIO);
    let model = Model::fit(&dense(x)?, &y, params).map_err(failed)?;
    Ok(Box::new(Linear::new(
        model.coefficients(),
        *model.intercept(),
    )))
}

fn fit_cv(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let alphas = cv::alpha_grid(x, y.values()?, L1_RATIO);
    fit(cv::choose(&alphas, x, y, fit)?, x, y)
}
