//! `sgd`: linear models fitted by stochastic gradient descent, with
//! scikit-learn's SGDRegressor / SGDClassifier defaults (L2 penalty alpha
//! 1e-4, up to 1000 epochs, stop after 5 epochs without a 1e-3 gain).
//! Neither linfa nor smartcore has it.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::sampling::rng;
use super::{argmax_rows, decode, encode, AlgorithmSpec, Fitted, Inputs, Target};
use crate::ml::model::Shape;
use crate::ml::{split::SEED, Task};
use crate::Error;

const ALPHA: f64 = 1e-4;
const MAX_EPOCHS: usize = 1000;
const TOL: f64 = 1e-3;
const PATIENCE: usize = 5;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "sgd",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "squared loss, L2 alpha 1e-4, learning rate 0.01 / t^0.25",
    fit: |x, y| fit_regressor(x.view(), y),
    decode: decode_model,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "sgd",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "hinge loss one-vs-rest, L2 alpha 1e-4, 'optimal' learning rate",
    fit: |x, y| fit_classifier(x.view(), y),
    decode: decode_model,
};

/// One linear function per output: its weights (a row) and intercept.
#[derive(Serialize, Deserialize)]
struct Linear {
    weights: Array2<f64>,
    intercepts: Array1<f64>,
    classify: bool,
}

impl Fitted for Linear {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let scores = x.dot(&self.weights.t()) + &self.intercepts;
        if !self.classify {
            return Ok(scores.column(0).to_vec());
        }
        let outputs: Vec<Vec<f64>> = scores.axis_iter(Axis(1)).map(|c| c.to_vec()).collect();
        Ok(argmax_rows(&outputs, x.nrows()))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

fn decode_model(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model: Linear = decode(bytes)?;
    let classes = model.classify.then_some(model.weights.nrows());
    shape.expect(model.weights.ncols(), classes)?;
    if model.weights.nrows() != model.intercepts.len() || model.weights.nrows() == 0 {
        return Err(Error::Model("sgd weights and intercepts disagree".into()));
    }
    Ok(Box::new(model))
}

enum Loss {
    Squared,
    Hinge,
}

impl Loss {
    /// (loss, derivative of the loss by the prediction)
    fn at(&self, prediction: f64, target: f64) -> (f64, f64) {
        match self {
            Loss::Squared => {
                let d = prediction - target;
                (0.5 * d * d, d)
            }
            Loss::Hinge => {
                let margin = prediction * target;
                if margin <= 1.0 {
                    (1.0 - margin, -target)
                } else {
                    (0.0, 0.0)
                }
            }
        }
    }
}

/// Plain SGD on one output; returns (weights, intercept).
fn descend(x: ArrayView2<'_, f64>, y: &[f64], loss: Loss) -> (Array1<f64>, f64) {
    let (n, p) = x.dim();
    let mut w = Array1::<f64>::zeros(p);
    let mut b = 0.0;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = rng(SEED);
    // scikit-learn's "optimal" schedule for the classifier, "invscaling" for the regressor.
    let typical = (1.0 / ALPHA.sqrt()).sqrt();
    let optimal_start = 1.0 / (typical * ALPHA);
    let mut t = 1.0f64;
    let (mut best, mut stale) = (f64::INFINITY, 0);
    for _ in 0..MAX_EPOCHS {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for &i in &order {
            let row = x.row(i);
            let prediction = row.dot(&w) + b;
            let eta = match loss {
                Loss::Squared => 0.01 / t.powf(0.25),
                Loss::Hinge => 1.0 / (ALPHA * (optimal_start + t - 1.0)),
            };
            let (value, derivative) = loss.at(prediction, y[i]);
            total += value;
            let derivative = derivative.clamp(-1e12, 1e12);
            w *= (1.0 - eta * ALPHA).max(0.0);
            if derivative != 0.0 {
                w.scaled_add(-eta * derivative, &row);
                b -= eta * derivative;
            }
            t += 1.0;
        }
        if total > best - TOL * n as f64 {
            stale += 1;
        } else {
            stale = 0;
        }
        best = best.min(total);
        if stale >= PATIENCE || !total.is_finite() {
            break;
        }
    }
    (w, b)
}

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (w, b) = descend(x, y.values()?, Loss::Squared);
    let weights = w.insert_axis(Axis(0));
    Ok(Box::new(Linear {
        weights,
        intercepts: Array1::from(vec![b]),
        classify: false,
    }))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let mut weights = Array2::zeros((n_classes, x.ncols()));
    let mut intercepts = Array1::zeros(n_classes);
    for class in 0..n_classes {
        let signs: Vec<f64> = y
            .iter()
            .map(|&c| if c == class { 1.0 } else { -1.0 })
            .collect();
        let (w, b) = descend(x, &signs, Loss::Hinge);
        weights.row_mut(class).assign(&w);
        intercepts[class] = b;
    }
    Ok(Box::new(Linear {
        weights,
        intercepts,
        classify: true,
    }))
}
