//! `linear_regression`: ordinary least squares. Solved on the normal
//! equations (the Gram matrix of the centred rows, p x p) when they are well
//! conditioned, which is one pass over the rows; otherwise, and for
//! rank-deficient tables, on the rows themselves (`qr.rs`), whose
//! minimum-norm answer scikit-learn's lstsq also gives.

use ndarray::ArrayView2;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::svd::SVDDecomposable;

use super::gram::{self, Normal, Targets};
use super::linear::decode_linear;
use super::qr;
use super::smartcore_util::failed;
use super::{AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::Control;
use crate::ml::Task;
use crate::Error;

/// Above this condition number of X'X (X's own above 1e5) the normal
/// equations would lose more than 10 of the 16 digits: solve on the rows.
const MAX_GRAM_CONDITION: f64 = 1e10;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "linear_regression",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "normal equations; QR of the rows if ill-conditioned (minimum norm, as lstsq)",
    params: &[],
    fit: |x, y, _, control| fit(x.view(), y, control),
    memory: super::linear_regression::memory_of,
    decode: decode_linear,
};

fn fit(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let values = y.values()?;
    let normal = gram::normal(x, &Targets::new(y), control)?;
    if let Some(w) = solve_normal(&normal)? {
        return Ok(Box::new(normal.linear(0, w)));
    }
    let w = qr::least_squares(x, values, &normal.x_mean, normal.y_mean[0], control)?;
    Ok(Box::new(normal.linear(0, w)))
}

/// w = G^-1 X'y from the SVD of G, or `None` if G is too ill-conditioned.
fn solve_normal(normal: &Normal) -> Result<Option<Vec<f64>>, Error> {
    let p = normal.features();
    let gram = DenseMatrix::new(p, p, normal.gram.clone(), false).map_err(failed)?;
    let svd = gram.svd().map_err(failed)?;
    let largest = svd.s.iter().copied().fold(0.0, f64::max);
    let smallest = svd.s.iter().copied().fold(f64::INFINITY, f64::min);
    // Also refuses NaN singular values.
    let well_conditioned = smallest > largest / MAX_GRAM_CONDITION;
    if !well_conditioned {
        return Ok(None);
    }
    let xy = normal.xy_of(0);
    let mut w = vec![0.0; p];
    for (i, s) in svd.s.iter().enumerate() {
        let along: f64 = (0..p).map(|j| *svd.U.get((j, i)) * xy[j]).sum::<f64>() / s;
        for (j, w_j) in w.iter_mut().enumerate() {
            *w_j += *svd.V.get((j, i)) * along;
        }
    }
    Ok(Some(w))
}

/// The cross-products, and for an ill-conditioned problem the factors.
pub fn memory_of(size: &super::Size<'_>) -> u64 {
    super::gram::memory(size) + qr::memory(size.features, size.threads)
}

#[cfg(test)]
mod tests {
    use ndarray::{concatenate, Array2, Axis};
    use smartcore::linear::linear_regression::{LinearRegression, LinearRegressionParameters};

    use super::super::linear::Linear;
    use super::super::smartcore_util::dense;
    use super::*;

    type Model = LinearRegression<f64, f64, DenseMatrix<f64>, Vec<f64>>;

    fn rows() -> (Array2<f64>, Vec<f64>) {
        let x = Array2::from_shape_fn((80, 3), |(r, c)| {
            ((r * 17 + c * 5) % 13) as f64 - 6.0 + c as f64 * 0.1 * r as f64
        });
        let y = (0..80)
            .map(|r| 1.5 * x[(r, 0)] - 0.5 * x[(r, 1)] + 2.0 + ((r % 7) as f64) / 10.0)
            .collect();
        (x, y)
    }

    fn smartcore(x: ArrayView2<'_, f64>, y: &[f64]) -> Vec<f64> {
        let model = Model::fit(
            &dense(x).unwrap(),
            &y.to_vec(),
            LinearRegressionParameters::default(),
        )
        .unwrap();
        let coefficients = model.coefficients();
        let w = (0..coefficients.shape().0)
            .map(|i| *coefficients.get((i, 0)))
            .collect();
        Linear::from_parts(w, *model.intercept())
            .outputs(x)
            .unwrap()
    }

    /// Fits `x`, checks which path solved it, and compares the predictions
    /// with smartcore's LinearRegression on the rows.
    fn assert_fits_like_smartcore(x: ArrayView2<'_, f64>, y: &[f64], on_normal_equations: bool) {
        let normal = gram::normal(x, &Targets::new(&Target::Values(y)), &Control::new()).unwrap();
        assert_eq!(
            solve_normal(&normal).unwrap().is_some(),
            on_normal_equations
        );
        let ours = fit(x, &Target::Values(y), &Control::new())
            .unwrap()
            .predict(x)
            .unwrap();
        for (a, b) in ours.iter().zip(smartcore(x, y)) {
            assert!((a - b).abs() < 1e-9, "{a} {b}");
        }
    }

    #[test]
    fn the_normal_equations_give_the_least_squares_fit() {
        let (x, y) = rows();
        assert_fits_like_smartcore(x.view(), &y, true);
    }

    #[test]
    fn a_duplicated_column_is_solved_on_the_rows() {
        let (x, y) = rows();
        let x = concatenate(Axis(1), &[x.view(), x.column(0).insert_axis(Axis(1))]).unwrap();
        assert_fits_like_smartcore(x.view(), &y, false);
    }
}
