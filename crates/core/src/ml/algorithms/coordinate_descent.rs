//! Elastic net (and lasso, its l1_ratio 1 case) by cyclic coordinate
//! descent on the Gram matrix, with scikit-learn's objective and stopping
//! rule:
//!
//!   (1 / 2n) |y - Xw|^2 + alpha l1_ratio |w|_1 + (alpha (1 - l1_ratio) / 2) |w|^2
//!
//! stopped when the largest coefficient step is under `tol` (by default
//! 1e-4) of the largest coefficient and the duality gap is under
//! `tol` |y - mean|^2, or after `max_iter` sweeps (by default 1,000). A
//! sweep costs p^2, whatever the row count.

use super::gram::Normal;
use crate::control::Control;
use crate::Error;

/// The mix of penalties and when to stop.
#[derive(Clone, Copy)]
pub struct Descent {
    pub l1_ratio: f64,
    pub max_iter: usize,
    pub tol: f64,
}

/// Solves for target `t` of `normal`, starting from `w` (zeros, or the
/// solution for a nearby alpha: a warm start) and leaving the solution there.
pub fn solve(
    normal: &Normal,
    t: usize,
    alpha: f64,
    descent: &Descent,
    w: &mut [f64],
    control: &Control,
) -> Result<(), Error> {
    let Descent {
        l1_ratio,
        max_iter,
        tol,
    } = *descent;
    let p = normal.features();
    let g = &normal.gram;
    let xy = normal.xy_of(t);
    let yy = normal.yy[t];
    // The objective times n, which is what X'X and X'y are scaled to.
    let l1 = alpha * l1_ratio * normal.rows;
    let l2 = alpha * (1.0 - l1_ratio) * normal.rows;
    // gw = Gw, kept up to date as coefficients move.
    let mut gw: Vec<f64> = (0..p)
        .map(|j| (0..p).map(|k| g[j * p + k] * w[k]).sum())
        .collect();
    for sweep in 0..max_iter {
        control.checkpoint()?;
        let (mut w_max, mut step_max) = (0.0f64, 0.0f64);
        for j in 0..p {
            let g_jj = g[j * p + j];
            if g_jj <= 0.0 {
                continue;
            }
            let old = w[j];
            let rho = xy[j] - gw[j] + g_jj * old;
            let new = rho.signum() * (rho.abs() - l1).max(0.0) / (g_jj + l2);
            if new != old {
                let step = new - old;
                for (k, gw_k) in gw.iter_mut().enumerate() {
                    *gw_k += step * g[k * p + j];
                }
                w[j] = new;
            }
            step_max = step_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        let last = sweep + 1 == max_iter;
        if (w_max == 0.0 || step_max / w_max < tol || last)
            && duality_gap(w, &gw, &xy, yy, l1, l2) < tol * yy
        {
            break;
        }
    }
    Ok(())
}

/// The gap between the objective at `w` and its dual at the dual point
/// scaled from the residual, which bounds how far `w` is from the optimum.
fn duality_gap(w: &[f64], gw: &[f64], xy: &[f64], yy: f64, l1: f64, l2: f64) -> f64 {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
    let w_xy = dot(w, xy);
    let residual2 = yy + dot(w, gw) - 2.0 * w_xy;
    // X'r - l2 w, the dual constraint's left side.
    let dual_norm = (0..w.len())
        .map(|j| (xy[j] - gw[j] - l2 * w[j]).abs())
        .fold(0.0, f64::max);
    let (scale, mut gap) = if dual_norm > l1 {
        let scale = l1 / dual_norm;
        (scale, 0.5 * residual2 * (1.0 + scale * scale))
    } else {
        (1.0, residual2)
    };
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    gap += l1 * l1_norm - scale * (yy - w_xy) + 0.5 * l2 * (1.0 + scale * scale) * dot(w, w);
    gap
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::super::gram::{normal, Targets};
    use super::super::Target;
    use super::*;

    fn ratio(l1_ratio: f64) -> Descent {
        Descent {
            l1_ratio,
            max_iter: 1000,
            tol: 1e-4,
        }
    }

    fn problem() -> (Array2<f64>, Vec<f64>) {
        // Correlated features, one of them irrelevant, deterministic noise.
        let rows = 200;
        let x = Array2::from_shape_fn((rows, 4), |(r, c)| {
            let a = ((r * 7919 + c * 104729) % 1000) as f64 / 500.0 - 1.0;
            let b = ((r * 31) % 97) as f64 / 48.5 - 1.0;
            a + if c == 1 { 0.8 * b } else { 0.0 } + if c == 2 { 0.5 * b } else { 0.0 }
        });
        let y = (0..rows)
            .map(|r| {
                3.0 * x[(r, 0)] - 2.0 * x[(r, 1)] + 0.5 * x[(r, 2)] + ((r % 13) as f64 - 6.0) / 20.0
            })
            .collect();
        (x, y)
    }

    /// At the optimum the subgradient vanishes: |X'r/n - l2 w_j| <= l1 for a
    /// zero coefficient, and equals l1 with w_j's sign otherwise.
    #[test]
    fn solutions_meet_the_optimality_conditions() {
        let (x, y) = problem();
        let target = Target::Values(&y);
        let normal = normal(x.view(), &Targets::new(&target), &Control::new()).unwrap();
        let n = normal.rows;
        for (alpha, l1_ratio) in [(0.01, 1.0), (0.1, 1.0), (0.05, 0.5), (1.0, 0.5), (0.3, 0.9)] {
            let mut w = vec![0.0; 4];
            solve(&normal, 0, alpha, &ratio(l1_ratio), &mut w, &Control::new()).unwrap();
            let xy = normal.xy_of(0);
            let (l1, l2) = (alpha * l1_ratio, alpha * (1.0 - l1_ratio));
            for j in 0..4 {
                let gw: f64 = (0..4).map(|k| normal.gram[j * 4 + k] * w[k]).sum();
                let gradient = (xy[j] - gw) / n - l2 * w[j];
                if w[j] == 0.0 {
                    assert!(
                        gradient.abs() <= l1 + 1e-3,
                        "{alpha} {l1_ratio} {j}: {gradient}"
                    );
                } else {
                    assert!(
                        (gradient - l1 * w[j].signum()).abs() < 1e-3,
                        "{alpha} {l1_ratio} {j}: {gradient} {w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_penalty_above_the_largest_correlation_zeroes_every_coefficient() {
        let (x, y) = problem();
        let target = Target::Values(&y);
        let normal = normal(x.view(), &Targets::new(&target), &Control::new()).unwrap();
        let largest = normal.xy.iter().map(|v| v.abs()).fold(0.0, f64::max) / normal.rows;
        let mut w = vec![1.0; 4];
        solve(
            &normal,
            0,
            largest * 1.001,
            &ratio(1.0),
            &mut w,
            &Control::new(),
        )
        .unwrap();
        assert_eq!(w, vec![0.0; 4]);
        solve(
            &normal,
            0,
            largest * 0.9,
            &ratio(1.0),
            &mut w,
            &Control::new(),
        )
        .unwrap();
        assert!(w.iter().any(|&v| v != 0.0));
    }

    #[test]
    fn a_warm_start_reaches_the_same_solution() {
        let (x, y) = problem();
        let target = Target::Values(&y);
        let normal = normal(x.view(), &Targets::new(&target), &Control::new()).unwrap();
        let mut cold = vec![0.0; 4];
        solve(&normal, 0, 0.02, &ratio(0.5), &mut cold, &Control::new()).unwrap();
        let mut warm = vec![0.0; 4];
        solve(&normal, 0, 0.5, &ratio(0.5), &mut warm, &Control::new()).unwrap();
        solve(&normal, 0, 0.02, &ratio(0.5), &mut warm, &Control::new()).unwrap();
        for (a, b) in cold.iter().zip(&warm) {
            assert!((a - b).abs() < 1e-3, "{cold:?} {warm:?}");
        }
    }
}
