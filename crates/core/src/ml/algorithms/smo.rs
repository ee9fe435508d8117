//! The SVM dual by sequential minimal optimisation, as libsvm (and so
//! scikit-learn's SVC and SVR) solves it: second-order working-set
//! selection (Fan, Chen and Lin, 2005), stopping when the largest KKT
//! violation is under `tol`, on an RBF kernel whose rows are computed on
//! demand and kept in a cache of bounded size.
//!
//! Written here because linfa-svm's solver cannot be stopped once started
//! (a 20,000-row svr ran 45 s past an interrupt) and holds the whole n x n
//! kernel matrix; this one reaches a checkpoint every iteration and keeps
//! at most [`CACHE_BYTES`] of kernel rows.

use std::collections::VecDeque;

use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::control::{Control, Phase};
use crate::Error;

/// The kernel rows kept at most (scikit-learn's default cache is 200 MB).
pub const CACHE_BYTES: usize = 256 << 20;
/// libsvm's stopping tolerance and its floor for a non-positive curvature.
const TOL: f64 = 1e-3;
const TAU: f64 = 1e-12;

/// exp(-gamma |a - b|^2) between rows, computed from squared norms.
pub struct Rbf<'a> {
    x: ArrayView2<'a, f64>,
    norms: Vec<f64>,
    gamma: f64,
}

impl<'a> Rbf<'a> {
    pub fn new(x: ArrayView2<'a, f64>, gamma: f64) -> Rbf<'a> {
        let norms = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        Rbf { x, norms, gamma }
    }

    /// K(i, t) for every row t.
    fn row(&self, i: usize) -> Vec<f64> {
        let xi = self.x.row(i);
        let ni = self.norms[i];
        let gamma = self.gamma;
        let row = |t: usize| {
            let d = (ni + self.norms[t] - 2.0 * xi.dot(&self.x.row(t))).max(0.0);
            (-gamma * d).exp()
        };
        let n = self.x.nrows();
        // Parallel only when a row is long enough to pay for it.
        if n * self.x.ncols() > 1 << 16 {
            (0..n).into_par_iter().map(row).collect()
        } else {
            (0..n).map(row).collect()
        }
    }
}

/// Kernel rows by base row, the oldest dropped first when full.
struct Cache<'a> {
    kernel: Rbf<'a>,
    rows: Vec<Option<Vec<f64>>>,
    order: VecDeque<usize>,
    capacity: usize,
}

impl<'a> Cache<'a> {
    fn new(kernel: Rbf<'a>) -> Cache<'a> {
        let n = kernel.x.nrows();
        let capacity = (CACHE_BYTES / (n.max(1) * 8)).clamp(2, n.max(2));
        Cache {
            kernel,
            rows: vec![None; n],
            order: VecDeque::new(),
            capacity,
        }
    }

    fn row(&mut self, i: usize) -> &[f64] {
        if self.rows[i].is_none() {
            if self.order.len() >= self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.rows[old] = None;
                }
            }
            self.rows[i] = Some(self.kernel.row(i));
            self.order.push_back(i);
        }
        self.rows[i].as_deref().expect("just filled")
    }
}

/// The dual problem: min 1/2 a'Qa + p'a, y'a fixed, 0 <= a_t <= c_t, where
/// Q_st = y_s y_t K(base_s, base_t) over variables that map to base rows.
pub struct Problem {
    pub y: Vec<f64>,
    pub p: Vec<f64>,
    pub c: Vec<f64>,
    /// The base row (of the kernel) of each variable.
    pub base: Vec<usize>,
}

/// The solution: each variable's alpha, and rho (f(x) = sum - rho).
pub struct Solution {
    pub alpha: Vec<f64>,
    pub rho: f64,
}

/// Solves `problem` on `kernel`'s rows; counts iterations on `control`.
pub fn solve(problem: &Problem, kernel: Rbf<'_>, control: &Control) -> Result<Solution, Error> {
    let Problem { y, p, c, base } = problem;
    let l = y.len();
    let mut cache = Cache::new(kernel);
    let mut alpha = vec![0.0; l];
    let mut gradient = p.clone();
    let max_iter = 10_000_000usize.max(100usize.saturating_mul(l));
    control.begin(Phase::Fitting, None);
    let upper = |a: f64, t: usize| a >= c[t];
    let lower = |a: f64| a <= 0.0;
    let mut iter = 0;
    while iter < max_iter {
        if iter % 64 == 0 {
            control.advance(64)?;
        }
        // i: the variable that violates the optimality conditions most.
        let (mut g_max, mut i) = (f64::NEG_INFINITY, usize::MAX);
        for t in 0..l {
            let a = alpha[t];
            if y[t] > 0.0 {
                if !upper(a, t) && -gradient[t] >= g_max {
                    (g_max, i) = (-gradient[t], t);
                }
            } else if !lower(a) && gradient[t] >= g_max {
                (g_max, i) = (gradient[t], t);
            }
        }
        if i == usize::MAX {
            break;
        }
        let k_i = cache.row(base[i]).to_vec();
        // j: the partner that decreases the objective most (second order).
        let (mut g_max2, mut j, mut best) = (f64::NEG_INFINITY, usize::MAX, f64::INFINITY);
        for t in 0..l {
            let a = alpha[t];
            // The curvature along (i, t) is K(i,i) + K(t,t) - 2 K(i,t),
            // and K(t, t) = 1 for the RBF kernel.
            let k_it = k_i[base[t]];
            if y[t] > 0.0 {
                if !lower(a) {
                    let diff = g_max + gradient[t];
                    g_max2 = g_max2.max(gradient[t]);
                    if diff > 0.0 {
                        let curve = 2.0 - 2.0 * k_it;
                        let gain = -(diff * diff) / if curve > 0.0 { curve } else { TAU };
                        if gain <= best {
                            (j, best) = (t, gain);
                        }
                    }
                }
            } else if !upper(a, t) {
                let diff = g_max - gradient[t];
                g_max2 = g_max2.max(-gradient[t]);
                if diff > 0.0 {
                    let curve = 2.0 - 2.0 * k_it;
                    let gain = -(diff * diff) / if curve > 0.0 { curve } else { TAU };
                    if gain <= best {
                        (j, best) = (t, gain);
                    }
                }
            }
        }
        if g_max + g_max2 < TOL || j == usize::MAX {
            break;
        }
        iter += 1;
        let k_j = cache.row(base[j]).to_vec();
        let q_ij = y[i] * y[j] * k_i[base[j]];
        let (old_i, old_j) = (alpha[i], alpha[j]);
        let (c_i, c_j) = (c[i], c[j]);
        if y[i] != y[j] {
            let curve = (2.0 + 2.0 * q_ij).max(TAU);
            let delta = (-gradient[i] - gradient[j]) / curve;
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > c_i - c_j {
                if alpha[i] > c_i {
                    alpha[i] = c_i;
                    alpha[j] = c_i - diff;
                }
            } else if alpha[j] > c_j {
                alpha[j] = c_j;
                alpha[i] = c_j + diff;
            }
        } else {
            let curve = (2.0 - 2.0 * q_ij).max(TAU);
            let delta = (gradient[i] - gradient[j]) / curve;
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c_i {
                if alpha[i] > c_i {
                    alpha[i] = c_i;
                    alpha[j] = sum - c_i;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c_j {
                if alpha[j] > c_j {
                    alpha[j] = c_j;
                    alpha[i] = sum - c_j;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let (d_i, d_j) = (alpha[i] - old_i, alpha[j] - old_j);
        let (yi, yj) = (y[i] * d_i, y[j] * d_j);
        for t in 0..l {
            let b = base[t];
            gradient[t] += y[t] * (k_i[b] * yi + k_j[b] * yj);
        }
    }
    Ok(Solution {
        rho: rho(y, c, &alpha, &gradient),
        alpha,
    })
}

/// libsvm's offset: the mean of y_t G_t over the free variables, or the
/// middle of the range the bounded ones allow.
fn rho(y: &[f64], c: &[f64], alpha: &[f64], gradient: &[f64]) -> f64 {
    let (mut upper, mut lower) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut free, mut sum) = (0usize, 0.0);
    for t in 0..y.len() {
        let yg = y[t] * gradient[t];
        if alpha[t] >= c[t] {
            if y[t] < 0.0 {
                upper = upper.min(yg);
            } else {
                lower = lower.max(yg);
            }
        } else if alpha[t] <= 0.0 {
            if y[t] > 0.0 {
                upper = upper.min(yg);
            } else {
                lower = lower.max(yg);
            }
        } else {
            free += 1;
            sum += yg;
        }
    }
    if free > 0 {
        sum / free as f64
    } else {
        (upper + lower) / 2.0
    }
}

/// A fitted machine: f(x) = sum_k coef_k K(sv_k, x) - rho.
#[derive(Clone, Serialize, Deserialize)]
pub struct Machine {
    pub vectors: Array2<f64>,
    pub coef: Vec<f64>,
    pub rho: f64,
    pub gamma: f64,
}

impl Machine {
    /// The machine of the rows whose coefficient is not zero.
    pub fn of(x: ArrayView2<'_, f64>, coef_by_row: &[f64], rho: f64, gamma: f64) -> Machine {
        let kept: Vec<usize> = (0..coef_by_row.len())
            .filter(|&r| coef_by_row[r] != 0.0)
            .collect();
        Machine {
            vectors: x.select(ndarray::Axis(0), &kept),
            coef: kept.iter().map(|&r| coef_by_row[r]).collect(),
            rho,
            gamma,
        }
    }

    pub fn decision(&self, row: ArrayView1<'_, f64>) -> f64 {
        let norm = row.dot(&row);
        let mut sum = 0.0;
        for (v, c) in self.vectors.rows().into_iter().zip(&self.coef) {
            let d = (norm + v.dot(&v) - 2.0 * v.dot(&row)).max(0.0);
            sum += c * (-self.gamma * d).exp();
        }
        sum - self.rho
    }

    pub fn decisions(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        let rows: Vec<_> = x.rows().into_iter().collect();
        rows.par_iter().map(|r| self.decision(r.view())).collect()
    }

    /// Checks a decoded machine's counts and numbers.
    pub fn check(&self, features: usize) -> bool {
        self.vectors.ncols() == features
            && self.vectors.nrows() == self.coef.len()
            && self.vectors.iter().chain(&self.coef).all(|v| v.is_finite())
            && self.rho.is_finite()
            && self.gamma.is_finite()
            && self.gamma > 0.0
    }
}
