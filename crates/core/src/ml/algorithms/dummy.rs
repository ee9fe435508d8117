//! `dummy`: a baseline that ignores the features (the training mean, or the
//! most frequent class), as scikit-learn's Dummy estimators by default.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{decode, encode, is_class, AlgorithmSpec, Fitted, Inputs, Target};
use crate::ml::hyperparams::{Kind, Param};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "dummy",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "predicts a constant of the training targets",
    params: &[Param {
        name: "strategy",
        kind: Kind::Choice {
            default: "mean",
            values: &["mean", "median"],
        },
        meaning: "the training targets' mean or median",
    }],
    fit: |_, y, settings, _| fit(y, settings.choice("strategy")?),
    memory: |_| 0,
    decode: decode_constant,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "dummy",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "predicts the most frequent training class",
    params: &[],
    fit: |_, y, _, _| fit(y, "most_frequent"),
    memory: |_| 0,
    decode: decode_constant,
};

#[derive(Serialize, Deserialize)]
struct Constant(f64);

impl Fitted for Constant {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(vec![self.0; x.nrows()])
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }

    /// Certainty of the one class it predicts (scikit-learn's
    /// "most_frequent" strategy).
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        let mut out = Array2::zeros((x.nrows(), classes));
        if let Some(mut column) = out.columns_mut().into_iter().nth(self.0 as usize) {
            column.fill(1.0);
        }
        Ok(Some(out))
    }
}

fn fit(y: &Target<'_>, strategy: &str) -> Result<Box<dyn Fitted>, Error> {
    let value = match y {
        Target::Values(v) if strategy == "median" => median(v),
        Target::Values(v) => v.iter().sum::<f64>() / v.len() as f64,
        Target::Classes { y, n_classes } => {
            let mut counts = vec![0usize; *n_classes];
            for &c in y.iter() {
                counts[c] += 1;
            }
            // Ties go to the lowest class, as numpy's argmax does.
            let best = counts
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)));
            best.map_or(0, |(c, _)| c) as f64
        }
    };
    Ok(Box::new(Constant(value)))
}

/// numpy's median: the middle value, or the mean of the two middle ones.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn decode_constant(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model = decode::<Constant>(bytes)?;
    let valid = match shape.classes {
        None => model.0.is_finite(),
        Some(k) => is_class(k)(model.0),
    };
    if !valid {
        return Err(Error::Model(format!(
            "dummy: {} is not a valid prediction",
            model.0
        )));
    }
    Ok(Box::new(model))
}
