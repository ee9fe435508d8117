//! `elastic_net`: least squares with L1 and L2 penalties (alpha 1, l1_ratio 0.5,
//! as scikit-learn's ElasticNet).

use ndarray::ArrayView2;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::elastic_net::{ElasticNet, ElasticNetParameters};

use super::smartcore_util::{decode_regressor, dense, failed, Regressor};
use super::{AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

type Model = ElasticNet<f64, f64, DenseMatrix<f64>, Vec<f64>>;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore ElasticNet, alpha 1.0, l1_ratio 0.5",
    fit,
    decode: decode_regressor::<Model>,
};

fn fit(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?.to_vec();
    let params = ElasticNetParameters::default()
        .with_alpha(1.0)
        .with_l1_ratio(0.5);
    Ok(Box::new(Regressor(
        Model::fit(&dense(x)?, &y, params).map_err(failed)?,
    )))
}
