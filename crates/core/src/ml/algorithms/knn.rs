//! `knn`: the 5 nearest neighbours by euclidean distance, uniform weights.
//!
//! Searched linearly, not with smartcore's default cover tree: building and
//! decoding the cover tree recurse as deep as the data's distance scale
//! goes, and a crafted blob (found by the fuzzer) overflows the stack, an
//! abort no panic handler can stop. The blob keeps the training rows and
//! targets, checked and indexed again when the model is loaded.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use smartcore::algorithm::neighbour::KNNAlgorithmName;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::metrics::distance::euclidian::Euclidian;
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
use smartcore::neighbors::knn_regressor::{KNNRegressor, KNNRegressorParameters};

use super::smartcore_util::{class_targets, dense, failed};
use super::{decode, encode, AlgorithmSpec, Fitted};
use crate::ml::Task;
use crate::Error;

type RegressorModel = KNNRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>, Euclidian<f64>>;
type ClassifierModel = KNNClassifier<f64, i32, DenseMatrix<f64>, Vec<i32>, Euclidian<f64>>;

const K: usize = 5;

pub const REGRESSOR: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Regression,
    library: "smartcore",
    estimator: "smartcore KNNRegressor, k 5, euclidean, uniform weights, linear search",
    fit: |x, y| {
        Ok(Box::new(Neighbours::build(
            x.to_owned(),
            Labels::Values(y.values()?.to_vec()),
        )?))
    },
    decode: decode_neighbours,
};

pub const CLASSIFIER: AlgorithmSpec = AlgorithmSpec {
    name: "knn",
    task: Task::Classification,
    library: "smartcore",
    estimator: "smartcore KNNClassifier, k 5, euclidean, uniform weights, linear search",
    fit: |x, y| {
        let labels = Labels::Classes(class_targets(y.classes()?.0));
        Ok(Box::new(Neighbours::build(x.to_owned(), labels)?))
    },
    decode: decode_neighbours,
};

#[derive(Serialize, Deserialize)]
enum Labels {
    Values(Vec<f64>),
    Classes(Vec<i32>),
}

/// What the blob stores.
#[derive(Serialize, Deserialize)]
struct Stored {
    rows: Array2<f64>,
    labels: Labels,
}

enum Index {
    Regressor(RegressorModel),
    Classifier(ClassifierModel),
}

struct Neighbours {
    stored: Stored,
    index: Index,
}

impl Neighbours {
    fn build(rows: Array2<f64>, labels: Labels) -> Result<Neighbours, Error> {
        let n = rows.nrows();
        let matching = match &labels {
            Labels::Values(v) => v.len(),
            Labels::Classes(c) => c.len(),
        };
        if n == 0 || matching != n {
            return Err(Error::Model("knn rows and labels disagree".into()));
        }
        // Training stores finite values only; a NaN or an infinity would send
        // the cover tree's construction into endless recursion.
        let finite_labels = match &labels {
            Labels::Values(v) => v.iter().all(|v| v.is_finite()),
            Labels::Classes(c) => c.iter().all(|&c| c >= 0),
        };
        if !finite_labels || !rows.iter().all(|v| v.is_finite()) {
            return Err(Error::Model(
                "knn rows hold values that are not finite numbers".into(),
            ));
        }
        let x = dense(rows.view())?;
        let index = match &labels {
            Labels::Values(y) => Index::Regressor(
                RegressorModel::fit(
                    &x,
                    y,
                    KNNRegressorParameters::default()
                        .with_k(K.min(n))
                        .with_algorithm(KNNAlgorithmName::LinearSearch),
                )
                .map_err(failed)?,
            ),
            Labels::Classes(y) => Index::Classifier(
                ClassifierModel::fit(
                    &x,
                    y,
                    KNNClassifierParameters::default()
                        .with_k(K.min(n))
                        .with_algorithm(KNNAlgorithmName::LinearSearch),
                )
                .map_err(failed)?,
            ),
        };
        Ok(Neighbours {
            stored: Stored { rows, labels },
            index,
        })
    }
}

impl Fitted for Neighbours {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let x = dense(x)?;
        match &self.index {
            Index::Regressor(model) => model.predict(&x).map_err(failed),
            Index::Classifier(model) => Ok(model
                .predict(&x)
                .map_err(failed)?
                .into_iter()
                .map(f64::from)
                .collect()),
        }
    }

    fn encode(&self) -> Result<Vec<u8>, Error> {
        encode(&self.stored)
    }
}

fn decode_neighbours(bytes: &[u8]) -> Result<Box<dyn Fitted>, Error> {
    let stored: Stored = decode(bytes)?;
    Ok(Box::new(Neighbours::build(stored.rows, stored.labels)?))
}
