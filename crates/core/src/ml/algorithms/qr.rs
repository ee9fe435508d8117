//! Least squares on the rows themselves, for problems whose normal
//! equations are too ill-conditioned (collinear one-hot columns, say): the
//! triangular factor R of the centred rows and targets by Householder
//! reflections, absorbing a block of rows at a time, then the minimum-norm
//! solution from the SVD of R (p x p), which has the singular values of the
//! rows. This is what LAPACK's `gelsd` (scikit-learn's lstsq) computes, in
//! a pass that reaches a checkpoint every block and runs on all cores.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::svd::SVDDecomposable;

use super::smartcore_util::failed;
use crate::control::Control;
use crate::Error;

/// Rows absorbed between checkpoints.
const BLOCK_ROWS: usize = 256;
/// The rows are cut into this many parts, factored in parallel and merged
/// in their order: the same answer on any number of threads.
const PARTS: usize = 4;

/// The minimum-norm w minimising |(x - x_mean) w - (y - y_mean)|.
pub fn least_squares(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    x_mean: &[f64],
    y_mean: f64,
    control: &Control,
) -> Result<Vec<f64>, Error> {
    let (rows, p) = x.dim();
    let m = p + 1;
    let part = rows.div_ceil(PARTS).max(1);
    let factors = (0..rows.div_ceil(part))
        .into_par_iter()
        .map(|k| {
            let mut r = Array2::zeros((m, m));
            // Column-major block: each column's reflection reads one run.
            let mut block = Array2::zeros((m, BLOCK_ROWS));
            let end = ((k + 1) * part).min(rows);
            let mut start = k * part;
            while start < end {
                control.checkpoint()?;
                let stop = (start + BLOCK_ROWS).min(end);
                let n = stop - start;
                for (i, row) in (start..stop).enumerate() {
                    for j in 0..p {
                        block[[j, i]] = x[[row, j]] - x_mean[j];
                    }
                    block[[p, i]] = y[row] - y_mean;
                }
                absorb(&mut r, &mut block, n);
                start = stop;
            }
            Ok(r)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut factors = factors.into_iter();
    let mut r = factors.next().unwrap_or_else(|| Array2::zeros((m, m)));
    for other in factors {
        control.checkpoint()?;
        let mut block = other.t().to_owned();
        absorb(&mut r, &mut block, m);
    }
    minimum_norm(&r, p, rows)
}

/// Updates the upper triangular `r` (m x m) so that R'R gains the rows of
/// `block` (m x n used columns, one per row), which are overwritten.
fn absorb(r: &mut Array2<f64>, block: &mut Array2<f64>, n: usize) {
    let m = r.nrows();
    for j in 0..m {
        let sigma: f64 = (0..n).map(|i| block[[j, i]] * block[[j, i]]).sum();
        if sigma == 0.0 {
            continue;
        }
        let head = r[[j, j]];
        let norm = (head * head + sigma).sqrt();
        let alpha = if head >= 0.0 { -norm } else { norm };
        // The reflection's vector is (head - alpha, block's column j).
        let v0 = head - alpha;
        let tau = 2.0 / (v0 * v0 + sigma);
        r[[j, j]] = alpha;
        for k in j + 1..m {
            let along: f64 =
                v0 * r[[j, k]] + (0..n).map(|i| block[[j, i]] * block[[k, i]]).sum::<f64>();
            let s = tau * along;
            r[[j, k]] -= s * v0;
            for i in 0..n {
                block[[k, i]] -= s * block[[j, i]];
            }
        }
    }
}

/// Solves R_pp w = c (c: R's last column above its corner) for the
/// minimum-norm w, ignoring singular values below numpy's lstsq cutoff.
fn minimum_norm(r: &Array2<f64>, p: usize, rows: usize) -> Result<Vec<f64>, Error> {
    let values: Vec<f64> = (0..p)
        .flat_map(|i| (0..p).map(move |j| (i, j)))
        .map(|(i, j)| r[[i, j]])
        .collect();
    let svd = DenseMatrix::new(p, p, values, false)
        .map_err(failed)?
        .svd()
        .map_err(failed)?;
    let largest = svd.s.iter().copied().fold(0.0, f64::max);
    let cutoff = largest * f64::EPSILON * rows.max(p) as f64;
    let mut w = vec![0.0; p];
    for (i, &s) in svd.s.iter().enumerate() {
        if s.is_nan() || s <= cutoff {
            continue;
        }
        let along: f64 = (0..p).map(|j| *svd.U.get((j, i)) * r[[j, p]]).sum::<f64>() / s;
        for (j, w_j) in w.iter_mut().enumerate() {
            *w_j += *svd.V.get((j, i)) * along;
        }
    }
    Ok(w)
}

/// The parts' factors and each thread's block.
pub fn memory(features: usize, threads: usize) -> u64 {
    let m = features as u64 + 1;
    (PARTS as u64 + 1) * m * m * 8 + threads as u64 * m * BLOCK_ROWS as u64 * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer solves the normal equations, through four parts of
    /// several blocks each and their merge.
    #[test]
    fn the_factor_holds_the_cross_products() {
        let rows = 1000;
        let x = Array2::from_shape_fn((rows, 3), |(r, c)| {
            ((r * 31 + c * 7) % 17) as f64 + c as f64
        });
        let y: Vec<f64> = (0..rows).map(|r| (r % 5) as f64).collect();
        let w = least_squares(x.view(), &y, &[0.0; 3], 0.0, &Control::new()).unwrap();
        let xtx = x.t().dot(&x);
        let xty = x.t().dot(&ndarray::Array1::from(y.clone()));
        let back = xtx.dot(&ndarray::Array1::from(w.clone()));
        for (a, b) in back.iter().zip(xty.iter()) {
            assert!((a - b).abs() < 1e-6 * b.abs().max(1.0), "{a} {b}");
        }
    }
}
