//! `svr` and `svc`: support vector machines with an RBF kernel, by default
//! C = 1 and gamma = 1 / (features * variance), scikit-learn's "scale". linfa-svm is
//! binary; the classifier votes over one machine per pair of classes
//! (one-vs-one, as scikit-learn's SVC). linfa-svm keeps its kernel through
//! serde, which smartcore's SVC does not.

use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{Array1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{argmax, decode, encode, AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::Control;
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

/// linfa-svm holds the full n x n kernel matrix while training.
const MAX_ROWS: usize = 20_000;

const C: Param = Param {
    name: "C",
    kind: Kind::PositiveFloat {
        default: 1.0,
        max: 1e6,
    },
    meaning: "the penalty on errors (larger: a closer fit)",
};

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "svr",
    task: Task::Regression,
    inputs: Inputs::Scaled,
    library: "linfa",
    estimator: "linfa-svm epsilon-SVR, RBF kernel, gamma 'scale'; up to 20,000 training rows",
    params: &[
        C,
        Param {
            name: "epsilon",
            kind: Kind::Float {
                default: 0.1,
                min: 0.0,
                max: 1e6,
            },
            meaning: "errors within this distance of the target cost nothing",
        },
    ],
    // linfa-svm's solver runs to its end once started (no checkpoint).
    fit: |x, y, settings, _| fit_regressor(x.view(), y, settings),
    memory,
    decode: |bytes, _| Ok(Box::new(decode::<Regressor>(bytes)?)),
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "svc",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "linfa",
    estimator: "linfa-svm C-SVC one-vs-one, RBF kernel, gamma 'scale'; up to 20,000 training rows",
    params: &[C],
    fit: |x, y, settings, control| fit_classifier(x.view(), y, settings, control),
    memory,
    decode: decode_classifier,
};

#[derive(Serialize, Deserialize)]
struct Regressor(Svm<f64, f64>);

#[derive(Serialize, Deserialize)]
struct Classifier {
    /// (class a, class b, machine saying "a" when true)
    pairs: Vec<(usize, usize, Svm<f64, bool>)>,
    n_classes: usize,
}

fn decode_classifier(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model: Classifier = decode(bytes)?;
    if shape.classes != Some(model.n_classes)
        || model.pairs.is_empty()
        || model
            .pairs
            .iter()
            .any(|&(a, b, _)| a >= model.n_classes || b >= model.n_classes)
    {
        return Err(Error::Model(
            "svc: the class pairs and the class count disagree".into(),
        ));
    }
    Ok(Box::new(model))
}

fn check_size(x: ArrayView2<'_, f64>, name: &str) -> Result<(), Error> {
    if x.nrows() > MAX_ROWS {
        return Err(Error::InvalidArgument(format!(
            "{name} keeps an n x n kernel matrix while training; it takes at most {MAX_ROWS} training rows, got {}",
            x.nrows()
        )));
    }
    Ok(())
}

/// linfa's gaussian kernel is exp(-|a - b|^2 / eps): eps = 1 / gamma.
fn kernel_eps(x: ArrayView2<'_, f64>) -> f64 {
    let variance = x.var(0.0);
    let eps = x.ncols() as f64 * variance;
    if eps > 0.0 && eps.is_finite() {
        eps
    } else {
        1.0
    }
}

fn svm_error(e: impl std::fmt::Display) -> Error {
    Error::Estimator(format!("linfa-svm: {e}"))
}

impl Fitted for Regressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(self.0.predict(&x).to_vec())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

impl Fitted for Classifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let mut votes = vec![vec![0.0; self.n_classes]; x.nrows()];
        for (a, b, machine) in &self.pairs {
            for (row, says_a) in votes.iter_mut().zip(machine.predict(&x).iter()) {
                row[if *says_a { *a } else { *b }] += 1.0;
            }
        }
        Ok(votes.iter().map(|row| argmax(row) as f64).collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

fn fit_regressor(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
) -> Result<Box<dyn Fitted>, Error> {
    check_size(x, "svr")?;
    let dataset = DatasetBase::new(x.to_owned(), Array1::from(y.values()?.to_vec()));
    let model = Svm::<f64, f64>::params()
        .c_svr(settings.f64("C")?, Some(settings.f64("epsilon")?))
        .gaussian_kernel(kernel_eps(x))
        .fit(&dataset)
        .map_err(svm_error)?;
    Ok(Box::new(Regressor(model)))
}

fn fit_classifier(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    check_size(x, "svc")?;
    let c = settings.f64("C")?;
    let (y, n_classes) = y.classes()?;
    let eps = kernel_eps(x);
    let mut pairs = Vec::new();
    for a in 0..n_classes {
        for b in a + 1..n_classes {
            let rows: Vec<usize> = (0..y.len()).filter(|&r| y[r] == a || y[r] == b).collect();
            let labels: Array1<bool> = rows.iter().map(|&r| y[r] == a).collect();
            control.checkpoint()?;
            if labels.iter().all(|&l| l) || labels.iter().all(|&l| !l) {
                continue; // one of the pair is absent from the training rows
            }
            let dataset = DatasetBase::new(x.select(Axis(0), &rows), labels);
            let machine = Svm::<f64, bool>::params()
                .pos_neg_weights(c, c)
                .gaussian_kernel(eps)
                .fit(&dataset)
                .map_err(svm_error)?;
            pairs.push((a, b, machine));
        }
    }
    Ok(Box::new(Classifier { pairs, n_classes }))
}

/// linfa-svm's kernel matrix: every pair of training rows (svr), or of
/// the rows of one pair of classes (svc, as if the classes were balanced).
fn memory(size: &super::Size<'_>) -> u64 {
    let rows = match size.outputs {
        0..=2 => size.rows,
        k => size.rows * 2 / k,
    };
    super::matrix_bytes(rows, rows) + 2 * super::matrix_bytes(size.rows, size.features)
}
