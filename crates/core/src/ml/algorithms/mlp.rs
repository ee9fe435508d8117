//! `mlp`: a neural network with one hidden layer of 100 ReLU units, trained
//! by Adam (learning rate 1e-3) on minibatches of 200 rows, L2 alpha 1e-4,
//! up to 200 epochs, stopping after 10 epochs without a 1e-4 gain: the
//! defaults of scikit-learn's MLPRegressor / MLPClassifier. Neither linfa nor
//! smartcore has one.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::sampling::rng;
use super::{argmax_rows, decode, encode, AlgorithmSpec, Fitted, Inputs, Target};
use crate::ml::model::Shape;
use crate::ml::{split::SEED, Task};
use crate::Error;

const HIDDEN: usize = 100;
const LEARNING_RATE: f64 = 1e-3;
const BATCH: usize = 200;
const ALPHA: f64 = 1e-4;
const MAX_EPOCHS: usize = 200;
const TOL: f64 = 1e-4;
const PATIENCE: usize = 10;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "mlp",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "100 ReLU units, Adam 1e-3, batches of 200, up to 200 epochs",
    fit: |x, y| fit_regressor(x.view(), y),
    decode: decode_network,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "mlp",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "100 ReLU units, softmax, Adam 1e-3, batches of 200, up to 200 epochs",
    fit: |x, y| fit_classifier(x.view(), y),
    decode: decode_network,
};

#[derive(Serialize, Deserialize)]
struct Network {
    hidden_weights: Array2<f64>,
    hidden_bias: Array1<f64>,
    output_weights: Array2<f64>,
    output_bias: Array1<f64>,
    classify: bool,
}

impl Network {
    fn hidden(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        (x.dot(&self.hidden_weights) + &self.hidden_bias).mapv(|v| v.max(0.0))
    }

    /// Output scores (before softmax for the classifier).
    fn forward(&self, x: ArrayView2<'_, f64>) -> (Array2<f64>, Array2<f64>) {
        let hidden = self.hidden(x);
        let output = hidden.dot(&self.output_weights) + &self.output_bias;
        (hidden, output)
    }
}

impl Fitted for Network {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let (_, output) = self.forward(x);
        if !self.classify {
            return Ok(output.column(0).to_vec());
        }
        let outputs: Vec<Vec<f64>> = output.axis_iter(Axis(1)).map(|c| c.to_vec()).collect();
        Ok(argmax_rows(&outputs, x.nrows()))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

fn decode_network(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let n: Network = decode(bytes)?;
    let classes = n.classify.then_some(n.output_bias.len());
    shape.expect(n.hidden_weights.nrows(), classes)?;
    let consistent = n.hidden_weights.ncols() == n.hidden_bias.len()
        && n.output_weights.nrows() == n.hidden_bias.len()
        && n.output_weights.ncols() == n.output_bias.len()
        && !n.output_bias.is_empty();
    if !consistent {
        return Err(Error::Model("mlp layer shapes disagree".into()));
    }
    Ok(Box::new(n))
}

/// Glorot-uniform weights and biases, as scikit-learn initialises them.
fn layer(rng: &mut impl Rng, fan_in: usize, fan_out: usize) -> (Array2<f64>, Array1<f64>) {
    let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
    let weights = Array2::from_shape_fn((fan_in, fan_out), |_| rng.random_range(-bound..bound));
    let bias = Array1::from_shape_fn(fan_out, |_| rng.random_range(-bound..bound));
    (weights, bias)
}

/// Adam's moment estimates for one parameter array.
struct Moments<D: ndarray::Dimension> {
    first: ndarray::Array<f64, D>,
    second: ndarray::Array<f64, D>,
}

impl<D: ndarray::Dimension> Moments<D> {
    fn new(like: &ndarray::Array<f64, D>) -> Self {
        Moments {
            first: like.mapv(|_| 0.0),
            second: like.mapv(|_| 0.0),
        }
    }

    fn step(&mut self, param: &mut ndarray::Array<f64, D>, grad: &ndarray::Array<f64, D>, t: i32) {
        let (b1, b2, eps) = (0.9, 0.999, 1e-8);
        self.first
            .zip_mut_with(grad, |m, g| *m = b1 * *m + (1.0 - b1) * g);
        self.second
            .zip_mut_with(grad, |v, g| *v = b2 * *v + (1.0 - b2) * g * g);
        let rate = LEARNING_RATE * (1.0 - f64::powi(b2, t)).sqrt() / (1.0 - f64::powi(b1, t));
        ndarray::Zip::from(param)
            .and(&self.first)
            .and(&self.second)
            .for_each(|p, m, v| *p -= rate * m / (v.sqrt() + eps));
    }
}

/// Trains on `targets` (one column for regression, one-hot rows for classification).
fn train(x: ArrayView2<'_, f64>, targets: Array2<f64>, classify: bool) -> Network {
    let (n, p) = x.dim();
    let outputs = targets.ncols();
    let mut rng = rng(SEED);
    let (hidden_weights, hidden_bias) = layer(&mut rng, p, HIDDEN);
    let (output_weights, output_bias) = layer(&mut rng, HIDDEN, outputs);
    let mut net = Network {
        hidden_weights,
        hidden_bias,
        output_weights,
        output_bias,
        classify,
    };
    let mut moments = (
        Moments::new(&net.hidden_weights),
        Moments::new(&net.hidden_bias),
        Moments::new(&net.output_weights),
        Moments::new(&net.output_bias),
    );
    let batch = BATCH.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    let (mut best, mut stale, mut t) = (f64::INFINITY, 0, 0);
    for _ in 0..MAX_EPOCHS {
        order.shuffle(&mut rng);
        let mut epoch_loss = 0.0;
        for rows in order.chunks(batch) {
            let xb = x.select(Axis(0), rows);
            let yb = targets.select(Axis(0), rows);
            let m = rows.len() as f64;
            let (hidden, mut output) = net.forward(xb.view());
            let loss = if classify {
                softmax_rows(&mut output);
                -(&yb * &output.mapv(|v| v.max(1e-10).ln())).sum() / m
            } else {
                (&output - &yb).mapv(|d| d * d).sum() / (2.0 * m)
            };
            let penalty = 0.5
                * ALPHA
                * (net.hidden_weights.mapv(|w| w * w).sum()
                    + net.output_weights.mapv(|w| w * w).sum())
                / m;
            epoch_loss += (loss + penalty) * m;
            // For both losses the output delta is prediction - target.
            let delta_out = &output - &yb;
            let grad_ow = (hidden.t().dot(&delta_out) + ALPHA * &net.output_weights) / m;
            let grad_ob = delta_out.mean_axis(Axis(0)).expect("non-empty batch");
            let mut delta_hidden = delta_out.dot(&net.output_weights.t());
            delta_hidden.zip_mut_with(&hidden, |d, h| {
                if *h <= 0.0 {
                    *d = 0.0;
                }
            });
            let grad_hw = (xb.t().dot(&delta_hidden) + ALPHA * &net.hidden_weights) / m;
            let grad_hb = delta_hidden.mean_axis(Axis(0)).expect("non-empty batch");
            t += 1;
            moments.0.step(&mut net.hidden_weights, &grad_hw, t);
            moments.1.step(&mut net.hidden_bias, &grad_hb, t);
            moments.2.step(&mut net.output_weights, &grad_ow, t);
            moments.3.step(&mut net.output_bias, &grad_ob, t);
        }
        let epoch_loss = epoch_loss / n as f64;
        if epoch_loss > best - TOL {
            stale += 1;
        } else {
            stale = 0;
        }
        best = best.min(epoch_loss);
        if stale > PATIENCE || !epoch_loss.is_finite() {
            break;
        }
    }
    net
}

fn softmax_rows(scores: &mut Array2<f64>) {
    for mut row in scores.rows_mut() {
        let top = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - top).exp());
        let total = row.sum();
        row.mapv_inplace(|v| v / total);
    }
}

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let targets = Array2::from_shape_vec((x.nrows(), 1), y.values()?.to_vec())
        .map_err(|e| Error::Estimator(e.to_string()))?;
    Ok(Box::new(train(x, targets, false)))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let mut targets = Array2::zeros((y.len(), n_classes));
    for (r, &c) in y.iter().enumerate() {
        targets[[r, c]] = 1.0;
    }
    Ok(Box::new(train(x, targets, true)))
}
