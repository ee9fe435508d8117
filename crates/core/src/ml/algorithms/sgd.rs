//! `sgd`: linear models fitted by stochastic gradient descent, with
//! scikit-learn's SGDRegressor / SGDClassifier defaults (L2 penalty alpha
//! 1e-4, up to 1000 epochs, stop after 5 epochs without a 1e-3 gain; hinge
//! loss for classes, or log loss, which gives probabilities).
//! Neither linfa nor smartcore has it.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::sampling::rng;
use super::shared_params::{alpha, max_iter, tol};
use super::{
    argmax_rows, decode_with_settings, encode, shares, AlgorithmSpec, Fitted, Inputs, Target,
};
use crate::control::{Control, Phase};
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

const ALPHA: Param = alpha(1e-4, "L2 penalty");
const MAX_ITER: Param = max_iter(1000, "epochs at most");
const TOL: Param = tol(1e-3, "the gain in loss per row an epoch must make to count");
const N_ITER_NO_CHANGE: Param = Param {
    name: "n_iter_no_change",
    kind: Kind::Int {
        default: 5,
        min: 1,
        max: 10_000,
    },
    meaning: "epochs without that gain before training stops",
};

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "sgd",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "squared loss, learning rate eta0 / t^0.25",
    params: &[
        ALPHA,
        MAX_ITER,
        TOL,
        N_ITER_NO_CHANGE,
        Param {
            name: "eta0",
            kind: Kind::PositiveFloat {
                default: 0.01,
                max: 10.0,
            },
            meaning: "the initial learning rate",
        },
    ],
    fit: |x, y, settings, control| fit_regressor(x.view(), y, settings, control),
    memory,
    decode: decode_model,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "sgd",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "one-vs-rest, 'optimal' learning rate",
    params: &[
        ALPHA,
        MAX_ITER,
        TOL,
        N_ITER_NO_CHANGE,
        Param {
            name: "loss",
            kind: Kind::Choice {
                default: "hinge",
                values: &["hinge", "log_loss"],
            },
            meaning: "hinge (a linear SVM) or log_loss (logistic regression)",
        },
    ],
    fit: |x, y, settings, control| fit_classifier(x.view(), y, settings, control),
    memory,
    decode: decode_model,
};

/// How the descent runs, from the hyperparameters.
struct Descent {
    alpha: f64,
    epochs: usize,
    tol: f64,
    patience: usize,
    eta0: f64,
    seed: u64,
}

impl Descent {
    fn of(settings: &Settings, eta0: f64) -> Result<Descent, Error> {
        Ok(Descent {
            alpha: settings.f64("alpha")?,
            epochs: settings.usize("max_iter")?,
            tol: settings.f64("tol")?,
            patience: settings.usize("n_iter_no_change")?,
            eta0,
            seed: settings.seed,
        })
    }
}

/// One linear function per output: its weights (a row) and intercept.
#[derive(Serialize, Deserialize)]
struct Linear {
    weights: Array2<f64>,
    intercepts: Array1<f64>,
    classify: bool,
    #[serde(skip)]
    loss: ClassLoss,
}

/// A classifier's loss, written after the weights: blobs of earlier
/// versions have none, and were fitted with the hinge loss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
enum ClassLoss {
    #[default]
    Hinge,
    Log,
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
        encode(self, out)?;
        encode(&self.loss, out)
    }

    /// With the log loss, as scikit-learn's one-vs-rest: each class's
    /// logistic, divided by their sum. The hinge loss has none.
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        if !self.classify || self.loss != ClassLoss::Log {
            return Ok(None);
        }
        let mut scores = x.dot(&self.weights.t()) + &self.intercepts;
        scores.mapv_inplace(|s| 1.0 / (1.0 + (-s).exp()));
        Ok(Some(shares(scores)))
    }
}

fn decode_model(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let (mut model, loss): (Linear, ClassLoss) = decode_with_settings(bytes)?;
    model.loss = loss;
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
    Log,
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
            Loss::Log => {
                // ln(1 + e^-z) and its derivative, without overflow.
                let z = prediction * target;
                let value = if z > 0.0 {
                    (-z).exp().ln_1p()
                } else {
                    -z + z.exp().ln_1p()
                };
                (value, -target / (1.0 + z.exp()))
            }
        }
    }
}

/// Plain SGD on one output; returns (weights, intercept).
fn descend(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    loss: Loss,
    d: &Descent,
    control: &Control,
) -> Result<(Array1<f64>, f64), Error> {
    let alpha = d.alpha;
    let (n, p) = x.dim();
    let mut w = Array1::<f64>::zeros(p);
    let mut b = 0.0;
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = rng(d.seed);
    // scikit-learn's "optimal" schedule for the classifier, "invscaling" for the regressor.
    let typical = (1.0 / alpha.sqrt()).sqrt();
    let optimal_start = 1.0 / (typical * alpha);
    let mut t = 1.0f64;
    let (mut best, mut stale) = (f64::INFINITY, 0);
    for _ in 0..d.epochs {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for (k, &i) in order.iter().enumerate() {
            if k % 4096 == 0 {
                control.checkpoint()?;
            }
            let row = x.row(i);
            let prediction = row.dot(&w) + b;
            let eta = match loss {
                Loss::Squared => d.eta0 / t.powf(0.25),
                Loss::Hinge | Loss::Log => 1.0 / (alpha * (optimal_start + t - 1.0)),
            };
            let (value, derivative) = loss.at(prediction, y[i]);
            total += value;
            let derivative = derivative.clamp(-1e12, 1e12);
            w *= (1.0 - eta * alpha).max(0.0);
            if derivative != 0.0 {
                w.scaled_add(-eta * derivative, &row);
                b -= eta * derivative;
            }
            t += 1.0;
        }
        if total > best - d.tol * n as f64 {
            stale += 1;
        } else {
            stale = 0;
        }
        best = best.min(total);
        control.advance(1)?;
        if stale >= d.patience || !total.is_finite() {
            break;
        }
    }
    Ok((w, b))
}

fn fit_regressor(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let descent = Descent::of(settings, settings.f64("eta0")?)?;
    control.begin(Phase::Fitting, Some(descent.epochs as u64));
    let (w, b) = descend(x, y.values()?, Loss::Squared, &descent, control)?;
    let weights = w.insert_axis(Axis(0));
    Ok(Box::new(Linear {
        weights,
        intercepts: Array1::from(vec![b]),
        classify: false,
        loss: ClassLoss::default(),
    }))
}

fn fit_classifier(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let descent = Descent::of(settings, 0.0)?;
    // Epochs at most: most classes stop before.
    control.begin(Phase::Fitting, Some((n_classes * descent.epochs) as u64));
    let loss = match settings.choice("loss")? {
        "log_loss" => ClassLoss::Log,
        _ => ClassLoss::Hinge,
    };
    let mut weights = Array2::zeros((n_classes, x.ncols()));
    let mut intercepts = Array1::zeros(n_classes);
    for class in 0..n_classes {
        let signs: Vec<f64> = y
            .iter()
            .map(|&c| if c == class { 1.0 } else { -1.0 })
            .collect();
        let rule = match loss {
            ClassLoss::Hinge => Loss::Hinge,
            ClassLoss::Log => Loss::Log,
        };
        let (w, b) = descend(x, &signs, rule, &descent, control)?;
        weights.row_mut(class).assign(&w);
        intercepts[class] = b;
    }
    Ok(Box::new(Linear {
        weights,
        intercepts,
        classify: true,
        loss,
    }))
}

/// The row order and one target column at a time.
fn memory(size: &super::Size<'_>) -> u64 {
    super::matrix_bytes(size.rows, 2)
}
