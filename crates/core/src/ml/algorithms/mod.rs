//! The algorithms. Each is one adapter file exporting an [`AlgorithmSpec`]
//! per prediction type it serves, and one line in [`ALGORITHMS`].

mod ada_boost;
mod bagging;
mod coordinate_descent;
mod cv;
mod decision_tree;
mod dummy;
mod elastic_net;
mod extra_trees;
mod forest;
mod gradient_boosting;
mod gram;
mod hist_gradient_boosting;
mod histogram;
mod knn;
mod lasso;
mod lbfgs;
mod linear;
mod linear_regression;
mod logistic_regression;
mod mlp;
mod qr;
mod random_forest;
mod ridge;
mod sampling;
mod sgd;
mod shared_params;
mod smartcore_util;
mod smo;
mod svm;
mod tree;

pub use gram::residuals;
use ndarray::{Array2, ArrayView2};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::hyperparams::{Param, Settings};
use super::model::Shape;
use super::Task;
use crate::control::Control;
use crate::Error;

/// What a model is trained on (rows already scaled).
pub enum Target<'a> {
    /// Regression targets.
    Values(&'a [f64]),
    /// Classification targets as class indices `0..n_classes`.
    Classes { y: &'a [usize], n_classes: usize },
}

impl Target<'_> {
    pub fn len(&self) -> usize {
        match self {
            Target::Values(v) => v.len(),
            Target::Classes { y, .. } => y.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn values(&self) -> Result<&[f64], Error> {
        match self {
            Target::Values(v) => Ok(v),
            Target::Classes { .. } => Err(Error::Estimator("expected regression targets".into())),
        }
    }

    pub fn classes(&self) -> Result<(&[usize], usize), Error> {
        match self {
            Target::Classes { y, n_classes } => Ok((y, *n_classes)),
            Target::Values(_) => Err(Error::Estimator("expected class targets".into())),
        }
    }
}

/// A fitted estimator.
pub trait Fitted: Send + Sync {
    /// One prediction per row: the value (regression) or the class index (classification).
    /// The caller has checked the number of columns.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error>;
    /// [`Fitted::predict`] stopping at `control`'s checkpoints: on chunks
    /// of rows, each a short piece of work; an estimator whose prediction
    /// of a few rows can be long (knn) checks within.
    fn predict_in(&self, x: ArrayView2<'_, f64>, control: &Control) -> Result<Vec<f64>, Error> {
        let mut predictions = Vec::with_capacity(x.nrows());
        for_chunks(x.nrows(), control, |rows| {
            predictions.extend(self.predict(x.slice(ndarray::s![rows, ..]))?);
            Ok(())
        })?;
        Ok(predictions)
    }
    /// Appends the estimator's own bytes, read back by its spec's `decode`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error>;
    /// Each row's probability of each of the `classes` classes (rows x
    /// classes, each row summing to 1, its largest, the first on ties, the
    /// class `predict` gives), or `None` for an estimator without them.
    fn probabilities(
        &self,
        _x: ArrayView2<'_, f64>,
        _classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        Ok(None)
    }
    /// The model its first `n_estimators` members make, exactly the one a
    /// fit with that many would give, or `None` where that does not hold.
    /// A search fits the most trees it asks for once, and scores the fewer
    /// from them.
    fn first(&self, _n_estimators: usize) -> Option<Box<dyn Fitted>> {
        None
    }
}

/// Takes the training rows: an estimator that keeps its own copy in
/// another layout (the trees) lets them go before it grows. The settings
/// hold a value for each of the spec's `params`. A fit reaches a
/// checkpoint of `control` at least every ~100 ms of its work (a tree's
/// level, a boosting round, an epoch), and counts its units of work there.
pub type FitFn =
    fn(Array2<f64>, &Target<'_>, &Settings, &Control) -> Result<Box<dyn Fitted>, Error>;
/// What a fit's working memory is estimated from.
pub struct Size<'a> {
    pub rows: usize,
    /// Columns of the matrix.
    pub features: usize,
    /// Classes (classification) or 1.
    pub outputs: usize,
    /// Threads the fit may run on.
    pub threads: usize,
    pub settings: &'a Settings,
}

/// The bytes a fit allocates besides the matrix it is given, estimated
/// from above: the memory budget is checked against it before the fit.
pub type MemoryFn = fn(&Size<'_>) -> u64;

/// A copy of `rows` x `cols` numbers.
pub fn matrix_bytes(rows: usize, cols: usize) -> u64 {
    rows as u64 * cols as u64 * 8
}

/// Reads an estimator's bytes, checking its counts against the header's [`Shape`].
pub type DecodeFn = fn(&[u8], &Shape) -> Result<Box<dyn Fitted>, Error>;

/// What an estimator takes as input, which decides the default preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// Numbers on a common scale: text categories one-hot (linear models,
    /// sgd, knn, svm, mlp).
    Scaled,
    /// Trees: a text category as one integer code.
    Trees,
    /// Trees on histograms: as `Trees`, and a numeric NULL stays missing
    /// (each split learns which side it goes).
    Bins,
}

impl Inputs {
    pub fn trees(self) -> bool {
        matches!(self, Inputs::Trees | Inputs::Bins)
    }
}

pub struct AlgorithmSpec {
    pub name: &'static str,
    pub task: Task,
    pub inputs: Inputs,
    /// The crate that fits it (stored as `sqml_models.library`).
    pub library: &'static str,
    /// The estimator, as the README's table shows it.
    pub estimator: &'static str,
    /// Its hyperparameters, each declared once here.
    pub params: &'static [Param],
    pub fit: FitFn,
    /// Its working memory (see [`MemoryFn`]).
    pub memory: MemoryFn,
    pub decode: DecodeFn,
}

impl AlgorithmSpec {
    /// Its settings: the options' `hyperparams` over its defaults, checked.
    pub fn settings(&self, options: &super::options::TrainOptions) -> Result<Settings, Error> {
        Settings::new(self.name, self.params, &options.hyperparams, options.seed)
    }
}

/// Calls `work` on consecutive ranges of `0..rows` that each take about
/// [`CHUNK_TIME`], with a checkpoint of `control` before each, counting
/// the rows done: the ranges start small and double while they are quick.
pub fn for_chunks(
    rows: usize,
    control: &Control,
    mut work: impl FnMut(std::ops::Range<usize>) -> Result<(), Error>,
) -> Result<(), Error> {
    let (mut start, mut size) = (0, 256);
    while start < rows {
        control.checkpoint()?;
        let end = (start + size).min(rows);
        let began = std::time::Instant::now();
        work(start..end)?;
        control.advance((end - start) as u64)?;
        if began.elapsed() < CHUNK_TIME / 2 {
            size = size.saturating_mul(2);
        }
        start = end;
    }
    Ok(())
}

/// About how long a chunk of [`for_chunks`] works between checkpoints.
pub const CHUNK_TIME: std::time::Duration = std::time::Duration::from_millis(50);

/// In the order sqlite-ml 0.1.2 lists them.
pub static ALGORITHMS: &[AlgorithmSpec] = &[
    // regression
    dummy::REGRESSOR,
    linear_regression::REGRESSOR,
    sgd::REGRESSOR,
    ridge::REGRESSOR,
    ridge::REGRESSOR_CV,
    elastic_net::REGRESSOR,
    elastic_net::REGRESSOR_CV,
    lasso::REGRESSOR,
    lasso::REGRESSOR_CV,
    decision_tree::REGRESSOR,
    ada_boost::REGRESSOR,
    bagging::REGRESSOR,
    gradient_boosting::REGRESSOR,
    hist_gradient_boosting::REGRESSOR,
    random_forest::REGRESSOR,
    extra_trees::REGRESSOR,
    knn::REGRESSOR,
    mlp::REGRESSOR,
    svm::REGRESSOR,
    // classification
    dummy::CLASSIFIER,
    logistic_regression::CLASSIFIER,
    sgd::CLASSIFIER,
    ridge::CLASSIFIER,
    ridge::CLASSIFIER_CV,
    decision_tree::CLASSIFIER,
    ada_boost::CLASSIFIER,
    bagging::CLASSIFIER,
    gradient_boosting::CLASSIFIER,
    hist_gradient_boosting::CLASSIFIER,
    random_forest::CLASSIFIER,
    extra_trees::CLASSIFIER,
    knn::CLASSIFIER,
    mlp::CLASSIFIER,
    svm::CLASSIFIER,
];

/// The algorithm `name` for `task`, or an error listing the ones available.
pub fn find(task: Task, name: &str) -> Result<&'static AlgorithmSpec, Error> {
    ALGORITHMS
        .iter()
        .find(|a| a.task == task && a.name == name)
        .ok_or_else(|| {
            let available: Vec<&str> = names(task).collect();
            Error::InvalidArgument(format!(
                "unknown algorithm '{name}' for {}; available: {}",
                task.name(),
                available.join(", ")
            ))
        })
}

pub fn names(task: Task) -> impl Iterator<Item = &'static str> {
    ALGORITHMS
        .iter()
        .filter(move |a| a.task == task)
        .map(|a| a.name)
}

/// The index of the largest value, the first on ties.
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// For each row, the index of the output that is highest (the first on ties).
pub fn argmax_rows(outputs: &[Vec<f64>], rows: usize) -> Vec<f64> {
    (0..rows)
        .map(|r| {
            let mut best = 0;
            for (class, output) in outputs.iter().enumerate() {
                if output[r] > outputs[best][r] {
                    best = class;
                }
            }
            best as f64
        })
        .collect()
}

/// Each row divided by its sum: shares of votes or weights. A row of zeros
/// (no vote) is left as it is.
pub fn shares(mut rows: Array2<f64>) -> Array2<f64> {
    for mut row in rows.rows_mut() {
        let total = row.sum();
        if total > 0.0 {
            row.mapv_inplace(|v| v / total);
        }
    }
    rows
}

/// The softmax of each row of scores, in place.
pub fn softmax_rows(scores: &mut Array2<f64>) {
    for mut row in scores.rows_mut() {
        let top = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - top).exp());
        let total = row.sum();
        row.mapv_inplace(|v| v / total);
    }
}

/// A class index (as the estimators return it) below `n_classes`.
pub fn is_class(n_classes: usize) -> impl Fn(f64) -> bool {
    move |v| v >= 0.0 && v.fract() == 0.0 && v < n_classes as f64
}

/// Appends `model` to `out`, which is the blob itself: a forest's bytes are
/// not held twice.
pub fn encode<T: Serialize>(model: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    *out = postcard::to_extend(model, std::mem::take(out))
        .map_err(|e| Error::Model(format!("cannot encode the model: {e}")))?;
    Ok(())
}

/// Reads a model's own bytes followed by settings it gained after its first
/// version (`encode` them after the model): blobs written before hold none,
/// and get `S::default()`, the settings they were fitted with.
pub fn decode_with_settings<T: DeserializeOwned, S: DeserializeOwned + Default>(
    bytes: &[u8],
) -> Result<(T, S), Error> {
    let (model, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|e| Error::Model(e.to_string()))?;
    let settings = if rest.is_empty() {
        S::default()
    } else {
        decode(rest)?
    };
    Ok((model, settings))
}

/// Reads a model's own bytes. Models holding trees check them after this
/// (`Tree::check`).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    postcard::from_bytes(bytes).map_err(|e| Error::Model(e.to_string()))
}
