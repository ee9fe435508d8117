//! Models of earlier versions, fitted by smartcore's LogisticRegression:
//! read, checked and used for predictions.

use ndarray::{Array2, ArrayView2};
use serde::Deserialize;
use smartcore::linalg::basic::arrays::{Array, Array2 as _};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::LogisticRegression;
use smartcore::numbers::realnum::RealNumber;

use super::super::smartcore_util::{dense, Classifier};
use super::super::{decode, encode, Fitted};
use crate::ml::model::Shape;
use crate::Error;

type Model = LogisticRegression<f64, i32, DenseMatrix<f64>, Vec<i32>>;

/// smartcore's model as postcard lays it out, read first to check the counts
/// smartcore allocates from (its matrices' `nrows` and `ncols`, the class
/// count) before smartcore sees them.
#[derive(Deserialize)]
struct Layout {
    coefficients: Option<Matrix>,
    intercept: Option<Matrix>,
    classes: Option<Vec<i32>>,
    num_attributes: usize,
    num_classes: usize,
}

#[derive(Deserialize)]
struct Matrix {
    ncols: usize,
    nrows: usize,
    values: Vec<f64>,
    _column_major: bool,
}

impl Matrix {
    fn is(&self, nrows: usize, ncols: usize) -> bool {
        self.nrows == nrows
            && self.ncols == ncols
            && nrows.checked_mul(ncols) == Some(self.values.len())
    }
}

pub fn decode_checked(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let layout: Layout = decode(bytes)?;
    shape.expect(layout.num_attributes, Some(layout.num_classes))?;
    // Two classes have one row of coefficients, more one row per class.
    let rows = if layout.num_classes == 2 {
        1
    } else {
        layout.num_classes
    };
    let consistent = layout
        .coefficients
        .as_ref()
        .is_some_and(|c| c.is(rows, layout.num_attributes))
        && layout.intercept.as_ref().is_some_and(|i| i.is(rows, 1))
        && layout
            .classes
            .as_ref()
            .is_some_and(|c| c.len() == layout.num_classes);
    if !consistent {
        return Err(Error::Model(
            "logistic_regression: the coefficients and the class count disagree".into(),
        ));
    }
    Ok(Box::new(Smartcore(decode::<Model>(bytes)?)))
}

struct Smartcore(Model);

#[cfg(test)]
pub fn fit_for_test(x: ArrayView2<'_, f64>, y: &[i32]) -> Box<dyn Fitted> {
    use smartcore::linear::logistic_regression::LogisticRegressionParameters;
    let model = Model::fit(
        &dense(x).unwrap(),
        &y.to_vec(),
        LogisticRegressionParameters::default(),
    )
    .unwrap();
    Box::new(Smartcore(model))
}

impl Fitted for Smartcore {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        Classifier(&self.0).predict(x)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(&self.0, out)
    }

    /// The logistic of the score (two classes) or the softmax of the
    /// scores, each computed as smartcore's `predict` computes it, so that
    /// the most probable class is the one it predicts.
    fn probabilities(
        &self,
        x: ArrayView2<'_, f64>,
        classes: usize,
    ) -> Result<Option<Array2<f64>>, Error> {
        let model = &self.0;
        let (coefficients, intercept) = (model.coefficients(), model.intercept());
        let known = model.classes();
        let x = dense(x)?;
        let n = x.shape().0;
        let mut out = Array2::zeros((n, classes));
        let column = |i: usize| {
            known
                .as_slice()
                .get(i)
                .map(|&c| c as usize)
                .filter(|&c| c < classes)
        };
        if known.len() == 2 {
            let scores = x.ab(false, coefficients, true);
            let (Some(negative), Some(positive)) = (column(0), column(1)) else {
                return Err(Error::Model("logistic_regression: unknown classes".into()));
            };
            for r in 0..n {
                let p = RealNumber::sigmoid(*scores.get((r, 0)) + *intercept.get((0, 0)));
                out[[r, negative]] = 1.0 - p;
                out[[r, positive]] = p;
            }
        } else {
            let scores = x.matmul(&coefficients.transpose());
            let mut row = vec![0.0; known.len()];
            for r in 0..n {
                for (c, value) in row.iter_mut().enumerate() {
                    *value = *scores.get((r, c)) + *intercept.get((c, 0));
                }
                let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = row.iter().map(|v| (v - top).exp()).sum();
                for (c, value) in row.iter().enumerate() {
                    let class = column(c).ok_or_else(|| {
                        Error::Model("logistic_regression: unknown classes".into())
                    })?;
                    out[[r, class]] = (value - top).exp() / total;
                }
            }
        }
        Ok(Some(out))
    }
}
