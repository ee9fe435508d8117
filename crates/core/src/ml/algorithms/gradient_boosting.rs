//! `gradient_boosting`: by default 100 trees of depth 3, learning rate 0.1,
//! as scikit-learn's GradientBoosting defaults, on the flat, validated trees of
//! `tree.rs`. Regression fits squared error from the mean.
//! Classification boosts log-loss with one tree per class and round (one per
//! round for two classes) and Newton-step leaf values. smartcore's
//! XGRegressor is not used: it offers squared error only, and keeps its
//! trees as nested boxes, which a crafted blob could nest deep enough to
//! overflow the stack while decoding.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::forest::limits;
use super::shared_params::{
    learning_rate, max_depth_of_rounds, n_estimators, MAX_ROUNDS, MIN_SAMPLES_LEAF,
    MIN_SAMPLES_SPLIT,
};
use super::tree::{CategorySet, Criterion, Growth, Presorted, Scratch, Tree};
use super::{
    argmax, decode_with_settings, encode, softmax_rows, AlgorithmSpec, Fitted, Inputs, Target,
};
use crate::control::{Control, Phase};
use crate::ml::hyperparams::{Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

/// The rate earlier versions' models were boosted with, by which every
/// model's trees are multiplied at prediction: a tree's leaves are stored
/// scaled by `learning_rate / RATE_APPLIED`, so that blobs written before the
/// rate became a hyperparameter predict as they did.
pub const RATE_APPLIED: f64 = 0.1;

const PARAMS: &[Param] = &[
    n_estimators(100, MAX_ROUNDS, "boosting rounds"),
    learning_rate(0.1, "shrinks each round's trees"),
    max_depth_of_rounds(3),
    MIN_SAMPLES_SPLIT,
    MIN_SAMPLES_LEAF,
];

/// The rounds, the leaf scale and each round's trees' limits.
fn boosting(settings: &Settings) -> Result<(usize, f64, Growth), Error> {
    let growth = limits(settings)?;
    let scale = settings.f64("learning_rate")? / RATE_APPLIED;
    Ok((settings.usize("n_estimators")?, scale, growth))
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "gradient_boosting",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "squared-error boosting from the mean",
    params: PARAMS,
    fit: |x, y, settings, control| fit_regressor(x.view(), y, settings, control),
    memory: super::tree::boosting_memory,
    decode: decode_regressor,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "gradient_boosting",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "log-loss boosting, Newton-step leaves, one tree per class and round",
    params: PARAMS,
    fit: |x, y, settings, control| fit_classifier(x.view(), y, settings, control),
    memory: super::tree::boosting_memory,
    decode: decode_classifier,
};

/// The boosted trees of a regression (also `hist_gradient_boosting`'s).
#[derive(Serialize, Deserialize)]
pub struct Regressor {
    pub n_features: usize,
    pub initial: f64,
    /// Each tree's leaves are multiplied by [`RATE_APPLIED`] at prediction.
    pub trees: Vec<Tree>,
}

impl Fitted for Regressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(in_blocks(x, 1, |x, out| {
            if x.nrows() < FEW_ROWS {
                for (row, boost) in x.rows().into_iter().zip(out.iter_mut()) {
                    Tree::for_each_tree(&self.trees, |j| row[j], |v| *boost += v);
                }
            } else {
                for tree in &self.trees {
                    tree.for_each_leaf(x, |i, v| out[i] += v);
                }
            }
            for boost in out {
                *boost = self.initial + RATE_APPLIED * *boost;
            }
        }))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)?;
        encode_sets(self.trees.iter(), out)
    }
}

/// Each tree's category sets after the model, when any tree has one (only
/// `hist_gradient_boosting`'s categorical splits do): the blobs of the
/// others, and those written before, end with the model.
fn encode_sets<'a>(
    trees: impl Iterator<Item = &'a Tree> + Clone,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    if trees.clone().all(|t| t.sets().is_empty()) {
        return Ok(());
    }
    let sets: Vec<&[CategorySet]> = trees.map(Tree::sets).collect();
    encode(&sets, out)
}

/// Gives each tree its sets, read after the model: none, or one list per tree.
fn attach_sets<'a>(
    trees: impl ExactSizeIterator<Item = &'a mut Tree>,
    sets: Vec<Vec<CategorySet>>,
) -> Result<(), Error> {
    if sets.is_empty() {
        return Ok(());
    }
    if sets.len() != trees.len() {
        return Err(Error::Model(
            "gradient boosting: category sets and trees do not match".into(),
        ));
    }
    for (tree, sets) in trees.zip(sets) {
        tree.set_sets(sets);
    }
    Ok(())
}

pub fn decode_regressor(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let (mut model, sets): (Regressor, Vec<Vec<CategorySet>>) = decode_with_settings(bytes)?;
    attach_sets(model.trees.iter_mut(), sets)?;
    shape.expect(model.n_features, None)?;
    if !model.initial.is_finite() {
        return Err(Error::Model(
            "gradient boosting: the initial value is not finite".into(),
        ));
    }
    for tree in &model.trees {
        tree.check(model.n_features, f64::is_finite)?;
    }
    Ok(Box::new(model))
}

fn fit_regressor(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (rounds, scale, growth) = boosting(settings)?;
    let y = y.values()?;
    let n = y.len();
    let initial = y.iter().sum::<f64>() / n as f64;
    let presorted = Presorted::new(x, control)?;
    control.begin(Phase::Fitting, Some(rounds as u64));
    let mut scratch = Scratch::default();
    let ones = vec![1.0; n];
    let mut predicted = vec![initial; n];
    let mut trees = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let residual: Vec<f64> = y.iter().zip(&predicted).map(|(t, p)| t - p).collect();
        let mean = |rows: &[usize]| {
            scale * rows.iter().map(|&r| residual[r]).sum::<f64>() / rows.len() as f64
        };
        let tree = Tree::fit(
            &mut scratch,
            &presorted,
            Criterion::SquaredError(&residual),
            &ones,
            growth,
            mean,
            control,
        )?;
        tree.for_each_leaf(x, |r, v| predicted[r] += RATE_APPLIED * v);
        trees.push(tree);
        control.advance(1)?;
    }
    Ok(Box::new(Regressor {
        n_features: x.ncols(),
        initial,
        trees,
    }))
}

/// The boosted trees of a classification (also `hist_gradient_boosting`'s).
#[derive(Serialize, Deserialize)]
pub struct Classifier {
    pub n_features: usize,
    /// Starting raw score per output (log-odds for two classes, log-priors otherwise).
    pub initial: Vec<f64>,
    /// `rounds[m][k]`: the tree of round m for output k, its leaves
    /// multiplied by [`RATE_APPLIED`] at prediction.
    pub rounds: Vec<Vec<Tree>>,
}

impl Classifier {
    fn outputs(&self) -> usize {
        self.initial.len()
    }
}

impl Classifier {
    /// Each row's raw scores, one after the other: the log-odds (two
    /// classes) or one per class.
    fn raw(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        let outputs = self.outputs();
        in_blocks(x, outputs, |x, out| {
            for raw in out.chunks_mut(outputs) {
                raw.copy_from_slice(&self.initial);
            }
            if x.nrows() < FEW_ROWS {
                for (row, raw) in x.rows().into_iter().zip(out.chunks_mut(outputs)) {
                    for (k, raw) in raw.iter_mut().enumerate() {
                        let trees = self.rounds.iter().map(|round| &round[k]);
                        Tree::for_each_tree(trees, |j| row[j], |v| *raw += RATE_APPLIED * v);
                    }
                }
                return;
            }
            for round in &self.rounds {
                for (k, tree) in round.iter().enumerate() {
                    tree.for_each_leaf(x, |i, v| out[i * outputs + k] += RATE_APPLIED * v);
                }
            }
        })
    }
}

impl Fitted for Classifier {
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        let classes = self.outputs().max(2);
        let mut out = Array2::zeros((x.nrows(), classes));
        let raws = self.raw(x);
        for (raw, mut p) in raws.chunks(self.outputs()).zip(out.rows_mut()) {
            if self.outputs() == 1 {
                let positive = 1.0 / (1.0 + (-raw[0]).exp());
                p[0] = 1.0 - positive;
                p[1] = positive;
            } else {
                p.assign(&ndarray::ArrayView1::from(raw));
            }
        }
        if self.outputs() > 1 {
            softmax_rows(&mut out);
        }
        Ok(Some(out))
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(self
            .raw(x)
            .chunks(self.outputs())
            .map(|raw| {
                if raw.len() == 1 {
                    f64::from(raw[0] > 0.0)
                } else {
                    argmax(raw) as f64
                }
            })
            .collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)?;
        encode_sets(self.rounds.iter().flatten(), out)
    }
}

pub fn decode_classifier(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let (mut model, sets): (Classifier, Vec<Vec<CategorySet>>) = decode_with_settings(bytes)?;
    let trees: Vec<&mut Tree> = model.rounds.iter_mut().flatten().collect();
    attach_sets(trees.into_iter(), sets)?;
    // Two classes take one output (the log-odds), more one per class.
    let classes = match model.outputs() {
        1 => 2,
        k => k,
    };
    shape.expect(model.n_features, Some(classes))?;
    if model.outputs() == 0 || model.rounds.iter().any(|r| r.len() != model.outputs()) {
        return Err(Error::Model(
            "gradient boosting: rounds and outputs do not match".into(),
        ));
    }
    for tree in model.rounds.iter().flatten() {
        tree.check(model.n_features, f64::is_finite)?;
    }
    Ok(Box::new(model))
}

fn fit_classifier(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (rounds_wanted, leaf_scale, growth) = boosting(settings)?;
    let (y, n_classes) = y.classes()?;
    let n = y.len();
    let presorted = Presorted::new(x, control)?;
    control.begin(Phase::Fitting, Some(rounds_wanted as u64));
    let mut scratch = Scratch::default();
    let ones = vec![1.0; n];
    let mut counts = vec![0.0; n_classes];
    for &c in y {
        counts[c] += 1.0;
    }
    let prior: Vec<f64> = counts
        .iter()
        .map(|c| (c / n as f64).clamp(1e-12, 1.0))
        .collect();
    let binary = n_classes == 2;
    let initial: Vec<f64> = if binary {
        vec![(prior[1] / prior[0]).ln()]
    } else {
        prior.iter().map(|p| p.ln()).collect()
    };
    let outputs = initial.len();
    // raw[k][r]: the current score of row r for output k.
    let mut raw: Vec<Vec<f64>> = initial.iter().map(|&v| vec![v; n]).collect();
    let is = |r: usize, k: usize| {
        if binary {
            f64::from(y[r] == 1)
        } else {
            f64::from(y[r] == k)
        }
    };
    let mut rounds = Vec::with_capacity(rounds_wanted);
    for _ in 0..rounds_wanted {
        let probabilities = probabilities(&raw, binary);
        let mut round = Vec::with_capacity(outputs);
        for k in 0..outputs {
            let residual: Vec<f64> = (0..n).map(|r| is(r, k) - probabilities[k][r]).collect();
            let scale = if binary {
                1.0
            } else {
                (n_classes as f64 - 1.0) / n_classes as f64
            };
            let newton = |rows: &[usize]| {
                let numerator: f64 = rows.iter().map(|&r| residual[r]).sum();
                let denominator: f64 = rows
                    .iter()
                    .map(|&r| (is(r, k) - residual[r]) * (1.0 - is(r, k) + residual[r]))
                    .sum();
                if denominator.abs() < 1e-150 {
                    0.0
                } else {
                    leaf_scale * scale * numerator / denominator
                }
            };
            let tree = Tree::fit(
                &mut scratch,
                &presorted,
                Criterion::SquaredError(&residual),
                &ones,
                growth,
                newton,
                control,
            )?;
            tree.for_each_leaf(x, |r, v| raw[k][r] += RATE_APPLIED * v);
            round.push(tree);
        }
        rounds.push(round);
        control.advance(1)?;
    }
    Ok(Box::new(Classifier {
        n_features: x.ncols(),
        initial,
        rounds,
    }))
}

/// Below this many rows, each row walks the trees side by side; from it,
/// each tree walks the rows side by side.
const FEW_ROWS: usize = 16;

/// Rows a thread scores at once: each tree's nodes are read for all of
/// them, while they are in the cache.
const BLOCK: usize = 512;

/// `width` numbers per row of `x`, zero to start with, which `fill` writes
/// for a block of rows at a time, the blocks in parallel (a whole test
/// set walks every tree once per row).
fn in_blocks(
    x: ArrayView2<'_, f64>,
    width: usize,
    fill: impl Fn(ArrayView2<'_, f64>, &mut [f64]) + Sync,
) -> Vec<f64> {
    let mut out = vec![0.0; x.nrows() * width];
    if x.nrows() < FEW_ROWS {
        // Not worth handing to another thread (one row per call, row-wise).
        fill(x, &mut out);
        return out;
    }
    out.par_chunks_mut(BLOCK * width)
        .enumerate()
        .for_each(|(b, out)| {
            let start = b * BLOCK;
            fill(
                x.slice(ndarray::s![start..start + out.len() / width, ..]),
                out,
            )
        });
    out
}

/// Class probabilities from raw scores: the logistic of one score for two
/// classes, the softmax over all outputs otherwise.
pub fn probabilities(raw: &[Vec<f64>], binary: bool) -> Vec<Vec<f64>> {
    let n = raw[0].len();
    if binary {
        return vec![raw[0].iter().map(|s| 1.0 / (1.0 + (-s).exp())).collect()];
    }
    let mut out = vec![vec![0.0; n]; raw.len()];
    for r in 0..n {
        let top = raw.iter().map(|k| k[r]).fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = raw.iter().map(|k| (k[r] - top).exp()).sum();
        for (k, scores) in raw.iter().enumerate() {
            out[k][r] = (scores[r] - top).exp() / total;
        }
    }
    out
}
