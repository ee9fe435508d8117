//! `bagging`: 10 decision trees, each on a bootstrap sample; the mean (or the
//! majority vote) of their predictions, as scikit-learn's Bagging estimators.

use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use smartcore::tree::decision_tree_classifier::DecisionTreeClassifierParameters;
use smartcore::tree::decision_tree_regressor::DecisionTreeRegressorParameters;

use super::sampling::{bootstrap, rng};
use super::smartcore_util::{class_targets, dense, failed, ClassificationTree, RegressionTree};
use super::{decode, encode, AlgorithmSpec, Fitted, Target};
use crate::ml::{split::SEED, Task};
use crate::Error;

const ESTIMATORS: usize = 10;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "bagging",
    task: Task::Regression,
    library: "smartcore",
    estimator: "10 smartcore DecisionTreeRegressor on bootstrap samples, mean",
    fit: fit_regressor,
    decode: |bytes| Ok(Box::new(decode::<Regressor>(bytes)?)),
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "bagging",
    task: Task::Classification,
    library: "smartcore",
    estimator: "10 smartcore DecisionTreeClassifier on bootstrap samples, majority vote",
    fit: fit_classifier,
    decode: |bytes| Ok(Box::new(decode::<Classifier>(bytes)?)),
};

#[derive(Serialize, Deserialize)]
struct Regressor(Vec<RegressionTree>);

#[derive(Serialize, Deserialize)]
struct Classifier {
    trees: Vec<ClassificationTree>,
    n_classes: usize,
}

impl Fitted for Regressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let rows = x.nrows();
        let x = dense(x)?;
        let mut sum = vec![0.0; rows];
        for tree in &self.0 {
            for (s, p) in sum.iter_mut().zip(tree.predict(&x).map_err(failed)?) {
                *s += p;
            }
        }
        Ok(sum.into_iter().map(|s| s / self.0.len() as f64).collect())
    }

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(self)
    }
}

impl Fitted for Classifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let rows = x.nrows();
        let x = dense(x)?;
        let mut votes = vec![vec![0u32; self.n_classes]; rows];
        for tree in &self.trees {
            for (row, class) in votes.iter_mut().zip(tree.predict(&x).map_err(failed)?) {
                if let Some(count) = row.get_mut(class as usize) {
                    *count += 1;
                }
            }
        }
        Ok(votes.iter().map(|row| majority(row) as f64).collect())
    }

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(self)
    }
}

/// The most voted class; ties go to the lowest.
pub fn majority(votes: &[u32]) -> usize {
    let mut best = 0;
    for (class, &count) in votes.iter().enumerate() {
        if count > votes[best] {
            best = class;
        }
    }
    best
}

fn fit_regressor(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let y = y.values()?;
    let mut rng = rng(SEED);
    let trees = (0..ESTIMATORS)
        .map(|_| {
            let rows = bootstrap(&mut rng, x.nrows());
            let sample_y: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
            let params = DecisionTreeRegressorParameters {
                seed: Some(SEED),
                ..Default::default()
            };
            RegressionTree::fit(&dense(x.select(Axis(0), &rows).view())?, &sample_y, params)
                .map_err(failed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(Regressor(trees)))
}

fn fit_classifier(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let mut rng = rng(SEED);
    let mut trees = Vec::with_capacity(ESTIMATORS);
    while trees.len() < ESTIMATORS {
        let rows = bootstrap(&mut rng, x.nrows());
        let sample_y: Vec<usize> = rows.iter().map(|&r| y[r]).collect();
        // A sample holding a single class teaches a tree nothing; draw again.
        if sample_y.iter().all(|&c| c == sample_y[0]) {
            continue;
        }
        let params = DecisionTreeClassifierParameters {
            seed: Some(SEED),
            ..Default::default()
        };
        let sample_x = dense(x.select(Axis(0), &rows).view())?;
        trees.push(
            ClassificationTree::fit(&sample_x, &class_targets(&sample_y), params)
                .map_err(failed)?,
        );
    }
    Ok(Box::new(Classifier { trees, n_classes }))
}
