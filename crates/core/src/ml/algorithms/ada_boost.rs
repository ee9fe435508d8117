//! `ada_boost`: boosting over small CART trees. Regression is AdaBoost.R2
//! (50 trees of depth 3, linear loss, weighted median), each tree learning
//! from a sample drawn by the boosting weights, as scikit-learn's
//! AdaBoostRegressor does; classification is SAMME over 50 stumps fitted
//! with the boosting weights as sample weights.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::sampling::{rng, weighted_bootstrap};
use super::shared_params::{learning_rate, n_estimators, MAX_TREES};
use super::tree::{weighted_majority, weighted_mean, Criterion, Growth, Presorted, Scratch, Tree};
use super::{
    argmax, decode, encode, is_class, softmax_rows, AlgorithmSpec, Fitted, Inputs, Target,
};
use crate::control::{Control, Phase};
use crate::ml::hyperparams::{Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

const PARAMS: &[Param] = &[
    n_estimators(
        50,
        MAX_TREES,
        "boosting rounds at most (fewer when a fit is perfect)",
    ),
    learning_rate(1.0, "shrinks each tree's weight in the vote"),
];

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "ada_boost",
    task: Task::Regression,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "AdaBoost.R2 over CART trees of depth 3, linear loss",
    params: PARAMS,
    fit: |x, y, settings, control| fit_regressor(x.view(), y, settings, control),
    memory: super::tree::boosting_memory,
    decode: decode_regressor,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "ada_boost",
    task: Task::Classification,
    inputs: Inputs::Trees,
    library: "sqlite-ml",
    estimator: "SAMME over CART stumps",
    params: PARAMS,
    fit: |x, y, settings, control| fit_classifier(x.view(), y, settings, control),
    memory: super::tree::boosting_memory,
    decode: decode_classifier,
};

#[derive(Serialize, Deserialize)]
struct Regressor {
    n_features: usize,
    trees: Vec<Tree>,
    weights: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
struct Classifier {
    n_features: usize,
    stumps: Vec<Tree>,
    weights: Vec<f64>,
    n_classes: usize,
}

fn decode_regressor(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model: Regressor = decode(bytes)?;
    shape.expect(model.n_features, None)?;
    if model.trees.is_empty() || model.trees.len() != model.weights.len() {
        return Err(Error::Model(
            "ada_boost: trees and weights do not match".into(),
        ));
    }
    for tree in &model.trees {
        tree.check(model.n_features, f64::is_finite)?;
    }
    Ok(Box::new(model))
}

fn decode_classifier(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model: Classifier = decode(bytes)?;
    shape.expect(model.n_features, Some(model.n_classes))?;
    if model.stumps.is_empty() || model.stumps.len() != model.weights.len() {
        return Err(Error::Model(
            "ada_boost: stumps and weights do not match".into(),
        ));
    }
    for stump in &model.stumps {
        stump.check(model.n_features, is_class(model.n_classes))?;
    }
    Ok(Box::new(model))
}

impl Fitted for Regressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let rows = x.nrows();
        let outputs: Vec<Vec<f64>> = self.trees.iter().map(|t| t.predict(x)).collect();
        let total: f64 = self.weights.iter().sum();
        Ok((0..rows)
            .map(|r| {
                // The weighted median of the trees' predictions.
                let mut ranked: Vec<(f64, f64)> = outputs
                    .iter()
                    .zip(&self.weights)
                    .map(|(o, &w)| (o[r], w))
                    .collect();
                ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut seen = 0.0;
                for (value, weight) in &ranked {
                    seen += weight;
                    if seen >= 0.5 * total {
                        return *value;
                    }
                }
                ranked.last().map_or(0.0, |v| v.0)
            })
            .collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

impl Fitted for Classifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let rows = x.nrows();
        let mut scores = vec![vec![0.0; self.n_classes]; rows];
        for (stump, &weight) in self.stumps.iter().zip(&self.weights) {
            for (row, class) in scores.iter_mut().zip(stump.predict(x)) {
                if let Some(score) = row.get_mut(class as usize) {
                    *score += weight;
                }
            }
        }
        Ok(scores.iter().map(|row| argmax(row) as f64).collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }

    /// As scikit-learn's SAMME: the softmax of the weighted votes divided by
    /// the total weight and by the class count less one.
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        let k = self.n_classes;
        let scale = self.weights.iter().sum::<f64>() * (k.max(2) - 1) as f64;
        let mut scores = Array2::zeros((x.nrows(), k));
        for (stump, &weight) in self.stumps.iter().zip(&self.weights) {
            for (mut row, class) in scores.rows_mut().into_iter().zip(stump.predict(x)) {
                if let Some(score) = row.get_mut(class as usize) {
                    *score += weight;
                }
            }
        }
        if scale > 0.0 {
            scores.mapv_inplace(|s| s / scale);
        }
        softmax_rows(&mut scores);
        Ok(Some(scores))
    }
}

fn fit_regressor(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?;
    let rate = settings.f64("learning_rate")?;
    let n = x.nrows();
    let presorted = Presorted::new(x, control)?;
    let rounds = settings.usize("n_estimators")?;
    control.begin(Phase::Fitting, Some(rounds as u64));
    let mut scratch = Scratch::default();
    let mut sample_weights = vec![1.0 / n as f64; n];
    let mut rng = rng(settings.seed);
    let (mut trees, mut weights) = (Vec::new(), Vec::new());
    let growth = Growth {
        max_depth: Some(3),
        seed: settings.seed,
        ..Growth::FULL
    };
    for _ in 0..rounds {
        control.advance(1)?;
        // The drawn sample as copies per row.
        let mut copies = vec![0.0; n];
        for r in weighted_bootstrap(&mut rng, &sample_weights) {
            copies[r] += 1.0;
        }
        let tree = Tree::fit(
            &mut scratch,
            &presorted,
            Criterion::SquaredError(y),
            &copies,
            growth,
            weighted_mean(y, &copies),
            control,
        )?;
        let predicted = tree.predict(x);
        let errors: Vec<f64> = predicted
            .iter()
            .zip(y)
            .map(|(p, t)| (p - t).abs())
            .collect();
        let largest = errors.iter().cloned().fold(0.0, f64::max);
        if largest == 0.0 {
            // A perfect fit: it alone decides.
            trees.push(tree);
            weights.push(1.0);
            break;
        }
        let loss: Vec<f64> = errors.iter().map(|e| e / largest).collect();
        let error: f64 = loss.iter().zip(&sample_weights).map(|(l, w)| l * w).sum();
        if error >= 0.5 {
            if trees.is_empty() {
                trees.push(tree);
                weights.push(1.0);
            }
            break;
        }
        let beta = error / (1.0 - error);
        trees.push(tree);
        weights.push(rate * (1.0 / beta.max(f64::MIN_POSITIVE)).ln());
        for (w, l) in sample_weights.iter_mut().zip(&loss) {
            *w *= beta.powf((1.0 - l) * rate);
        }
        let total: f64 = sample_weights.iter().sum();
        sample_weights.iter_mut().for_each(|w| *w /= total);
    }
    Ok(Box::new(Regressor {
        n_features: x.ncols(),
        trees,
        weights,
    }))
}

fn fit_classifier(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let rate = settings.f64("learning_rate")?;
    let n = x.nrows();
    let presorted = Presorted::new(x, control)?;
    let rounds = settings.usize("n_estimators")?;
    control.begin(Phase::Fitting, Some(rounds as u64));
    let mut scratch = Scratch::default();
    let mut sample_weights = vec![1.0 / n as f64; n];
    let (mut stumps, mut weights) = (Vec::new(), Vec::new());
    let k = n_classes as f64;
    let growth = Growth {
        max_depth: Some(1),
        seed: settings.seed,
        ..Growth::FULL
    };
    for _ in 0..rounds {
        control.advance(1)?;
        let stump = Tree::fit(
            &mut scratch,
            &presorted,
            Criterion::Gini { y, n_classes },
            &sample_weights,
            growth,
            weighted_majority(y, n_classes, &sample_weights),
            control,
        )?;
        let predicted = stump.predict(x);
        let wrong: Vec<bool> = predicted
            .iter()
            .zip(y)
            .map(|(&p, &t)| p as usize != t)
            .collect();
        let error: f64 = wrong
            .iter()
            .zip(&sample_weights)
            .filter(|(w, _)| **w)
            .map(|(_, s)| s)
            .sum();
        if error <= 0.0 {
            stumps.push(stump);
            weights.push(1.0);
            break;
        }
        if error >= 1.0 - 1.0 / k {
            if stumps.is_empty() {
                stumps.push(stump);
                weights.push(1.0);
            }
            break;
        }
        let alpha = rate * (((1.0 - error) / error).ln() + (k - 1.0).ln());
        for (w, &bad) in sample_weights.iter_mut().zip(&wrong) {
            if bad {
                *w *= alpha.exp();
            }
        }
        let total: f64 = sample_weights.iter().sum();
        sample_weights.iter_mut().for_each(|w| *w /= total);
        stumps.push(stump);
        weights.push(alpha);
    }
    if stumps.is_empty() {
        return Err(Error::Estimator(
            "ada_boost: no stump could be fitted".into(),
        ));
    }
    Ok(Box::new(Classifier {
        n_features: x.ncols(),
        stumps,
        weights,
        n_classes,
    }))
}
