//! Standard scaling (mean 0, variance 1), fitted on the training rows and
//! stored with the model. Written here: linfa-preprocessing has one, but
//! pulls in text-processing dependencies this project does not need.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    pub mean: Vec<f64>,
    /// Population standard deviation; 1 for constant columns, as in scikit-learn.
    pub scale: Vec<f64>,
}

impl StandardScaler {
    /// The scaler, and the columns that are not constant (that hold two
    /// different values); constant ones get scale 1. Any spread counts,
    /// however small beside the values: a column whose values differ by
    /// 1e-13 is the same data as one in other units.
    pub fn fit(x: ArrayView2<'_, f64>) -> (StandardScaler, Vec<usize>) {
        Self::fit_columns(x, &vec![true; x.ncols()])
    }

    /// As [`StandardScaler::fit`] for the `wanted` columns only; the others
    /// get mean 0 and scale 1 and are not listed as varying (the caller
    /// knows them: a one-hot column's need not be read).
    pub fn fit_columns(x: ArrayView2<'_, f64>, wanted: &[bool]) -> (StandardScaler, Vec<usize>) {
        let (rows, width) = x.dim();
        let columns: Vec<usize> = (0..width).filter(|&j| wanted[j]).collect();
        let x = x.as_standard_layout();
        let values = x.as_slice().expect("standard layout");
        if rows == 0 || width == 0 {
            let scaler = StandardScaler {
                mean: vec![0.0; width],
                scale: vec![1.0; width],
            };
            return (scaler, Vec::new());
        }
        let first: Vec<f64> = columns.iter().map(|&j| values[j]).collect();
        // By blocks of rows on every core, each block's running mean and
        // sum of squared deviations (Welford's update, as ndarray's
        // `var_axis`, so that a table of one block scales exactly as with
        // it), merged in block order (Chan's formula): the same numbers
        // whatever the number of threads.
        let blocks: Vec<Moments> = values
            .par_chunks(width * BLOCK_ROWS)
            .map(|block| {
                let mut m = Moments::new(columns.len());
                for (i, row) in block.chunks(width).enumerate() {
                    let count = (i + 1) as f64;
                    for (j, x) in columns.iter().map(|&c| row[c]).enumerate() {
                        let delta = x - m.mean[j];
                        m.mean[j] += delta / count;
                        m.squares[j] = (x - m.mean[j]).mul_add(delta, m.squares[j]);
                        m.sums[j] += x;
                        m.varying[j] |= x != first[j];
                    }
                }
                m.rows = (block.len() / width) as f64;
                m
            })
            .collect();
        let all = blocks
            .into_iter()
            .reduce(Moments::merged)
            .expect("at least one row");
        let mut scaler = StandardScaler {
            mean: vec![0.0; width],
            scale: vec![1.0; width],
        };
        let mut varying = Vec::new();
        for (k, &j) in columns.iter().enumerate() {
            // The mean as ndarray's `mean_axis` gives it (the sum over the count).
            scaler.mean[j] = all.sums[k] / rows as f64;
            let std = (all.squares[k] / rows as f64).sqrt();
            if all.varying[k] {
                varying.push(j);
                if std > 0.0 {
                    scaler.scale[j] = std;
                }
            }
        }
        (scaler, varying)
    }

    pub fn transform_in_place(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// Rows per block of [`StandardScaler::fit`].
const BLOCK_ROWS: usize = 4096;

/// A block of rows' count, per column sum, mean and sum of squared
/// deviations from the mean, and whether the column differs from the table's first row.
struct Moments {
    rows: f64,
    sums: Vec<f64>,
    mean: Vec<f64>,
    squares: Vec<f64>,
    varying: Vec<bool>,
}

impl Moments {
    fn new(width: usize) -> Moments {
        Moments {
            rows: 0.0,
            sums: vec![0.0; width],
            mean: vec![0.0; width],
            squares: vec![0.0; width],
            varying: vec![false; width],
        }
    }

    fn merged(mut self, other: Moments) -> Moments {
        let rows = self.rows + other.rows;
        for j in 0..self.mean.len() {
            let delta = other.mean[j] - self.mean[j];
            self.mean[j] += delta * other.rows / rows;
            self.squares[j] += other.squares[j] + delta * delta * self.rows * other.rows / rows;
            self.sums[j] += other.sums[j];
            self.varying[j] |= other.varying[j];
        }
        self.rows = rows;
        self
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use ndarray::array;

    /// One block: exactly ndarray's mean and population standard deviation;
    /// many blocks merged: the same to rounding.
    #[test]
    fn blocks_merge_to_the_columns_moments() {
        use ndarray::Axis;
        for rows in [100, 3 * BLOCK_ROWS + 17] {
            let x = Array2::from_shape_fn((rows, 3), |(r, c)| {
                ((r * 7919 + c * 13) % 1000) as f64 * 0.1 + 1e6 * c as f64
            });
            let (scaler, varying) = StandardScaler::fit(x.view());
            let mean = x.mean_axis(Axis(0)).unwrap().to_vec();
            let std = x.std_axis(Axis(0), 0.0).to_vec();
            assert_eq!(varying, vec![0, 1, 2]);
            if rows <= BLOCK_ROWS {
                assert_eq!((scaler.mean, scaler.scale), (mean, std));
            } else {
                let close = |a: &[f64], b: &[f64]| {
                    a.iter()
                        .zip(b)
                        .all(|(a, b)| (a - b).abs() <= 1e-9 * b.abs())
                };
                assert!(close(&scaler.mean, &mean) && close(&scaler.scale, &std));
            }
        }
    }

    #[test]
    fn constant_columns_are_centred_not_divided_by_zero() {
        let mut x = array![[1.0, 5.0], [3.0, 5.0]];
        let (scaler, varying) = StandardScaler::fit(x.view());
        assert_eq!(varying, vec![0]);
        assert_eq!(scaler.mean, vec![2.0, 5.0]);
        assert_eq!(scaler.scale, vec![1.0, 1.0]);
        scaler.transform_in_place(&mut x);
        assert_eq!(x, array![[-1.0, 0.0], [1.0, 0.0]]);
    }
}
