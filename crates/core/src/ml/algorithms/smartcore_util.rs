//! What the smartcore estimators share: matrices and errors.

use ndarray::ArrayView2;
use smartcore::api::Predictor;
use smartcore::error::Failed;
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::Error;

pub fn failed(err: Failed) -> Error {
    Error::Estimator(format!("smartcore: {err}"))
}

/// smartcore's own matrix type, copied from a row-major view.
pub fn dense(x: ArrayView2<'_, f64>) -> Result<DenseMatrix<f64>, Error> {
    let values: Vec<f64> = x.iter().copied().collect();
    DenseMatrix::new(x.nrows(), x.ncols(), values, false).map_err(failed)
}

/// A smartcore classifier's predictions as class indices.
pub struct Classifier<'a, M>(pub &'a M);

impl<M: Predictor<DenseMatrix<f64>, Vec<i32>>> Classifier<'_, M> {
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        let classes = self.0.predict(&dense(x)?).map_err(failed)?;
        Ok(classes.into_iter().map(f64::from).collect())
    }
}
