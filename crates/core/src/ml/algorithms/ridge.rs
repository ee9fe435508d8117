//! `ridge` and `ridge_cv`: least squares with an L2 penalty, solved on the
//! normal equations (X'X + alpha I) w = X'y of the centred rows with
//! smartcore's Cholesky decomposition, as scikit-learn's Ridge with its
//! "cholesky" solver. The classifier fits one ridge regression per class on
//! +1/-1 targets and predicts the class with the highest output, as
//! scikit-learn's RidgeClassifier.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::cholesky::CholeskyDecomposable;

use super::gram::{self, Normal};
use super::linear::{decode_linear, Linear};
use super::shared_params::{alpha, cv};
use super::smartcore_util::failed;
use super::{argmax_rows, cv, decode, encode, AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::Control;
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

const ALPHA: Param = alpha(1.0, "the L2 penalty's strength");
/// Candidates as scikit-learn's RidgeCV and RidgeClassifierCV.
const CV_PARAMS: &[Param] = &[
    Param {
        name: "alphas",
        kind: Kind::Floats {
            default: &[0.1, 1.0, 10.0],
            max: 1e12,
            max_len: 100,
        },
        meaning: "the penalties tried, each a solve of the p x p normal equations per fold",
    },
    cv(5),
];

/// The candidate that cross-validates best.
fn chosen(
    settings: &Settings,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
) -> Result<f64, Error> {
    let alphas = settings.f64s("alphas")?;
    let folds = (settings.usize("cv")?, settings.seed);
    cv::choose(&alphas, folds, x, y, control, solve)
}

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "ridge",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "normal equations with smartcore's Cholesky",
    params: &[ALPHA],
    fit: |x, y, settings, control| fit_regressor(settings.f64("alpha")?, x.view(), y, control),
    memory: super::gram::memory,
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "ridge_cv",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "as ridge, alpha chosen by k-fold cross-validation",
    params: CV_PARAMS,
    fit: |x, y, settings, control| {
        let x = x.view();
        fit_regressor(chosen(settings, x, y, control)?, x, y, control)
    },
    memory: super::gram::memory,
    decode: decode_linear,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "ridge",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "one ridge per class on +1/-1 targets",
    params: &[ALPHA],
    fit: |x, y, settings, control| fit_classifier(settings.f64("alpha")?, x.view(), y, control),
    memory: super::gram::memory,
    decode: decode_classifier,
};

pub const CLASSIFIER_CV: AlgorithmSpec = AlgorithmSpec {
    name: "ridge_cv",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "as ridge, alpha chosen by k-fold cross-validation",
    params: CV_PARAMS,
    fit: |x, y, settings, control| {
        let x = x.view();
        fit_classifier(chosen(settings, x, y, control)?, x, y, control)
    },
    memory: super::gram::memory,
    decode: decode_classifier,
};

/// (X'X + alpha I) w = X'y for every target column at once.
fn solve(alpha: f64, normal: &Normal, w: &mut [Vec<f64>]) -> Result<(), Error> {
    let (p, m) = (normal.features(), normal.targets());
    let mut a = normal.gram.clone();
    for j in 0..p {
        a[j * p + j] += alpha;
    }
    let a = DenseMatrix::new(p, p, a, false).map_err(failed)?;
    let b = DenseMatrix::new(p, m, normal.xy.clone(), false).map_err(failed)?;
    let solution = a.cholesky_solve_mut(b).map_err(failed)?;
    for (t, w) in w.iter_mut().enumerate() {
        *w = (0..p).map(|j| *solution.get((j, t))).collect();
    }
    Ok(())
}

fn fit_regressor(
    alpha: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    y.values()?;
    let mut models = gram::fit(x, y, control, |normal, w| solve(alpha, normal, w))?;
    Ok(Box::new(models.remove(0)))
}

#[derive(Serialize, Deserialize)]
struct OneVsRest(Vec<Linear>);

impl Fitted for OneVsRest {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let outputs = self
            .0
            .iter()
            .map(|m| m.outputs(x))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(argmax_rows(&outputs, x_rows(&outputs)))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

fn x_rows(outputs: &[Vec<f64>]) -> usize {
    outputs.first().map_or(0, Vec::len)
}

fn fit_classifier(
    alpha: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (_, n_classes) = y.classes()?;
    let mut models = gram::fit(x, y, control, |normal, w| solve(alpha, normal, w))?;
    // With two classes one model was fitted, for the second class: the
    // first's targets are its negation, and so is its model.
    if n_classes == 2 {
        models.insert(0, models[0].negated());
    }
    Ok(Box::new(OneVsRest(models)))
}

fn decode_classifier(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model: OneVsRest = decode(bytes)?;
    for per_class in &model.0 {
        shape.expect(per_class.n_coefficients(), Some(model.0.len()))?;
    }
    if model.0.len() < 2 || !model.0.iter().all(Linear::is_finite) {
        return Err(Error::Model(
            "ridge: the per-class models are malformed".into(),
        ));
    }
    Ok(Box::new(model))
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};

    use super::super::smartcore_util::dense;
    use super::*;

    /// The same model as smartcore's own ridge on the centred rows (its
    /// `normalize` off: scikit-learn does not rescale either).
    #[test]
    fn matches_smartcores_ridge_on_centred_rows() {
        let x = Array2::from_shape_fn((60, 3), |(r, c)| ((r * 29 + c * 7) % 23) as f64 - 11.0);
        let y: Vec<f64> = (0..60)
            .map(|r| 2.0 * x[(r, 0)] - x[(r, 2)] + ((r % 5) as f64))
            .collect();
        let ours = fit_regressor(1.0, x.view(), &Target::Values(&y), &Control::new()).unwrap();
        let means = x.mean_axis(ndarray::Axis(0)).unwrap();
        let centred = &x - &means;
        let y_mean = y.iter().sum::<f64>() / 60.0;
        let y_centred: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let params = RidgeRegressionParameters::default()
            .with_alpha(1.0)
            .with_normalize(false);
        let theirs: RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>> =
            RidgeRegression::fit(&dense(centred.view()).unwrap(), &y_centred, params).unwrap();
        let predicted = ours.predict(x.view()).unwrap();
        let expected = theirs.predict(&dense(centred.view()).unwrap()).unwrap();
        for (p, e) in predicted.iter().zip(&expected) {
            assert!((p - (e + y_mean)).abs() < 1e-9, "{p} {e}");
        }
    }
}
