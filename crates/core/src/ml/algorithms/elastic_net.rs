//! `elastic_net` and `elastic_net_cv`: least squares with L1 and L2 penalties
//! (by default alpha 1 and l1_ratio 0.5, as scikit-learn's ElasticNet), by
//! coordinate descent on the Gram matrix. `lasso` is the l1_ratio 1 case.

use ndarray::ArrayView2;

use super::coordinate_descent::Descent;
use super::linear::decode_linear;
use super::shared_params::{alpha, cv, max_iter, tol};
use super::{coordinate_descent, gram};
use super::{AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::Control;
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::Task;
use crate::Error;

pub const ALPHA: Param = alpha(1.0, "the penalties' strength");
pub const MAX_ITER: Param = max_iter(1000, "coordinate descent sweeps at most");
pub const TOL: Param = tol(
    1e-4,
    "stop when the steps and the duality gap are this small",
);
pub const CV: Param = cv(5);
pub const N_ALPHAS: Param = Param {
    name: "n_alphas",
    kind: Kind::Int {
        default: 30,
        min: 1,
        max: 1000,
    },
    meaning: "penalties tried, on a log scale down to a thousandth of the largest useful one",
};
const L1_RATIO: Param = Param {
    name: "l1_ratio",
    kind: Kind::Float {
        default: 0.5,
        min: 0.0,
        max: 1.0,
    },
    meaning: "the L1 share of the penalty (1: lasso, 0: ridge)",
};

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "coordinate descent on the Gram matrix",
    params: &[ALPHA, L1_RATIO, MAX_ITER, TOL],
    fit: |x, y, settings, control| {
        let descent = descent(settings, settings.f64("l1_ratio")?)?;
        fit(&descent, settings.f64("alpha")?, x.view(), y, control)
    },
    memory: super::gram::memory,
    decode: decode_linear,
};

pub const REGRESSOR_CV: AlgorithmSpec = AlgorithmSpec {
    name: "elastic_net_cv",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "as elastic_net, alpha chosen by k-fold cross-validation",
    params: &[L1_RATIO, N_ALPHAS, CV, MAX_ITER, TOL],
    fit: |x, y, settings, control| {
        fit_cv(
            &descent(settings, settings.f64("l1_ratio")?)?,
            settings,
            x.view(),
            y,
            control,
        )
    },
    memory: super::gram::memory,
    decode: decode_linear,
};

/// The descent's settings with `l1_ratio`.
pub fn descent(settings: &Settings, l1_ratio: f64) -> Result<Descent, Error> {
    Ok(Descent {
        l1_ratio,
        max_iter: settings.usize("max_iter")?,
        tol: settings.f64("tol")?,
    })
}

pub fn fit(
    descent: &Descent,
    alpha: f64,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    y.values()?;
    let mut models = gram::fit(x, y, control, |normal, w| {
        coordinate_descent::solve(normal, 0, alpha, descent, &mut w[0], control)
    })?;
    Ok(Box::new(models.remove(0)))
}

/// The alpha path runs from the strongest penalty down, each fold's solve
/// starting from the previous alpha's coefficients.
pub fn fit_cv(
    descent: &Descent,
    settings: &Settings,
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let alphas = super::cv::alpha_grid(
        x,
        y.values()?,
        descent.l1_ratio,
        settings.usize("n_alphas")?,
    );
    let folds = (settings.usize("cv")?, settings.seed);
    let alpha = super::cv::choose(&alphas, folds, x, y, control, |alpha, normal, w| {
        coordinate_descent::solve(normal, 0, alpha, descent, &mut w[0], control)
    })?;
    fit(descent, alpha, x, y, control)
}
