//! `ada_boost`: boosting over small decision trees. Regression is AdaBoost.R2
//! (50 trees of depth 3, linear loss, weighted median), classification is
//! SAMME (50 stumps). Each tree learns from a sample drawn by the boosting
//! weights, as scikit-learn's AdaBoostRegressor does: smartcore's trees take
//! no sample weights.

use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use smartcore::tree::decision_tree_classifier::DecisionTreeClassifierParameters;
use smartcore::tree::decision_tree_regressor::DecisionTreeRegressorParameters;

use super::sampling::{rng, weighted_bootstrap};
use super::smartcore_util::{
    class_targets, dense, failed, smartcore_depth, ClassificationTree, RegressionTree,
};
use super::{decode, encode, AlgorithmSpec, Fitted, Target};
use crate::ml::{split::SEED, Task};
use crate::Error;

const ESTIMATORS: usize = 50;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "ada_boost",
    task: Task::Regression,
    library: "smartcore",
    estimator: "AdaBoost.R2 over 50 smartcore DecisionTreeRegressor of depth 3",
    fit: fit_regressor,
    decode: |bytes| Ok(Box::new(decode::<Regressor>(bytes)?)),
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "ada_boost",
    task: Task::Classification,
    library: "smartcore",
    estimator: "SAMME over 50 smartcore DecisionTreeClassifier stumps",
    fit: fit_classifier,
    decode: |bytes| Ok(Box::new(decode::<Classifier>(bytes)?)),
};

#[derive(Serialize, Deserialize)]
struct Regressor {
    trees: Vec<RegressionTree>,
    weights: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
struct Classifier {
    stumps: Vec<ClassificationTree>,
    weights: Vec<f64>,
    n_classes: usize,
}

impl Fitted for Regressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let rows = x.nrows();
        let x = dense(x)?;
        let outputs = self
            .trees
            .iter()
            .map(|t| t.predict(&x).map_err(failed))
            .collect::<Result<Vec<_>, _>>()?;
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

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(self)
    }
}

impl Fitted for Classifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let rows = x.nrows();
        let x = dense(x)?;
        let mut scores = vec![vec![0.0; self.n_classes]; rows];
        for (stump, &weight) in self.stumps.iter().zip(&self.weights) {
            for (row, class) in scores.iter_mut().zip(stump.predict(&x).map_err(failed)?) {
                if let Some(score) = row.get_mut(class as usize) {
                    *score += weight;
                }
            }
        }
        Ok(scores
            .iter()
            .map(|row| {
                let mut best = 0;
                for (class, &score) in row.iter().enumerate() {
                    if score > row[best] {
                        best = class;
                    }
                }
                best as f64
            })
            .collect())
    }

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(self)
    }
}

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?;
    let n = x.nrows();
    let all = dense(x)?;
    let mut sample_weights = vec![1.0 / n as f64; n];
    let mut rng = rng(SEED);
    let (mut trees, mut weights) = (Vec::new(), Vec::new());
    for _ in 0..ESTIMATORS {
        let rows = weighted_bootstrap(&mut rng, &sample_weights);
        let sample_y: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
        let params = DecisionTreeRegressorParameters {
            max_depth: Some(smartcore_depth(3)),
            seed: Some(SEED),
            ..Default::default()
        };
        let tree = RegressionTree::fit(&dense(x.select(Axis(0), &rows).view())?, &sample_y, params)
            .map_err(failed)?;
        let predicted = tree.predict(&all).map_err(failed)?;
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
        weights.push((1.0 / beta.max(f64::MIN_POSITIVE)).ln());
        for (w, l) in sample_weights.iter_mut().zip(&loss) {
            *w *= beta.powf(1.0 - l);
        }
        let total: f64 = sample_weights.iter().sum();
        sample_weights.iter_mut().for_each(|w| *w /= total);
    }
    Ok(Box::new(Regressor { trees, weights }))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let n = x.nrows();
    let all = dense(x)?;
    let mut sample_weights = vec![1.0 / n as f64; n];
    let mut rng = rng(SEED);
    let (mut stumps, mut weights) = (Vec::new(), Vec::new());
    let k = n_classes as f64;
    for _ in 0..ESTIMATORS {
        let rows = weighted_bootstrap(&mut rng, &sample_weights);
        let sample_y: Vec<usize> = rows.iter().map(|&r| y[r]).collect();
        if sample_y.iter().all(|&c| c == sample_y[0]) {
            break;
        }
        let params = DecisionTreeClassifierParameters {
            max_depth: Some(smartcore_depth(1)),
            seed: Some(SEED),
            ..Default::default()
        };
        let stump = ClassificationTree::fit(
            &dense(x.select(Axis(0), &rows).view())?,
            &class_targets(&sample_y),
            params,
        )
        .map_err(failed)?;
        let predicted = stump.predict(&all).map_err(failed)?;
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
        let alpha = ((1.0 - error) / error).ln() + (k - 1.0).ln();
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
        stumps,
        weights,
        n_classes,
    }))
}
