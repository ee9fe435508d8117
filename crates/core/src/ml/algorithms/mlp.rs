//! `mlp`: a neural network with one hidden layer of ReLU units trained by
//! Adam on minibatches, stopping after `n_iter_no_change` epochs without a
//! `tol` gain; by default 100 units, learning rate 1e-3, batches of 200 rows,
//! L2 alpha 1e-4 and up to 200 epochs: the defaults of scikit-learn's
//! MLPRegressor / MLPClassifier. Neither linfa nor smartcore has one.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::sampling::rng;
use super::shared_params::{alpha, max_iter, tol};
use super::{argmax_rows, decode, encode, softmax_rows, AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::{Control, Phase};
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

const PARAMS: &[Param] = &[
    Param {
        name: "hidden_layer_sizes",
        kind: Kind::Ints {
            default: &[100],
            min: 1,
            max: 4096,
            max_len: 1,
        },
        meaning: "units of the hidden layer (one layer here)",
    },
    alpha(1e-4, "L2 penalty on the weights"),
    Param {
        name: "learning_rate_init",
        kind: Kind::PositiveFloat {
            default: 1e-3,
            max: 10.0,
        },
        meaning: "Adam's step size",
    },
    Param {
        name: "batch_size",
        kind: Kind::Int {
            default: 200,
            min: 1,
            max: 1_000_000,
        },
        meaning: "rows per minibatch (all of them if fewer)",
    },
    max_iter(200, "epochs at most"),
    tol(1e-4, "the gain in loss an epoch must make to count"),
    Param {
        name: "n_iter_no_change",
        kind: Kind::Int {
            default: 10,
            min: 1,
            max: 10_000,
        },
        meaning: "epochs without that gain before training stops",
    },
];

/// How a network is trained, from the hyperparameters.
struct Training {
    hidden: usize,
    alpha: f64,
    rate: f64,
    batch: usize,
    epochs: usize,
    tol: f64,
    patience: usize,
    seed: u64,
}

impl Training {
    fn of(settings: &Settings) -> Result<Training, Error> {
        Ok(Training {
            hidden: settings.usizes("hidden_layer_sizes")?[0],
            alpha: settings.f64("alpha")?,
            rate: settings.f64("learning_rate_init")?,
            batch: settings.usize("batch_size")?,
            epochs: settings.usize("max_iter")?,
            tol: settings.f64("tol")?,
            patience: settings.usize("n_iter_no_change")?,
            seed: settings.seed,
        })
    }
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "mlp",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "one hidden layer of ReLU units, squared loss, Adam",
    params: PARAMS,
    fit: |x, y, settings, control| fit_regressor(x.view(), y, &Training::of(settings)?, control),
    memory,
    decode: decode_network,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "mlp",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "one hidden layer of ReLU units, softmax, Adam",
    params: PARAMS,
    fit: |x, y, settings, control| fit_classifier(x.view(), y, &Training::of(settings)?, control),
    memory,
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

    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        if !self.classify {
            return Ok(None);
        }
        let (_, mut output) = self.forward(x);
        softmax_rows(&mut output);
        Ok(Some(output))
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

    fn step(
        &mut self,
        param: &mut ndarray::Array<f64, D>,
        grad: &ndarray::Array<f64, D>,
        t: i32,
        step_size: f64,
    ) {
        let (b1, b2, eps) = (0.9, 0.999, 1e-8);
        self.first
            .zip_mut_with(grad, |m, g| *m = b1 * *m + (1.0 - b1) * g);
        self.second
            .zip_mut_with(grad, |v, g| *v = b2 * *v + (1.0 - b2) * g * g);
        let rate = step_size * (1.0 - f64::powi(b2, t)).sqrt() / (1.0 - f64::powi(b1, t));
        ndarray::Zip::from(param)
            .and(&self.first)
            .and(&self.second)
            .for_each(|p, m, v| *p -= rate * m / (v.sqrt() + eps));
    }
}

/// Trains on `targets` (one column for regression, one-hot rows for classification).
fn train(
    x: ArrayView2<'_, f64>,
    targets: Array2<f64>,
    classify: bool,
    training: &Training,
    control: &Control,
) -> Result<Network, Error> {
    let (n, p) = x.dim();
    let outputs = targets.ncols();
    let mut rng = rng(training.seed);
    let (hidden_weights, hidden_bias) = layer(&mut rng, p, training.hidden);
    let (output_weights, output_bias) = layer(&mut rng, training.hidden, outputs);
    let alpha = training.alpha;
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
    let batch = training.batch.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    let (mut best, mut stale, mut t) = (f64::INFINITY, 0, 0);
    control.begin(Phase::Fitting, Some(training.epochs as u64));
    for _ in 0..training.epochs {
        order.shuffle(&mut rng);
        let mut epoch_loss = 0.0;
        for rows in order.chunks(batch) {
            control.checkpoint()?;
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
                * alpha
                * (net.hidden_weights.mapv(|w| w * w).sum()
                    + net.output_weights.mapv(|w| w * w).sum())
                / m;
            epoch_loss += (loss + penalty) * m;
            // For both losses the output delta is prediction - target.
            let delta_out = &output - &yb;
            let grad_ow = (hidden.t().dot(&delta_out) + alpha * &net.output_weights) / m;
            let grad_ob = delta_out.mean_axis(Axis(0)).expect("non-empty batch");
            let mut delta_hidden = delta_out.dot(&net.output_weights.t());
            delta_hidden.zip_mut_with(&hidden, |d, h| {
                if *h <= 0.0 {
                    *d = 0.0;
                }
            });
            let grad_hw = (xb.t().dot(&delta_hidden) + alpha * &net.hidden_weights) / m;
            let grad_hb = delta_hidden.mean_axis(Axis(0)).expect("non-empty batch");
            t += 1;
            moments
                .0
                .step(&mut net.hidden_weights, &grad_hw, t, training.rate);
            moments
                .1
                .step(&mut net.hidden_bias, &grad_hb, t, training.rate);
            moments
                .2
                .step(&mut net.output_weights, &grad_ow, t, training.rate);
            moments
                .3
                .step(&mut net.output_bias, &grad_ob, t, training.rate);
        }
        let epoch_loss = epoch_loss / n as f64;
        if epoch_loss > best - training.tol {
            stale += 1;
        } else {
            stale = 0;
        }
        best = best.min(epoch_loss);
        control.advance(1)?;
        if stale > training.patience || !epoch_loss.is_finite() {
            break;
        }
    }
    Ok(net)
}

fn fit_regressor(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    training: &Training,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let targets = Array2::from_shape_vec((x.nrows(), 1), y.values()?.to_vec())
        .map_err(|e| Error::Estimator(e.to_string()))?;
    Ok(Box::new(train(x, targets, false, training, control)?))
}

fn fit_classifier(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    training: &Training,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let mut targets = Array2::zeros((y.len(), n_classes));
    for (r, &c) in y.iter().enumerate() {
        targets[[r, c]] = 1.0;
    }
    Ok(Box::new(train(x, targets, true, training, control)?))
}

/// The one-hot targets and a batch's activations.
fn memory(size: &super::Size<'_>) -> u64 {
    let s = size.settings;
    let hidden = s
        .usizes("hidden_layer_sizes")
        .map_or(100, |h| h.iter().sum());
    let batch = s.usize("batch_size").unwrap_or(200).min(size.rows);
    super::matrix_bytes(size.rows, size.outputs)
        + 6 * super::matrix_bytes(batch, hidden + size.features + size.outputs)
}
