//! Trees that vote: one (decision_tree) or many on bootstrap samples
//! (bagging, random_forest). Regression takes the mean of the trees,
//! classification the class most trees predict. Trees are grown in parallel,
//! each from its own seed, so the model does not depend on the thread count.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sampling::{bootstrap, rng};
use super::tree::{weighted_majority, weighted_mean, Criterion, Growth, Presorted, Scratch, Tree};
use super::{argmax, decode, encode, is_class, Fitted, Target};
use crate::ml::model::Shape;
use crate::ml::split::SEED;
use crate::Error;

pub struct Settings {
    pub trees: usize,
    /// Each tree on a bootstrap sample (else on every row once).
    pub bootstrap: bool,
    /// Features tried per split, from the number of features.
    pub max_features: fn(usize) -> usize,
}

#[derive(Serialize, Deserialize)]
pub struct Forest {
    n_features: usize,
    /// `None` for regression.
    n_classes: Option<usize>,
    trees: Vec<Tree>,
}

pub fn fit(x: Array2<f64>, y: &Target<'_>, settings: &Settings) -> Result<Box<dyn Fitted>, Error> {
    let (n, features) = x.dim();
    // The trees read the presorted columns only: the rows go before they grow.
    let presorted = Presorted::new(x.view());
    drop(x);
    let n_classes = match y {
        Target::Values(_) => None,
        Target::Classes { n_classes, .. } => Some(*n_classes),
    };
    let max_features = Some((settings.max_features)(features).clamp(1, features));
    // Each thread's working memory goes from one of its trees to the next.
    let trees = (0..settings.trees)
        .into_par_iter()
        .map_init(<(Vec<f64>, Scratch)>::default, |(weights, scratch), i| {
            // What the last tree freed goes back before this one grows: the
            // peak comes at the last trees, with all the others kept.
            crate::memory::release_free_pages();
            let seed = SEED.wrapping_add(i as u64);
            weights.clear();
            weights.resize(n, if settings.bootstrap { 0.0 } else { 1.0 });
            if settings.bootstrap {
                for r in bootstrap(&mut rng(seed), n) {
                    weights[r] += 1.0;
                }
            }
            let growth = Growth {
                max_depth: None,
                max_features,
                seed,
            };
            match *y {
                Target::Values(v) => Tree::fit(
                    scratch,
                    &presorted,
                    Criterion::SquaredError(v),
                    weights,
                    growth,
                    weighted_mean(v, weights),
                ),
                Target::Classes { y, n_classes } => Tree::fit(
                    scratch,
                    &presorted,
                    Criterion::Gini { y, n_classes },
                    weights,
                    growth,
                    weighted_majority(y, n_classes, weights),
                ),
            }
        })
        .collect();
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
}
