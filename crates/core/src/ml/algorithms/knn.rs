//! `knn`: the k nearest neighbours by euclidean distance (by default 5 with
//! uniform weights, as scikit-learn's defaults): the mean of their targets,
//! or the class most of them hold (the lowest class index on ties); with
//! `weights: "distance"` each neighbour counts by the inverse of its distance.
//!
//! Written here as a brute-force search over blocks of rows, with the
//! distances of a block from one matrix product
//! (|q - t|^2 = |q|^2 + |t|^2 - 2 q.t), as scikit-learn does for more than
//! 15 features. smartcore's KNN computes one distance at a time (161 s to
//! score 25,000 rows against 75,000), and its cover tree recurses as deep as
//! a crafted blob asks, overflowing the stack. The blob keeps the training
//! rows and targets, checked when the model is loaded.

use ndarray::{s, Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    argmax, decode_with_settings, encode, is_class, shares, AlgorithmSpec, Fitted, Inputs, Target,
};
use crate::control::Control;
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

/// The most neighbours: each query keeps its k nearest in a sorted list.
const MAX_K: i64 = 1000;

const PARAMS: &[Param] = &[
    Param {
        name: "n_neighbors",
        kind: Kind::Int {
            default: 5,
            min: 1,
            max: MAX_K,
        },
        meaning: "neighbours asked (all the training rows if fewer)",
    },
    Param {
        name: "weights",
        kind: Kind::Choice {
            default: "uniform",
            values: &["uniform", "distance"],
        },
        meaning: "how each neighbour counts: equally, or by the inverse of its distance",
    },
];
/// Rows searched together: a block's distances (QUERIES x TRAINING f64) stay
/// within a few megabytes whatever the table's size.
const QUERIES: usize = 64;
const TRAINING: usize = 8192;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "euclidean distance, brute-force search",
    params: PARAMS,
    fit: |x, y, settings, _| fit(x.view(), y, settings),
    memory,
    decode: decode_neighbours,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "euclidean distance, brute-force search",
    params: PARAMS,
    fit: |x, y, settings, _| fit(x.view(), y, settings),
    memory,
    decode: decode_neighbours,
};

#[derive(Serialize, Deserialize)]
struct Neighbours {
    rows: Array2<f64>,
    /// Regression targets, or class indices as numbers.
    targets: Vec<f64>,
    /// `None` for regression.
    n_classes: Option<usize>,
    #[serde(skip)]
    squared_norms: Vec<f64>,
    #[serde(skip)]
    neighbourhood: Neighbourhood,
}

/// Written after the rows: blobs of earlier versions have none, and were
/// fitted with the defaults.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Neighbourhood {
    k: u32,
    by_distance: bool,
}

impl Default for Neighbourhood {
    fn default() -> Self {
        Neighbourhood {
            k: 5,
            by_distance: false,
        }
    }
}

fn fit(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
) -> Result<Box<dyn Fitted>, Error> {
    let neighbourhood = Neighbourhood {
        k: settings.usize("n_neighbors")? as u32,
        by_distance: settings.choice("weights")? == "distance",
    };
    let (targets, n_classes) = match y {
        Target::Values(v) => (v.to_vec(), None),
        Target::Classes { y, n_classes } => {
            (y.iter().map(|&c| c as f64).collect(), Some(*n_classes))
        }
    };
    // The model keeps its own copy: the one allocation that grows with the table.
    let mut rows = crate::memory::zeros(x.nrows(), x.ncols())?;
    rows.assign(&x);
    Ok(Box::new(Neighbours::new(
        rows,
        targets,
        n_classes,
        neighbourhood,
    )))
}

fn decode_neighbours(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let (stored, neighbourhood): (Neighbours, Neighbourhood) = decode_with_settings(bytes)?;
    shape.expect(stored.rows.ncols(), stored.n_classes)?;
    if !(1..=MAX_K as u32).contains(&neighbourhood.k) {
        return Err(Error::Model(format!(
            "knn: {} neighbours is out of range",
            neighbourhood.k
        )));
    }
    let labels_ok = match stored.n_classes {
        None => stored.targets.iter().all(|t| t.is_finite()),
        Some(k) => stored.targets.iter().all(|&t| is_class(k)(t)),
    };
    if stored.rows.nrows() == 0
        || stored.rows.nrows() != stored.targets.len()
        || !labels_ok
        || stored.rows.iter().any(|v| !v.is_finite())
    {
        return Err(Error::Model(
            "knn: the stored rows and targets do not match".into(),
        ));
    }
    Ok(Box::new(Neighbours::new(
        stored.rows,
        stored.targets,
        stored.n_classes,
        neighbourhood,
    )))
}

impl Neighbours {
    fn new(
        rows: Array2<f64>,
        targets: Vec<f64>,
        n_classes: Option<usize>,
        neighbourhood: Neighbourhood,
    ) -> Neighbours {
        let squared_norms = rows.rows().into_iter().map(|r| r.dot(&r)).collect();
        Neighbours {
            rows,
            targets,
            n_classes,
            squared_norms,
            neighbourhood,
        }
    }

    /// The k (or fewer) nearest training rows of each query row, nearest
    /// first, with their squared distances.
    fn nearest(&self, queries: ArrayView2<'_, f64>) -> Vec<Vec<(f64, usize)>> {
        self.nearest_in(queries, &Control::new())
            .expect("a control that is never stopped")
    }

    /// [`Self::nearest`], stopping at a checkpoint of `control` after each
    /// block of training rows.
    fn nearest_in(
        &self,
        queries: ArrayView2<'_, f64>,
        control: &Control,
    ) -> Result<Vec<Vec<(f64, usize)>>, Error> {
        let k = (self.neighbourhood.k as usize).min(self.rows.nrows());
        let query_norms: Vec<f64> = queries.rows().into_iter().map(|r| r.dot(&r)).collect();
        let mut found: Vec<Vec<(f64, usize)>> = vec![Vec::with_capacity(k + 1); queries.nrows()];
        let search = |b: usize, found: &mut [Vec<(f64, usize)>]| {
            let first = b * QUERIES;
            let block = queries.slice(s![first..first + found.len(), ..]);
            let norms = &query_norms[first..first + found.len()];
            for start in (0..self.rows.nrows()).step_by(TRAINING) {
                control.checkpoint()?;
                let end = (start + TRAINING).min(self.rows.nrows());
                let products = block.dot(&self.rows.slice(s![start..end, ..]).reversed_axes());
                for ((best, products), q_norm) in found.iter_mut().zip(products.rows()).zip(norms) {
                    for (i, p) in products.iter().enumerate() {
                        let distance = q_norm + self.squared_norms[start + i] - 2.0 * p;
                        if best.len() < k || distance < best[k - 1].0 {
                            let at = best.partition_point(|b| b.0 <= distance);
                            best.insert(at, (distance, start + i));
                            best.truncate(k);
                        }
                    }
                }
            }
            Ok(())
        };
        // One block (a row-wise prediction) stays on the calling thread.
        if queries.nrows() <= QUERIES {
            search(0, &mut found)?;
        } else {
            found
                .par_chunks_mut(QUERIES)
                .enumerate()
                .try_for_each(|(b, found)| search(b, found))?;
        }
        Ok(found)
    }
}

impl Neighbours {
    /// Each neighbour's weight: equal, or the inverse of its distance (the
    /// neighbours at distance zero alone, equally, when there are any).
    fn weights(&self, best: &[(f64, usize)]) -> Vec<f64> {
        if !self.neighbourhood.by_distance {
            return vec![1.0; best.len()];
        }
        let distances: Vec<f64> = best.iter().map(|&(d, _)| d.max(0.0).sqrt()).collect();
        if distances.contains(&0.0) {
            return distances.iter().map(|&d| f64::from(d == 0.0)).collect();
        }
        distances.iter().map(|d| 1.0 / d).collect()
    }
}

impl Fitted for Neighbours {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        self.predict_in(x, &Control::new())
    }

    /// Every query row is compared with every training row: long work.
    fn predict_in(&self, x: ArrayView2<'_, f64>, control: &Control) -> Result<Vec<f64>, Error> {
        let mut votes = vec![0.0; self.n_classes.unwrap_or(0)];
        Ok(self
            .nearest_in(x, control)?
            .iter()
            .map(|best| {
                let weights = self.weights(best);
                match self.n_classes {
                    None => {
                        let sum: f64 = best
                            .iter()
                            .zip(&weights)
                            .map(|(&(_, i), w)| w * self.targets[i])
                            .sum();
                        sum / weights.iter().sum::<f64>()
                    }
                    Some(_) => {
                        votes.iter_mut().for_each(|v| *v = 0.0);
                        for (&(_, i), w) in best.iter().zip(&weights) {
                            votes[self.targets[i] as usize] += w;
                        }
                        argmax(&votes) as f64
                    }
                }
            })
            .collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)?;
        encode(&self.neighbourhood, out)
    }

    /// Each class's share of the neighbours' weights.
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        let Some(k) = self.n_classes else {
            return Ok(None);
        };
        let mut votes = Array2::zeros((x.nrows(), k));
        for (best, mut out) in self.nearest(x).iter().zip(votes.rows_mut()) {
            for (&(_, i), w) in best.iter().zip(self.weights(best)) {
                out[self.targets[i] as usize] += w;
            }
        }
        Ok(Some(shares(votes)))
    }
}

/// The training rows kept, and each thread's block of distances.
fn memory(size: &super::Size<'_>) -> u64 {
    super::matrix_bytes(size.rows, size.features + 2)
        + size.threads as u64 * super::matrix_bytes(QUERIES, TRAINING)
}

#[cfg(test)]
mod test {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_nearest_rows_are_found_across_blocks() {
        // More training rows than one block holds, so the search spans blocks.
        let n = TRAINING + 100;
        let rows = Array2::from_shape_fn((n, 2), |(i, j)| (i * (j + 1)) as f64);
        let targets: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let model = Neighbours::new(rows, targets, None, Neighbourhood::default());
        let queries = array![[8200.0, 16400.0], [0.2, 0.4]];
        let nearest = model.nearest(queries.view());
        let indices: Vec<Vec<usize>> = nearest
            .iter()
            .map(|b| b.iter().map(|&(_, i)| i).collect())
            .collect();
        assert_eq!(indices[0][0], 8200);
        let mut around: Vec<usize> = indices[0].clone();
        around.sort();
        assert_eq!(around, vec![8198, 8199, 8200, 8201, 8202]);
        assert_eq!(indices[1], vec![0, 1, 2, 3, 4]);
        assert_eq!(model.predict(queries.view()).unwrap(), vec![8200.0, 2.0]);
    }

    #[test]
    fn distance_weights_favour_the_nearer_rows_and_are_stored() {
        let rows = array![[0.0], [1.0], [4.0]];
        let by_distance = Neighbourhood {
            k: 3,
            by_distance: true,
        };
        let model = Neighbours::new(rows, vec![0.0, 1.0, 1.0], Some(2), by_distance);
        // From 0.4: weights 1/0.4, 1/0.6 and 1/3.6 for classes 0, 1, 1.
        assert_eq!(model.predict(array![[0.4]].view()).unwrap(), vec![0.0]);
        assert_eq!(model.predict(array![[0.6]].view()).unwrap(), vec![1.0]);
        let mut blob = Vec::new();
        model.encode(&mut blob).unwrap();
        let (_, stored): (Neighbours, Neighbourhood) = decode_with_settings(&blob).unwrap();
        assert_eq!((stored.k, stored.by_distance), (3, true));
        // A blob of an earlier version ends with the rows: the defaults.
        let mut old = Vec::new();
        encode(&model, &mut old).unwrap();
        let (_, stored): (Neighbours, Neighbourhood) = decode_with_settings(&old).unwrap();
        assert_eq!((stored.k, stored.by_distance), (5, false));
    }
}
