//! `svr` and `svc`: support vector machines with an RBF kernel, by default
//! C = 1 and gamma = 1 / (features * variance), scikit-learn's "scale",
//! solved as libsvm solves them (`smo.rs`). The classifier votes over one
//! machine per pair of classes (one-vs-one, as scikit-learn's SVC). Models
//! trained before were fitted by linfa-svm; they still load and predict.

use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::smo::{self, Machine, Problem, Rbf};
use super::{argmax, decode, encode, AlgorithmSpec, Fitted, Inputs, Target};
use crate::control::Control;
use crate::ml::hyperparams::{Kind, Param, Settings};
use crate::ml::model::Shape;
use crate::ml::Task;
use crate::Error;

/// The solver's time grows with the square of the rows.
const MAX_ROWS: usize = 20_000;

/// The first byte of a machine fitted here; a linfa-svm model's bytes
/// start with a non-empty vector's length, never 0.
const MARKER: u8 = 0;

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
    library: "sqlite-ml",
    estimator:
        "epsilon-SVR by SMO (as libsvm), RBF kernel, gamma 'scale'; up to 20,000 training rows",
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
    fit: |x, y, settings, control| fit_regressor(x.view(), y, settings, control),
    memory,
    decode: decode_regressor,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "svc",
    task: Task::Classification,
    inputs: Inputs::Scaled,
    library: "sqlite-ml",
    estimator:
        "C-SVC one-vs-one by SMO (as libsvm), RBF kernel, gamma 'scale'; up to 20,000 training rows",
    params: &[C],
    fit: |x, y, settings, control| fit_classifier(x.view(), y, settings, control),
    memory,
    decode: decode_classifier,
};

#[derive(Serialize, Deserialize)]
struct Regressor {
    marker: u8,
    machine: Machine,
}

#[derive(Serialize, Deserialize)]
struct Classifier {
    marker: u8,
    /// (class a, class b, machine whose positive decision says "a")
    pairs: Vec<(usize, usize, Machine)>,
    n_classes: usize,
}

/// A model of an earlier version, fitted by linfa-svm.
#[derive(Serialize, Deserialize)]
struct LinfaRegressor(Svm<f64, f64>);

#[derive(Serialize, Deserialize)]
struct LinfaClassifier {
    /// (class a, class b, machine saying "a" when true)
    pairs: Vec<(usize, usize, Svm<f64, bool>)>,
    n_classes: usize,
}

fn decode_regressor(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    if bytes.first() != Some(&MARKER) {
        return Ok(Box::new(decode::<LinfaRegressor>(bytes)?));
    }
    let model: Regressor = decode(bytes)?;
    if !model.machine.check(shape.features) {
        return Err(Error::Model(
            "svr: the support vectors are malformed".into(),
        ));
    }
    Ok(Box::new(model))
}

fn decode_classifier(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    if bytes.first() == Some(&MARKER) {
        let model: Classifier = decode(bytes)?;
        if shape.classes != Some(model.n_classes)
            || model.pairs.is_empty()
            || model.pairs.iter().any(|(a, b, m)| {
                *a >= model.n_classes || *b >= model.n_classes || !m.check(shape.features)
            })
        {
            return Err(Error::Model(
                "svc: the class pairs, the class count or the support vectors are malformed".into(),
            ));
        }
        return Ok(Box::new(model));
    }
    let model: LinfaClassifier = decode(bytes)?;
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
            "{name}'s training time grows with the square of the rows; it takes at most {MAX_ROWS} training rows, got {}",
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

/// The class most pairs vote for (the first on ties), from each pair's
/// (class a, class b, whether each row is a).
fn one_vs_one(
    n_classes: usize,
    rows: usize,
    pairs: impl Iterator<Item = (usize, usize, Vec<bool>)>,
) -> Vec<f64> {
    let mut votes = vec![vec![0.0; n_classes]; rows];
    for (a, b, says_a) in pairs {
        for (row, is_a) in votes.iter_mut().zip(says_a) {
            row[if is_a { a } else { b }] += 1.0;
        }
    }
    votes.iter().map(|row| argmax(row) as f64).collect()
}

impl Fitted for Regressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(self.machine.decisions(x))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

impl Fitted for Classifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let says_a = self
            .pairs
            .iter()
            .map(|(a, b, m)| (*a, *b, m.decisions(x).iter().map(|&d| d > 0.0).collect()));
        Ok(one_vs_one(self.n_classes, x.nrows(), says_a))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

impl Fitted for LinfaRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Ok(self.0.predict(&x).to_vec())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

impl Fitted for LinfaClassifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let says_a = self
            .pairs
            .iter()
            .map(|(a, b, m)| (*a, *b, m.predict(&x).to_vec()));
        Ok(one_vs_one(self.n_classes, x.nrows(), says_a))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

fn fit_regressor(
    x: ArrayView2<'_, f64>,
    y: &Target<'_>,
    settings: &Settings,
    control: &Control,
) -> Result<Box<dyn Fitted>, Error> {
    check_size(x, "svr")?;
    let (c, epsilon) = (settings.f64("C")?, settings.f64("epsilon")?);
    let z = y.values()?;
    let l = z.len();
    // Two variables per row, alpha (y = +1) and alpha* (y = -1), as libsvm.
    let problem = Problem {
        y: [vec![1.0; l], vec![-1.0; l]].concat(),
        p: z.iter()
            .map(|v| epsilon - v)
            .chain(z.iter().map(|v| epsilon + v))
            .collect(),
        c: vec![c; 2 * l],
        base: (0..l).chain(0..l).collect(),
    };
    let gamma = 1.0 / kernel_eps(x);
    let solution = smo::solve(&problem, Rbf::new(x, gamma), control)?;
    let coef: Vec<f64> = (0..l)
        .map(|r| solution.alpha[r] - solution.alpha[r + l])
        .collect();
    Ok(Box::new(Regressor {
        marker: MARKER,
        machine: Machine::of(x, &coef, solution.rho, gamma),
    }))
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
    let gamma = 1.0 / kernel_eps(x);
    let mut pairs = Vec::new();
    for a in 0..n_classes {
        for b in a + 1..n_classes {
            let rows: Vec<usize> = (0..y.len()).filter(|&r| y[r] == a || y[r] == b).collect();
            let signs: Vec<f64> = rows
                .iter()
                .map(|&r| if y[r] == a { 1.0 } else { -1.0 })
                .collect();
            if signs.iter().all(|&s| s > 0.0) || signs.iter().all(|&s| s < 0.0) {
                continue; // one of the pair is absent from the training rows
            }
            let pair_x = x.select(Axis(0), &rows);
            let problem = Problem {
                p: vec![-1.0; rows.len()],
                c: vec![c; rows.len()],
                base: (0..rows.len()).collect(),
                y: signs.clone(),
            };
            let solution = smo::solve(&problem, Rbf::new(pair_x.view(), gamma), control)?;
            let coef: Vec<f64> = solution
                .alpha
                .iter()
                .zip(&signs)
                .map(|(a, s)| a * s)
                .collect();
            pairs.push((a, b, Machine::of(pair_x.view(), &coef, solution.rho, gamma)));
        }
    }
    Ok(Box::new(Classifier {
        marker: MARKER,
        pairs,
        n_classes,
    }))
}

/// The kernel cache (the rows of every pair of training rows, up to its
/// bound), the support vectors and a pair's copy of its rows.
fn memory(size: &super::Size<'_>) -> u64 {
    let cache = super::matrix_bytes(size.rows, size.rows).min(smo::CACHE_BYTES as u64);
    cache + 3 * super::matrix_bytes(size.rows, size.features) + 6 * size.rows as u64 * 8
}
