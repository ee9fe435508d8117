//! Wrapping smartcore estimators as [`Fitted`] models.

use ndarray::ArrayView2;
use serde::de::DeserializeOwned;
use serde::Serialize;
use smartcore::api::Predictor;
use smartcore::error::Failed;
use smartcore::linalg::basic::matrix::DenseMatrix;

use super::{decode, encode, Fitted};
use crate::Error;

pub fn failed(err: Failed) -> Error {
    Error::Estimator(format!("smartcore: {err}"))
}

/// smartcore's own matrix type, copied from a row-major view.
pub fn dense(x: ArrayView2<'_, f64>) -> Result<DenseMatrix<f64>, Error> {
    let values: Vec<f64> = x.iter().copied().collect();
    DenseMatrix::new(x.nrows(), x.ncols(), values, false).map_err(failed)
}

/// Class indices as smartcore's classifiers take them.
pub fn class_targets(y: &[usize]) -> Vec<i32> {
    y.iter().map(|&c| c as i32).collect()
}

pub struct Classifier<M>(pub M);

impl<M> Fitted for Classifier<M>
where
    M: Predictor<DenseMatrix<f64>, Vec<i32>> + Serialize + Send + Sync,
{
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let classes = self.0.predict(&dense(x)?).map_err(failed)?;
        Ok(classes.into_iter().map(f64::from).collect())
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(&self.0, out)
    }
}

pub fn decode_classifier<M>(bytes: &[u8]) -> Result<Box<dyn Fitted>, Error>
where
    M: Predictor<DenseMatrix<f64>, Vec<i32>> + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    Ok(Box::new(Classifier(decode::<M>(bytes)?)))
}
