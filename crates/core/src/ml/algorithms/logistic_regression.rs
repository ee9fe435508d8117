//! `logistic_regression`: logistic regression with an L2 penalty on the
//! coefficients (not the intercept), as scikit-learn's LogisticRegression
//! with its defaults: C = 1, binomial for two classes, multinomial for
//! more, fitted by L-BFGS (`lbfgs.rs`) on the mean loss, to scikit-learn's
//! tolerance and iteration budget.
//!
//! Models trained before were fitted by smartcore; they still load and
//! predict.

use ndarray::{s, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::lbfgs::{self, Stop};
use super::shared_params::{max_iter, tol};
use super::{argmax, decode, encode, softmax_rows, AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::Control;
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

mod smartcore_model;

/// The first byte of a model fitted here; smartcore's model starts with
/// `Some` of its coefficients (1).
const MARKER: u8 = 0;

/// Rows per block of the loss's pass: the blocks' sums are added in their
/// order, so the fit is the same on any number of threads.
const BLOCK_ROWS: usize = 2048;
/// At most this many blocks, whose gradients are held at once.
const MAX_BLOCKS: usize = 64;

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "logistic_regression",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator: "logistic regression, L2, binomial or multinomial, by L-BFGS (as scikit-learn's)",
    params: &[
        Param {
            name: "C",
            kind: Kind::PositiveFloat {
                default: 1.0,
                max: 1e12,
            },
            meaning: "the inverse of the L2 penalty's strength",
        },
        max_iter(100, "L-BFGS iterations at most"),
        tol(1e-4, "stop when no component of the gradient exceeds it"),
    ],
    fit: |x, y, settings, control| fit(x.view(), y, settings, control),
    memory,
    decode: decode_classifier,
};

#[derive(Serialize, Deserialize)]
struct Logistic {
    marker: u8,
    n_classes: usize,
    features: usize,
    /// One row per score (one for two classes, else one per class): the
    /// coefficients, then the intercept.
    weights: Vec<f64>,
}

impl Logistic {
    fn scores(&self) -> usize {
        if self.n_classes == 2 {
            1
        } else {
            self.n_classes
        }
    }

    /// The rows' scores, rows x scores.
    fn decision(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let (coefficients, intercept) = split(&self.weights, self.scores(), self.features);
        let mut z = x.dot(&coefficients.t());
        z += &intercept;
        z
    }
}

/// The coefficients (scores x features) and the intercepts of `weights`,
/// borrowed: a row-wise prediction copies nothing.
fn split(
    weights: &[f64],
    scores: usize,
    features: usize,
) -> (ArrayView2<'_, f64>, ndarray::ArrayView1<'_, f64>) {
    let all = ArrayView2::from_shape((scores, features + 1), weights).expect("checked length");
    let (coefficients, intercept) = all.split_at(Axis(1), features);
    (coefficients, intercept.index_axis_move(Axis(1), 0))
}

fn decode_classifier(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    if bytes.first() != Some(&MARKER) {
        return smartcore_model::decode_checked(bytes, shape);
    }
    let model: Logistic = decode(bytes)?;
    shape.expect(model.features, Some(model.n_classes))?;
    let expected = model
        .features
        .checked_add(1)
        .and_then(|w| w.checked_mul(model.scores()));
    if model.n_classes < 2 || expected != Some(model.weights.len()) {
        return Err(Error::Model(
            "logistic_regression: the coefficients and the class count disagree".into(),
        ));
    }
    Ok(Box::new(model))
}

impl Fitted for Logistic {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let z = self.decision(x);
        Ok(if self.n_classes == 2 {
            z.column(0)
                .iter()
                .map(|&v| if v > 0.0 { 1.0 } else { 0.0 })
                .collect()
        } else {
            z.rows()
                .into_iter()
                .map(|row| argmax(row.as_slice().expect("standard layout")) as f64)
                .collect()
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }

    /// The logistic of the score (two classes) or the softmax of the scores.
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        if classes != self.n_classes {
            return Err(Error::Model("logistic_regression: unknown classes".into()));
        }
        let mut z = self.decision(x);
        if self.n_classes == 2 {
            let mut out = Array2::zeros((x.nrows(), 2));
            for (mut row, &v) in out.rows_mut().into_iter().zip(z.column(0)) {
                let p = sigmoid(v);
                row[0] = 1.0 - p;
                row[1] = p;
            }
            return Ok(Some(out));
        }
        softmax_rows(&mut z);
        Ok(Some(z))
    }
}

fn fit(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    let (y, n_classes) = y.classes()?;
    let stop = Stop {
        max_iter: settings.usize("max_iter")?,
        gtol: settings.f64("tol")?,
    };
    let (rows, features) = x.dim();
    let scores = if n_classes == 2 { 1 } else { n_classes };
    // scikit-learn's objective: the mean loss plus |w|^2 / (2 C n).
    let penalty = 1.0 / (settings.f64("C")? * rows as f64);
    let mut weights = vec![0.0; scores * (features + 1)];
    control.begin(crate::control::Phase::Fitting, Some(stop.max_iter as u64));
    lbfgs::minimize(&mut weights, &stop, control, |w, gradient| {
        objective(x, y, penalty, w, gradient, control)
    })?;
    Ok(Box::new(Logistic {
        marker: MARKER,
        n_classes,
        features,
        weights,
    }))
}

/// The mean loss plus `penalty` / 2 times the coefficients' squared norm
/// at `w`, and its gradient: one pass over the rows, by blocks in parallel.
fn objective(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    penalty: f64,
    w: &[f64],
    gradient: &mut [f64],
    control: &Control,
) -> Result<f64, Error> {
    let (rows, features) = x.dim();
    let scores = w.len() / (features + 1);
    let block = BLOCK_ROWS.max(rows.div_ceil(MAX_BLOCKS));
    let (coefficients, intercept) = split(w, scores, features);
    let parts = (0..rows.div_ceil(block))
        .into_par_iter()
        .map(|b| {
            control.checkpoint()?;
            let rows = b * block..((b + 1) * block).min(rows);
            let (xb, yb) = (x.slice(s![rows.clone(), ..]), &y[rows]);
            let mut z = xb.dot(&coefficients.t());
            z += &intercept;
            let loss = residuals(&mut z, yb);
            let mut part = Array2::zeros((scores, features + 1));
            part.slice_mut(s![.., ..features]).assign(&z.t().dot(&xb));
            part.column_mut(features).assign(&z.sum_axis(Axis(0)));
            Ok((loss, part))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut total = Array2::<f64>::zeros((scores, features + 1));
    let mut loss = 0.0;
    for (l, part) in parts {
        loss += l;
        total += &part;
    }
    let n = rows as f64;
    let mut norm = 0.0;
    for (k, (g, t)) in gradient.iter_mut().zip(total.iter()).enumerate() {
        *g = t / n;
        if k % (features + 1) != features {
            *g += penalty * w[k];
            norm += w[k] * w[k];
        }
    }
    Ok(loss / n + 0.5 * penalty * norm)
}

/// Replaces each row's scores by the loss's derivative in them (the
/// probability minus the truth), returning the rows' summed loss.
fn residuals(z: &mut Array2<f64>, y: &[usize]) -> f64 {
    let mut loss = 0.0;
    if z.ncols() == 1 {
        for (v, &class) in z.column_mut(0).iter_mut().zip(y) {
            let truth = class as f64;
            // log(1 + e^v) - truth * v, without overflow.
            loss += v.max(0.0) + (-v.abs()).exp().ln_1p() - truth * *v;
            *v = sigmoid(*v) - truth;
        }
        return loss;
    }
    for (mut row, &class) in z.rows_mut().into_iter().zip(y) {
        let top = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let total: f64 = row.iter().map(|v| (v - top).exp()).sum();
        loss += top + total.ln() - row[class];
        row.mapv_inplace(|v| (v - top).exp() / total);
        row[class] -= 1.0;
    }
    loss
}

fn sigmoid(v: f64) -> f64 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}

/// Each thread's block of scores and its product with the rows, the
/// blocks' gradients, and the L-BFGS history.
fn memory(size: &super::Size<'_>) -> u64 {
    let scores = size.outputs.max(1) as u64;
    let params = scores * (size.features as u64 + 1) * 8;
    let block = BLOCK_ROWS.max(size.rows.div_ceil(MAX_BLOCKS)) as u64;
    size.threads as u64 * 2 * block * scores * 8 + (MAX_BLOCKS as u64 + 30) * params
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::new(
            "logistic_regression",
            CLASSIFIER.params,
            &Default::default(),
            0,
        )
        .unwrap()
    }

    /// The gradient the fit descends is the objective's: checked against
    /// central differences, for two classes and for three.
    #[test]
    fn the_gradient_is_the_objectives() {
        let x = ndarray::array![
            [0.5, -1.0],
            [1.5, 2.0],
            [-2.0, 0.3],
            [0.1, 0.2],
            [3.0, -0.7]
        ];
        let y = [0, 1, 2, 1, 0];
        for (scores, y) in [(1, vec![0, 1, 1, 0, 1]), (3, y.to_vec())] {
            let w: Vec<f64> = (0..scores * 3).map(|i| 0.3 * i as f64 - 0.5).collect();
            let mut gradient = vec![0.0; w.len()];
            let control = Control::new();
            objective(x.view(), &y, 0.2, &w, &mut gradient, &control).unwrap();
            for k in 0..w.len() {
                let (mut up, mut down) = (w.clone(), w.clone());
                up[k] += 1e-6;
                down[k] -= 1e-6;
                let mut scratch = vec![0.0; w.len()];
                let numeric = (objective(x.view(), &y, 0.2, &up, &mut scratch, &control).unwrap()
                    - objective(x.view(), &y, 0.2, &down, &mut scratch, &control).unwrap())
                    / 2e-6;
                assert!(
                    (numeric - gradient[k]).abs() < 1e-6,
                    "{k}: {numeric} {}",
                    gradient[k]
                );
            }
        }
    }

    #[test]
    fn fits_separable_classes_and_gives_consistent_probabilities() {
        let x = ndarray::array![
            [0.0, 1.0],
            [1.0, 0.5],
            [2.0, 2.0],
            [3.0, 1.0],
            [4.0, 0.0],
            [5.0, 2.5]
        ];
        for (y, n_classes) in [(vec![0, 0, 0, 1, 1, 1], 2), (vec![0, 0, 1, 1, 2, 2], 3)] {
            let target = Target::Classes { y: &y, n_classes };
            let model = fit(x.view(), &target, &settings(), &Control::new()).unwrap();
            let predicted = model.predict(x.view()).unwrap();
            let expected: Vec<f64> = y.iter().map(|&c| c as f64).collect();
            assert_eq!(predicted, expected);
            let p = model.probabilities(x.view(), n_classes).unwrap().unwrap();
            for (row, class) in p.rows().into_iter().zip(&predicted) {
                assert!((row.sum() - 1.0).abs() < 1e-12);
                assert_eq!(argmax(row.as_slice().unwrap()) as f64, *class);
            }
        }
    }

    #[test]
    fn an_old_smartcore_model_still_predicts() {
        let x = ndarray::array![[0.0, 1.0], [1.0, 0.0], [3.0, 1.0], [4.0, 0.5]];
        let old = smartcore_model::fit_for_test(x.view(), &[0, 0, 1, 1]);
        let mut bytes = Vec::new();
        old.encode(&mut bytes).unwrap();
        assert_ne!(bytes[0], MARKER);
        let shape = Shape {
            features: 2,
            classes: Some(2),
        };
        let loaded = decode_classifier(&bytes, &shape).unwrap();
        assert_eq!(
            loaded.predict(x.view()).unwrap(),
            old.predict(x.view()).unwrap()
        );
    }
}
