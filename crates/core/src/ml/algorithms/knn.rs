//! `knn`: the 5 nearest neighbours by euclidean distance, uniform weights,
//! as scikit-learn's defaults: the mean of their targets, or the class most
//! of them hold (the lowest class index on ties).
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

use super::{argmax, decode, encode, is_class, AlgorithmSpec, Fitted, Inputs, Target};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

const K: usize = 5;
/// Rows searched together: a block's distances (QUERIES x TRAINING f64) stay
/// within a few megabytes whatever the table's size.
const QUERIES: usize = 64;
const TRAINING: usize = 8192;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "k 5, euclidean, uniform weights, brute-force search",
    fit: |x, y| fit(x.view(), y),
    decode: decode_neighbours,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "k 5, euclidean, uniform weights, brute-force search",
    fit: |x, y| fit(x.view(), y),
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
}

fn fit(x: ArrayView2<'_, f64>, y: &Target<'_>) -> Result<Box<dyn Fitted>, Error> {
    let (targets, n_classes) = match y {
        Target::Values(v) => (v.to_vec(), None),
        Target::Classes { y, n_classes } => {
            (y.iter().map(|&c| c as f64).collect(), Some(*n_classes))
        }
    };
    Ok(Box::new(Neighbours::new(x.to_owned(), targets, n_classes)))
}

fn decode_neighbours(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let stored: Neighbours = decode(bytes)?;
    shape.expect(stored.rows.ncols(), stored.n_classes)?;
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
    )))
}

impl Neighbours {
    fn new(rows: Array2<f64>, targets: Vec<f64>, n_classes: Option<usize>) -> Neighbours {
        let squared_norms = rows.rows().into_iter().map(|r| r.dot(&r)).collect();
        Neighbours {
            rows,
            targets,
            n_classes,
            squared_norms,
        }
    }

    /// The `K` (or fewer) nearest training rows of each query row, nearest first.
    fn nearest(&self, queries: ArrayView2<'_, f64>) -> Vec<Vec<(f64, usize)>> {
        let k = K.min(self.rows.nrows());
        let query_norms: Vec<f64> = queries.rows().into_iter().map(|r| r.dot(&r)).collect();
        let mut found: Vec<Vec<(f64, usize)>> = vec![Vec::with_capacity(k + 1); queries.nrows()];
        let search = |b: usize, found: &mut [Vec<(f64, usize)>]| {
            let first = b * QUERIES;
            let block = queries.slice(s![first..first + found.len(), ..]);
            let norms = &query_norms[first..first + found.len()];
            for start in (0..self.rows.nrows()).step_by(TRAINING) {
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
        };
        // One block (a row-wise prediction) stays on the calling thread.
        if queries.nrows() <= QUERIES {
            search(0, &mut found);
        } else {
            found
                .par_chunks_mut(QUERIES)
                .enumerate()
                .for_each(|(b, found)| search(b, found));
        }
        found
    }
}

impl Fitted for Neighbours {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let mut votes = vec![0.0; self.n_classes.unwrap_or(0)];
        Ok(self
            .nearest(x)
            .iter()
            .map(|best| match self.n_classes {
                None => best.iter().map(|&(_, i)| self.targets[i]).sum::<f64>() / best.len() as f64,
                Some(_) => {
                    votes.iter_mut().for_each(|v| *v = 0.0);
                    for &(_, i) in best {
                        votes[self.targets[i] as usize] += 1.0;
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
        let model = Neighbours::new(rows, targets, None);
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
}
