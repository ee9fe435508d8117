//! Least squares on the normal equations. Ridge, lasso and elastic net need
//! only the cross-products of the centred features (the Gram matrix), of
//! features and targets, and of the targets: a p x p problem that no longer
//! depends on the row count. Cross-validation gets each fold's training
//! cross-products as the table's minus the fold's, so trying many penalties
//! costs one pass over the rows instead of one fit per fold and penalty.

use ndarray::ArrayView2;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::cholesky::CholeskyDecomposable;

use super::linear::Linear;
use super::Target;
use crate::control::Control;
use crate::Error;

/// The regression targets, or one +1/-1 column per class ("is this class"),
/// as scikit-learn's RidgeClassifier. With two classes one column (the
/// second class) serves: the first's is its negation.
pub struct Targets<'a> {
    target: &'a Target<'a>,
    columns: usize,
}

impl<'a> Targets<'a> {
    pub fn new(target: &'a Target<'a>) -> Targets<'a> {
        let columns = match target {
            Target::Values(_) => 1,
            Target::Classes { n_classes: 2, .. } => 1,
            Target::Classes { n_classes, .. } => *n_classes,
        };
        Targets { target, columns }
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    fn value(&self, row: usize, column: usize) -> f64 {
        match self.target {
            Target::Values(v) => v[row],
            Target::Classes { y, n_classes } => {
                let class = if *n_classes == 2 { 1 } else { column };
                if y[row] == class {
                    1.0
                } else {
                    -1.0
                }
            }
        }
    }
}

/// Sums over a set of rows of the features and targets, less a shift (the
/// table's means), and of their products. Taken about the means, so that
/// centring a fold's sums later subtracts small numbers from large ones.
#[derive(Clone)]
struct Sums {
    rows: f64,
    x: Vec<f64>,
    y: Vec<f64>,
    /// p x p, upper triangle only until [`Sums::normal`].
    xx: Vec<f64>,
    /// p x targets.
    xy: Vec<f64>,
    yy: Vec<f64>,
}

impl Sums {
    fn zero(p: usize, m: usize) -> Sums {
        Sums {
            rows: 0.0,
            x: vec![0.0; p],
            y: vec![0.0; m],
            xx: vec![0.0; p * p],
            xy: vec![0.0; p * m],
            yy: vec![0.0; m],
        }
    }

    fn add(&mut self, d: &[f64], e: &[f64]) {
        let (p, m) = (d.len(), e.len());
        self.rows += 1.0;
        for (j, &d_j) in d.iter().enumerate() {
            self.x[j] += d_j;
            for (sum, d_k) in self.xx[j * p + j..(j + 1) * p].iter_mut().zip(&d[j..]) {
                *sum += d_j * d_k;
            }
            for (sum, e_t) in self.xy[j * m..(j + 1) * m].iter_mut().zip(e) {
                *sum += d_j * e_t;
            }
        }
        for (t, &e_t) in e.iter().enumerate() {
            self.y[t] += e_t;
            self.yy[t] += e_t * e_t;
        }
    }

    /// These sums plus `sign` times `other`'s.
    fn combined(&self, sign: f64, other: &Sums) -> Sums {
        let add = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a + sign * b).collect();
        Sums {
            rows: self.rows + sign * other.rows,
            x: add(&self.x, &other.x),
            y: add(&self.y, &other.y),
            xx: add(&self.xx, &other.xx),
            xy: add(&self.xy, &other.xy),
            yy: add(&self.yy, &other.yy),
        }
    }

    fn normal(&self, shift: &Shift) -> Normal {
        let (p, m) = (self.x.len(), self.y.len());
        let n = self.rows;
        let mut gram = vec![0.0; p * p];
        for j in 0..p {
            for k in j..p {
                let v = self.xx[j * p + k] - self.x[j] * self.x[k] / n;
                gram[j * p + k] = v;
                gram[k * p + j] = v;
            }
        }
        let xy = (0..p * m)
            .map(|i| self.xy[i] - self.x[i / m] * self.y[i % m] / n)
            .collect();
        Normal {
            rows: n,
            x_mean: (0..p).map(|j| shift.x[j] + self.x[j] / n).collect(),
            y_mean: (0..m).map(|t| shift.y[t] + self.y[t] / n).collect(),
            gram,
            xy,
            yy: (0..m)
                .map(|t| self.yy[t] - self.y[t] * self.y[t] / n)
                .collect(),
        }
    }
}

struct Shift {
    x: Vec<f64>,
    y: Vec<f64>,
}

/// The centred least-squares problem of a set of rows.
pub struct Normal {
    pub rows: f64,
    pub x_mean: Vec<f64>,
    pub y_mean: Vec<f64>,
    /// p x p: sum over rows of (x - mean)(x - mean)'.
    pub gram: Vec<f64>,
    /// p x targets: sum over rows of (x - mean)(y - mean).
    pub xy: Vec<f64>,
    /// Per target: sum over rows of (y - mean)^2.
    pub yy: Vec<f64>,
}

impl Normal {
    pub fn features(&self) -> usize {
        self.x_mean.len()
    }

    pub fn targets(&self) -> usize {
        self.y_mean.len()
    }

    /// Target `t`'s column of X'y.
    pub fn xy_of(&self, t: usize) -> Vec<f64> {
        let m = self.targets();
        (0..self.features()).map(|j| self.xy[j * m + t]).collect()
    }

    /// The model predicting target `t` with `coefficients` on the centred
    /// features: its intercept puts the prediction at the means through
    /// the mean row.
    pub fn linear(&self, t: usize, coefficients: Vec<f64>) -> Linear {
        let offset: f64 = coefficients
            .iter()
            .zip(&self.x_mean)
            .map(|(w, m)| w * m)
            .sum();
        Linear::from_parts(coefficients, self.y_mean[t] - offset)
    }
}

/// The problem of all rows.
pub fn normal(x: ArrayView2<'_, f64>, y: &Targets<'_>, control: &Control) -> Result<Normal, Error> {
    let (shift, sums) = sums(x, y, |_| 0, 1, control)?;
    Ok(sums[0].normal(&shift))
}

/// For each fold (rows marked by `fold_of`, 0..folds), the problem of the
/// rows outside it.
pub fn fold_complements(
    x: ArrayView2<'_, f64>,
    y: &Targets<'_>,
    fold_of: &[u8],
    folds: usize,
    control: &Control,
) -> Result<Vec<Normal>, Error> {
    let (shift, sums) = sums(x, y, |r| fold_of[r] as usize, folds, control)?;
    let total = sums
        .iter()
        .skip(1)
        .fold(sums[0].clone(), |all, s| all.combined(1.0, s));
    Ok(sums
        .iter()
        .map(|fold| total.combined(-1.0, fold).normal(&shift))
        .collect())
}

fn sums(
    x: ArrayView2<'_, f64>,
    y: &Targets<'_>,
    group_of: impl Fn(usize) -> usize,
    groups: usize,
    control: &Control,
) -> Result<(Shift, Vec<Sums>), Error> {
    let (n, p, m) = (x.nrows(), x.ncols(), y.columns());
    let rows = n.max(1) as f64;
    let mut shift = Shift {
        x: x.sum_axis(ndarray::Axis(0))
            .iter()
            .map(|s| s / rows)
            .collect(),
        y: vec![0.0; m],
    };
    for t in 0..m {
        shift.y[t] = (0..n).map(|r| y.value(r, t)).sum::<f64>() / rows;
    }
    let mut sums = vec![Sums::zero(p, m); groups];
    let (mut d, mut e) = (vec![0.0; p], vec![0.0; m]);
    for (r, row) in x.rows().into_iter().enumerate() {
        if r % 1024 == 0 {
            control.checkpoint()?;
        }
        for j in 0..p {
            d[j] = row[j] - shift.x[j];
        }
        for (t, e_t) in e.iter_mut().enumerate() {
            *e_t = y.value(r, t) - shift.y[t];
        }
        sums[group_of(r)].add(&d, &e);
    }
    Ok((shift, sums))
}

/// The linear model per target column of all rows, as `solve` finds the
/// coefficients of their problem (from zeros).
pub fn fit(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
    solve: impl Fn(&Normal, &mut [Vec<f64>]) -> Result<(), Error>,
) -> Result<Vec<Linear>, Error> {
    let normal = normal(x, &Targets::new(y), control)?;
    let mut w = vec![vec![0.0; normal.features()]; normal.targets()];
    solve(&normal, &mut w)?;
    Ok(w.into_iter()
        .enumerate()
        .map(|(t, w)| normal.linear(t, w))
        .collect())
}

/// Keeps collinear columns solvable in [`residuals`] (a one-hot column's
/// slots sum to one), on columns scaled to a unit sum of squares.
const RESIDUAL_RIDGE: f64 = 1e-6;

/// What the least-squares fit of `y` on `x` (with an intercept) leaves
/// unexplained, row by row; None when there is nothing to fit on or the
/// problem cannot be solved (then the caller keeps `y`).
pub fn residuals(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    control: &Control,
) -> Result<Option<Vec<f64>>, Error> {
    let target = Target::Values(y);
    let normal = normal(x, &Targets::new(&target), control)?;
    Ok(left_unexplained(&normal, x, y))
}

fn left_unexplained(normal: &Normal, x: ArrayView2<'_, f64>, y: &[f64]) -> Option<Vec<f64>> {
    let p = normal.features();
    if p == 0 || x.nrows() < 2 {
        return None;
    }
    let diagonal = |j: usize| normal.gram[j * p + j];
    let scale: Vec<f64> = (0..p)
        .map(|j| match diagonal(j) > 0.0 {
            true => diagonal(j).sqrt(),
            false => 1.0,
        })
        .collect();
    let mut a = vec![0.0; p * p];
    for j in 0..p {
        for k in 0..p {
            a[j * p + k] = normal.gram[j * p + k] / (scale[j] * scale[k]);
        }
        a[j * p + j] += RESIDUAL_RIDGE;
    }
    let b: Vec<f64> = (0..p).map(|j| normal.xy[j] / scale[j]).collect();
    let a = DenseMatrix::new(p, p, a, false).ok()?;
    let b = DenseMatrix::new(p, 1, b, false).ok()?;
    let v = a.cholesky_solve_mut(b).ok()?;
    let w: Vec<f64> = (0..p).map(|j| *v.get((j, 0)) / scale[j]).collect();
    let fitted = normal.linear(0, w).outputs(x).ok()?;
    let left: Vec<f64> = y.iter().zip(&fitted).map(|(y, f)| y - f).collect();
    left.iter().all(|r| r.is_finite()).then_some(left)
}

/// The folds' cross-products (p x p each) and one fold's test rows.
pub fn memory(size: &super::Size<'_>) -> u64 {
    let folds = size.settings.usize("cv").unwrap_or(1) as u64 + 1;
    let p = size.features as u64;
    folds * (p * p + p * size.outputs as u64) * 8 + super::matrix_bytes(size.rows, size.features)
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, Axis};

    use super::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(a, b)| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs())))
    }

    /// A fold's training problem, made from the table's sums minus the
    /// fold's, is the one computed from the fold's training rows directly.
    #[test]
    fn fold_complements_match_their_rows() {
        let x = Array2::from_shape_fn((50, 3), |(r, c)| {
            ((r * 37 + c * 11) % 17) as f64 * (c + 1) as f64 + 100.0
        });
        let y: Vec<usize> = (0..50).map(|r| (r * 7) % 3).collect();
        let target = Target::Classes {
            y: &y,
            n_classes: 3,
        };
        let targets = Targets::new(&target);
        let fold_of: Vec<u8> = (0..50).map(|r| ((r * 13) % 4) as u8).collect();
        let complements =
            fold_complements(x.view(), &targets, &fold_of, 4, &Control::new()).unwrap();
        for (fold, complement) in complements.iter().enumerate() {
            let rows: Vec<usize> = (0..50).filter(|&r| fold_of[r] as usize != fold).collect();
            let classes: Vec<usize> = rows.iter().map(|&r| y[r]).collect();
            let fold_target = Target::Classes {
                y: &classes,
                n_classes: 3,
            };
            let direct = normal(
                x.select(Axis(0), &rows).view(),
                &Targets::new(&fold_target),
                &Control::new(),
            )
            .unwrap();
            assert_eq!(complement.rows, direct.rows);
            assert!(close(&complement.x_mean, &direct.x_mean));
            assert!(close(&complement.y_mean, &direct.y_mean));
            assert!(close(&complement.gram, &direct.gram));
            assert!(close(&complement.xy, &direct.xy));
            assert!(close(&complement.yy, &direct.yy));
        }
    }

    /// A target linear in the columns leaves nothing, even when the
    /// columns are collinear (a one-hot column's slots sum to one) and of
    /// very different sizes; what is not linear in them is left.
    #[test]
    fn residuals_are_what_the_linear_fit_leaves() {
        let x = Array2::from_shape_fn((200, 4), |(r, c)| match c {
            0 => ((r * 37) % 101) as f64 * 1000.0,
            1 => (r % 3 == 0) as u8 as f64,
            2 => (r % 3 == 1) as u8 as f64,
            _ => (r % 3 == 2) as u8 as f64,
        });
        let linear: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|row| 5.0 + 0.002 * row[0] + 3.0 * row[1] - row[3])
            .collect();
        let left = residuals(x.view(), &linear, &Control::new())
            .unwrap()
            .unwrap();
        assert!(left.iter().all(|r| r.abs() < 1e-3), "{left:?}");
        let bumped: Vec<f64> = linear
            .iter()
            .enumerate()
            .map(|(r, y)| y + if r % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let left = residuals(x.view(), &bumped, &Control::new())
            .unwrap()
            .unwrap();
        let off = left
            .iter()
            .enumerate()
            .filter(|&(r, v)| (v - if r % 2 == 0 { 1.0 } else { -1.0 }).abs() > 0.1)
            .count();
        assert_eq!(off, 0, "{left:?}");
        assert!(
            residuals(Array2::zeros((5, 0)).view(), &[1.0; 5], &Control::new())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn two_classes_need_one_column_and_more_need_one_each() {
        let y = [0, 1, 1];
        for (n_classes, columns) in [(2, 1), (3, 3)] {
            let target = Target::Classes { y: &y, n_classes };
            assert_eq!(Targets::new(&target).columns(), columns);
        }
        let two = Target::Classes {
            y: &y,
            n_classes: 2,
        };
        let targets = Targets::new(&two);
        assert_eq!(
            (0..3).map(|r| targets.value(r, 0)).collect::<Vec<_>>(),
            [-1.0, 1.0, 1.0]
        );
    }
}
