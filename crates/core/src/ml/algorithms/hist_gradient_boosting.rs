//! `hist_gradient_boosting`: gradient boosting on histograms, as
//! scikit-learn's HistGradientBoosting defaults: 100 rounds at most,
//! learning rate 0.1, trees of at most 31 leaves grown leaf by leaf, at
//! least 20 rows per leaf, no L2 penalty, 255 bins, and above 10,000
//! training rows early stopping on the loss of 10% of them held out (10
//! rounds of patience). Squared error for regression; log-loss for classes,
//! one tree per class and round (one per round for two classes).
//! The trees (`histogram.rs`) are stored as `gradient_boosting`'s are, and
//! predict through the same code.

use ndarray::{s, Array2, Axis};
use rayon::prelude::*;

use super::gradient_boosting::{
    decode_classifier, decode_regressor, probabilities, Classifier, Regressor, RATE_APPLIED,
};
use super::histogram::{grow, Binned, Shape};
use super::shared_params::{learning_rate, max_depth, MAX_ROUNDS};
use super::tree::Tree;
use super::{AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::{Control, Phase};
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::split::{split, SplitStrategy};
use crate::ml::Task;
use crate::Error;

/// Early stopping's `auto` turns it on above this many training rows.
const EARLY_STOPPING_ROWS: usize = 10_000;
/// Held-out rows a thread adds a tree's values to at once.
const HELD_OUT_BLOCK: usize = 4096;
/// What a round must improve the held-out loss by to count (scikit-learn's `tol`).
const TOLERANCE: f64 = 1e-7;

const PARAMS: &[Param] = &[
    learning_rate(0.1, "shrinks each round's trees"),
    Param {
        name: "max_iter",
        kind: Kind::Int {
            default: 100,
            min: 1,
            max: MAX_ROUNDS,
        },
        meaning: "boosting rounds at most",
    },
    Param {
        name: "max_leaf_nodes",
        kind: Kind::Int {
            default: 31,
            min: 2,
            max: 65_536,
        },
        meaning: "leaves per tree at most (grown best leaf first)",
    },
    max_depth(None),
    Param {
        name: "min_samples_leaf",
        kind: Kind::Int {
            default: 20,
            min: 1,
            max: i32::MAX as i64,
        },
        meaning: "the fewest training rows each side of a split keeps",
    },
    Param {
        name: "l2_regularization",
        kind: Kind::Float {
            default: 0.0,
            min: 0.0,
            max: 1e12,
        },
        meaning: "L2 penalty on the leaf values",
    },
    Param {
        name: "max_bins",
        kind: Kind::Int {
            default: 255,
            min: 2,
            max: 255,
        },
        meaning: "bins each feature is cut into, at quantiles of the training rows",
    },
    Param {
        name: "early_stopping",
        kind: Kind::Choice {
            default: "auto",
            values: &["auto", "on", "off"],
        },
        meaning: "hold out validation_fraction of the rows and stop when their loss stops falling (auto: above 10,000 rows)",
    },
    Param {
        name: "validation_fraction",
        kind: Kind::PositiveFloat {
            default: 0.1,
            max: 0.5,
        },
        meaning: "the share of training rows early stopping holds out",
    },
    Param {
        name: "n_iter_no_change",
        kind: Kind::Int {
            default: 10,
            min: 1,
            max: 10_000,
        },
        meaning: "rounds without a better held-out loss before training stops",
    },
];

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "hist_gradient_boosting",
    task: Task::Regression,
    inputs: Inputs::Bins,
    library: "sqlite-ml",
    estimator: "squared-error boosting of leaf-wise trees on 255-bin histograms",
    params: PARAMS,
    fit: |x, y, settings, control| fit(x, y, settings, control),
    memory,
    decode: decode_regressor,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "hist_gradient_boosting",
    task: Task::Classification,
    inputs: Inputs::Bins,
    library: "sqlite-ml",
    estimator:
        "log-loss boosting of leaf-wise trees on 255-bin histograms, one tree per class and round",
    params: PARAMS,
    fit: |x, y, settings, control| fit(x, y, settings, control),
    memory,
    decode: decode_classifier,
};

/// The targets of some rows (the trees' or the held-out ones), in order,
/// as the loss sees them.
enum Loss {
    Squared(Vec<f64>),
    Log { y: Vec<usize>, n_classes: usize },
}

impl Loss {
    fn of(target: &Target<'_>, rows: &[usize]) -> Loss {
        match *target {
            Target::Values(v) => Loss::Squared(rows.iter().map(|&r| v[r]).collect()),
            Target::Classes { y, n_classes } => Loss::Log {
                y: rows.iter().map(|&r| y[r]).collect(),
                n_classes,
            },
        }
    }

    fn len(&self) -> usize {
        match self {
            Loss::Squared(y) => y.len(),
            Loss::Log { y, .. } => y.len(),
        }
    }

    fn outputs(&self) -> usize {
        match self {
            Loss::Squared(_) => 1,
            Loss::Log { n_classes: 2, .. } => 1,
            Loss::Log { n_classes, .. } => *n_classes,
        }
    }

    /// The starting raw score per output: the mean, the log-odds, or the
    /// log of each class's share.
    fn initial(&self) -> Vec<f64> {
        let n = self.len().max(1) as f64;
        match self {
            Loss::Squared(y) => vec![y.iter().sum::<f64>() / n],
            Loss::Log { y, n_classes } => {
                let mut counts = vec![0.0; *n_classes];
                y.iter().for_each(|&c| counts[c] += 1.0);
                let share: Vec<f64> = counts.iter().map(|c| (c / n).clamp(1e-12, 1.0)).collect();
                if *n_classes == 2 {
                    vec![(share[1] / share[0]).ln()]
                } else {
                    share.iter().map(|p| p.ln()).collect()
                }
            }
        }
    }

    /// Each output's gradient and hessian per row at the raw scores `raw[k]`.
    fn derivatives(&self, raw: &[Vec<f64>]) -> Vec<Vec<[f64; 2]>> {
        match self {
            Loss::Squared(y) => vec![raw[0]
                .par_iter()
                .zip(y.par_iter())
                .map(|(p, t)| [p - t, 1.0])
                .collect()],
            Loss::Log { y, n_classes: 2 } => vec![raw[0]
                .par_iter()
                .zip(y.par_iter())
                .map(|(s, &c)| {
                    let p = 1.0 / (1.0 + (-s).exp());
                    [p - f64::from(c == 1), (p * (1.0 - p)).max(1e-16)]
                })
                .collect()],
            Loss::Log { y, .. } => probabilities(raw, false)
                .into_iter()
                .enumerate()
                .map(|(k, p)| {
                    p.par_iter()
                        .zip(y.par_iter())
                        .map(|(p, &c)| [p - f64::from(c == k), (p * (1.0 - p)).max(1e-16)])
                        .collect()
                })
                .collect(),
        }
    }

    /// The mean loss at raw scores `raw[k][i]` (row i).
    fn mean(&self, raw: &[Vec<f64>]) -> f64 {
        let n = self.len().max(1) as f64;
        match self {
            Loss::Squared(y) => {
                y.iter()
                    .zip(&raw[0])
                    .map(|(t, p)| (p - t).powi(2))
                    .sum::<f64>()
                    / n
            }
            Loss::Log { y, n_classes } => {
                let p = probabilities(raw, *n_classes == 2);
                y.iter()
                    .enumerate()
                    .map(|(i, &c)| {
                        let q = match (*n_classes, c) {
                            (2, 1) => p[0][i],
                            (2, _) => 1.0 - p[0][i],
                            _ => p[c][i],
                        };
                        -q.max(1e-300).ln()
                    })
                    .sum::<f64>()
                    / n
            }
        }
    }
}

fn fit(
    x: Array2<f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (n, features) = x.dim();
    // Early stopping needs a row to train on and one to hold out.
    let early = n >= 2
        && match settings.choice("early_stopping")? {
            "on" => true,
            "off" => false,
            _ => n > EARLY_STOPPING_ROWS,
        };
    // The held-out rows, drawn with the training's seed, each class in its
    // share (scikit-learn stratifies its classifiers' validation rows).
    let (train, held_out): (Vec<usize>, Vec<usize>) = if early {
        let (strategy, classes) = match *y {
            Target::Classes { y, .. } => (SplitStrategy::Stratified, Some(y)),
            Target::Values(_) => (SplitStrategy::Shuffle, None),
        };
        let fraction = settings.f64("validation_fraction")?;
        let (mut train, mut held) = split(n, fraction, strategy, classes, settings.seed)?;
        train.sort_unstable();
        held.sort_unstable();
        (train, held)
    } else {
        ((0..n).collect(), Vec::new())
    };
    // From here a tree's row i is training row `train[i]`.
    let binned = Binned::new(
        x.view(),
        &train,
        settings.usize("max_bins")?,
        &settings.categorical,
        control,
    )?;
    let validation = x.select(Axis(0), &held_out);
    // The trees read the bins only: the rows go before they grow.
    drop(x);
    let (loss, held_loss) = (Loss::of(y, &train), Loss::of(y, &held_out));
    drop(train);
    let shape = Shape {
        max_leaf_nodes: settings.usize("max_leaf_nodes")?,
        max_depth: settings.limit("max_depth")?,
        min_samples_leaf: settings.usize("min_samples_leaf")?,
        l2_regularization: settings.f64("l2_regularization")?,
        shrinkage: settings.f64("learning_rate")?,
    };
    let rounds_wanted = settings.usize("max_iter")?;
    let patience = settings.usize("n_iter_no_change")?;
    let outputs = loss.outputs();
    let initial = loss.initial();
    let mut raw: Vec<Vec<f64>> = initial.iter().map(|&v| vec![v; loss.len()]).collect();
    let mut held_raw: Vec<Vec<f64>> = initial.iter().map(|&v| vec![v; held_out.len()]).collect();
    let mut held_losses = vec![held_loss.mean(&held_raw)];
    let mut rows: Vec<u32> = (0..loss.len() as u32).collect();
    let mut rounds: Vec<Vec<Tree>> = Vec::with_capacity(rounds_wanted);
    control.begin(Phase::Fitting, Some(rounds_wanted as u64));
    for _ in 0..rounds_wanted {
        let derivatives = loss.derivatives(&raw);
        let mut round = Vec::with_capacity(outputs);
        for (k, derivatives) in derivatives.iter().enumerate() {
            // In row order, so that each node's rows read their codes in order.
            rows.iter_mut().zip(0..).for_each(|(r, i)| *r = i);
            let tree = grow(
                &binned,
                &mut rows,
                derivatives,
                &shape,
                &mut raw[k],
                control,
            )?;
            held_raw[k]
                .par_chunks_mut(HELD_OUT_BLOCK)
                .enumerate()
                .for_each(|(b, raw)| {
                    let start = b * HELD_OUT_BLOCK;
                    let rows = validation.slice(s![start..start + raw.len(), ..]);
                    tree.for_each_leaf(rows, |i, v| raw[i] += v);
                });
            round.push(tree);
        }
        rounds.push(round);
        control.advance(1)?;
        if early {
            held_losses.push(held_loss.mean(&held_raw));
            if stalled(&held_losses, patience) {
                break;
            }
        }
    }
    // Stored as gradient_boosting's trees, whose leaves are scaled at
    // prediction by RATE_APPLIED.
    let rounds: Vec<Vec<Tree>> = rounds
        .into_iter()
        .map(|round| {
            round
                .into_iter()
                .map(|t| t.scaled(1.0 / RATE_APPLIED))
                .collect()
        })
        .collect();
    Ok(match loss {
        Loss::Squared(_) => Box::new(Regressor {
            n_features: features,
            initial: initial[0],
            trees: rounds.into_iter().flatten().collect(),
        }),
        Loss::Log { .. } => Box::new(Classifier {
            n_features: features,
            initial,
            rounds,
        }),
    })
}

/// scikit-learn's rule: stop once none of the last `patience` held-out
/// losses is below the one `patience` rounds before them by more than the
/// tolerance.
fn stalled(losses: &[f64], patience: usize) -> bool {
    if losses.len() <= patience {
        return false;
    }
    let reference = losses[losses.len() - patience - 1] - TOLERANCE;
    losses[losses.len() - patience..]
        .iter()
        .all(|&l| l >= reference)
}

/// The bin codes, per output the derivatives (16 bytes a row) and raw
/// scores (8), the row order (4), a node's gathered derivatives and its
/// partition's two sides (16 + 8, at most every row), and the largest
/// histograms a tree holds at once.
fn memory(size: &super::Size<'_>) -> u64 {
    let (rows, features) = (size.rows as u64, size.features as u64);
    let outputs = size.outputs.max(1) as u64;
    let leaves = size.settings.usize("max_leaf_nodes").unwrap_or(31) as u64;
    rows * features + rows * (24 * outputs + 4 + 24) + leaves * features * 256 * 24
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_when_the_held_out_loss_stalls() {
        assert!(!stalled(&[5.0, 4.0, 3.0], 2));
        assert!(stalled(&[5.0, 4.0, 4.0, 4.0], 2));
        assert!(!stalled(&[5.0, 4.0, 4.0, 3.9], 2));
    }
}
