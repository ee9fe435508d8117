//! Trees that vote: one (decision_tree) or many on bootstrap samples
//! (bagging, random_forest) or with random thresholds (extra_trees). Regression takes the mean of the trees,
//! classification the class most trees predict. Trees are grown in parallel,
//! each from its own seed, so the model does not depend on the thread count.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sampling::{bootstrap, rng};
use super::tree::{weighted_majority, weighted_mean, Criterion, Growth, Presorted, Scratch, Tree};
use super::{argmax, decode, encode, is_class, shares, Fitted, Target};
use crate::control::{Control, Phase};
use crate::ml::hyperparams::{Features, Settings};
use crate::ml::model::Shape;
use crate::Error;

/// What a forest is grown with, from its algorithm's hyperparameters.
pub struct Ensemble {
    pub trees: usize,
    /// Each tree on a bootstrap sample (else on every row once).
    pub bootstrap: bool,
    pub max_features: Features,
    /// Each tree's limits; its seed is `seed` plus the tree's number.
    pub growth: Growth,
}

/// A forest of [`shared_params::forest`]'s hyperparameters, its trees
/// split at the best thresholds (random_forest) or at random ones
/// (extra_trees).
///
/// [`shared_params::forest`]: super::shared_params::forest
pub fn of(settings: &Settings, random_thresholds: bool) -> Result<Ensemble, Error> {
    Ok(Ensemble {
        trees: settings.usize("n_estimators")?,
        bootstrap: settings.bool("bootstrap")?,
        max_features: settings.features("max_features")?,
        growth: Growth {
            random_thresholds,
            ..limits(settings)?
        },
    })
}

/// The limits a tree's `max_depth`, `min_samples_split` and
/// `min_samples_leaf` set, every feature tried at each split.
pub fn limits(settings: &Settings) -> Result<Growth, Error> {
    Ok(Growth {
        max_depth: settings.limit("max_depth")?,
        max_features: None,
        min_samples_split: settings.usize("min_samples_split")?,
        min_samples_leaf: settings.usize("min_samples_leaf")?,
        random_thresholds: false,
        seed: settings.seed,
    })
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Forest {
    n_features: usize,
    /// `None` for regression.
    n_classes: Option<usize>,
    trees: Vec<Tree>,
}

pub fn fit(
    x: Array2<f64>,
    y: &Target<'_>,
    settings: &Ensemble,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (n, features) = x.dim();
    // The trees read the presorted columns only: the rows go before they grow.
    let presorted = Presorted::new(x.view(), control)?;
    drop(x);
    control.begin(Phase::Fitting, Some(settings.trees as u64));
    let n_classes = match y {
        Target::Values(_) => None,
        Target::Classes { n_classes, .. } => Some(*n_classes),
    };
    let max_features = Some(settings.max_features.of(features));
    // Each thread's working memory goes from one of its trees to the next.
    let trees = (0..settings.trees)
        .into_par_iter()
        .map_init(<(Vec<f64>, Scratch)>::default, |(weights, scratch), i| {
            // What the last tree freed goes back before this one grows: the
            // peak comes at the last trees, with all the others kept.
            crate::memory::release_free_pages();
            let seed = settings.growth.seed.wrapping_add(i as u64);
            weights.clear();
            weights.resize(n, if settings.bootstrap { 0.0 } else { 1.0 });
            if settings.bootstrap {
                for r in bootstrap(&mut rng(seed), n) {
                    weights[r] += 1.0;
                }
            }
            let growth = Growth {
                max_features,
                seed,
                ..settings.growth
            };
            let tree = match *y {
                Target::Values(v) => Tree::fit(
                    scratch,
                    &presorted,
                    Criterion::SquaredError(v),
                    weights,
                    growth,
                    weighted_mean(v, weights),
                    control,
                ),
                Target::Classes { y, n_classes } => Tree::fit(
                    scratch,
                    &presorted,
                    Criterion::Gini { y, n_classes },
                    weights,
                    growth,
                    weighted_majority(y, n_classes, weights),
                    control,
                ),
            }?;
            control.advance(1)?;
            Ok(tree)
        })
        .collect::<Result<_, Error>>()?;
    Ok(Box::new(Forest {
        n_features: features,
        n_classes,
        trees,
    }))
}

pub fn decode_forest(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let forest: Forest = decode(bytes)?;
    shape.expect(forest.n_features, forest.n_classes)?;
    if forest.trees.is_empty() {
        return Err(Error::Model("the model holds no tree".into()));
    }
    for tree in &forest.trees {
        match forest.n_classes {
            None => tree.check(forest.n_features, f64::is_finite)?,
            Some(k) => tree.check(forest.n_features, is_class(k))?,
        }
    }
    Ok(Box::new(forest))
}

impl Fitted for Forest {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let mut votes = vec![0.0; self.n_classes.unwrap_or(0)];
        Ok(x.rows()
            .into_iter()
            .map(|row| match self.n_classes {
                None => {
                    let sum: f64 = self.trees.iter().map(|t| t.predict_row(|j| row[j])).sum();
                    sum / self.trees.len() as f64
                }
                Some(_) => {
                    votes.iter_mut().for_each(|v| *v = 0.0);
                    for tree in &self.trees {
                        votes[tree.predict_row(|j| row[j]) as usize] += 1.0;
                    }
                    argmax(&votes) as f64
                }
            })
            .collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }

    /// Tree i grows from seed + i on its own bootstrap sample, whatever the
    /// number of trees: the first n are the forest of n.
    fn first(&self, n_estimators: usize) -> Option<Box<dyn Fitted>> {
        (n_estimators >= 1 && n_estimators <= self.trees.len()).then(|| {
            Box::new(Forest {
                n_features: self.n_features,
                n_classes: self.n_classes,
                trees: self.trees[..n_estimators].to_vec(),
            }) as Box<dyn Fitted>
        })
    }

    /// The share of the trees that vote for each class.
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        let Some(k) = self.n_classes else {
            return Ok(None);
        };
        let mut votes = Array2::zeros((x.nrows(), k));
        for (row, mut out) in x.rows().into_iter().zip(votes.rows_mut()) {
            for tree in &self.trees {
                out[tree.predict_row(|j| row[j]) as usize] += 1.0;
            }
        }
        Ok(Some(shares(votes)))
    }
}

/// The presorted rows, a tree's working memory on each thread, and every
/// tree's nodes (twice: the trees, then their encoded blob).
pub fn memory(size: &super::Size<'_>) -> u64 {
    let s = size.settings;
    let trees = s.usize("n_estimators").unwrap_or(1);
    let depth = s.limit("max_depth").unwrap_or(None);
    let leaf = s.usize("min_samples_leaf").unwrap_or(1);
    let threads = size.threads.min(trees).max(1) as u64;
    super::tree::presorted_memory(size.rows, size.features)
        + threads * super::tree::scratch_memory(size.rows, size.features)
        + 2 * trees as u64 * super::tree::tree_memory(size.rows, leaf, depth)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_first_trees_of_a_forest_are_the_smaller_forest() {
        let x = Array2::from_shape_fn((200, 4), |(r, c)| ((r * 37 + c * 11) % 29) as f64);
        let y: Vec<usize> = (0..200)
            .map(|r| (r * 7 % 3 + usize::from(x[(r, 0)] > 14.0)) % 3)
            .collect();
        let target = Target::Classes {
            y: &y,
            n_classes: 3,
        };
        let forest = |trees| Ensemble {
            trees,
            bootstrap: true,
            max_features: Features::Sqrt,
            growth: Growth {
                seed: 5,
                ..Growth::FULL
            },
        };
        let control = Control::new();
        let big = fit(x.clone(), &target, &forest(12), &control).unwrap();
        let small = fit(x.clone(), &target, &forest(5), &control).unwrap();
        let first = big.first(5).unwrap();
        assert_eq!(
            first.predict(x.view()).unwrap(),
            small.predict(x.view()).unwrap()
        );
        assert_eq!(
            first.probabilities(x.view(), 3).unwrap(),
            small.probabilities(x.view(), 3).unwrap()
        );
        assert!(big.first(13).is_none() && big.first(0).is_none());
    }

    /// Random thresholds: the same trees for a seed on any thread count,
    /// other trees than the best splits give, and still a fit.
    #[test]
    fn extra_trees_are_seeded_and_learn() {
        let x = Array2::from_shape_fn((300, 3), |(r, c)| ((r * 37 + c * 11) % 101) as f64);
        let y: Vec<f64> = (0..300).map(|r| 2.0 * x[(r, 0)] - x[(r, 2)]).collect();
        let target = Target::Values(&y);
        let forest = |random_thresholds| Ensemble {
            trees: 10,
            bootstrap: false,
            max_features: Features::All,
            growth: Growth {
                seed: 3,
                max_depth: Some(6),
                random_thresholds,
                ..Growth::FULL
            },
        };
        let control = Control::new();
        let predict = |random| {
            fit(x.clone(), &target, &forest(random), &control)
                .unwrap()
                .predict(x.view())
                .unwrap()
        };
        let extra = predict(true);
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(one_thread.install(|| predict(true)), extra);
        assert_ne!(predict(false), extra);
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
        let left: f64 = y.iter().zip(&extra).map(|(v, p)| (v - p).powi(2)).sum();
        assert!(1.0 - left / total > 0.95, "r2 {}", 1.0 - left / total);
    }
}
