//! `logistic_regression`: multinomial logistic regression with an L2 penalty
//! (alpha 1, i.e. scikit-learn's C = 1), fitted by L-BFGS.

use linfa::prelude::*;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{decode, encode, AlgorithmSpec, Fitted, Target};
use crate::ml::Task;
use crate::Error;

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "logistic_regression",
    task: Task::Classification,
    library: "linfa",
    estimator: "linfa-logistic MultiLogisticRegression, alpha 1.0, 100 L-BFGS iterations",
    fit,
    decode: decode_model,
};

#[derive(Serialize, Deserialize)]
struct Model(MultiFittedLogisticRegression<f64, usize>);

impl Fitted for Model {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(self.0.predict(&x).iter().map(|&c| c as f64).collect())
    }

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(self)
    }
}

fn fit(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (y, _) = y.classes()?;
    let dataset = DatasetBase::new(x, Array1::from(y.to_vec()));
    let model = MultiLogisticRegression::default()
        .alpha(1.0)
        .max_iterations(100)
        .fit(&dataset)
        .map_err(|e| Error::Estimator(format!("linfa-logistic: {e}")))?;
    Ok(Box::new(Model(model)))
}

fn decode_model(bytes: &[u8]) -> Result<Box<dyn Fitted>, Error> {
    Ok(Box::new(decode::<Model>(bytes)?))
}
