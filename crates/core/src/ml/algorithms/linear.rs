//! Linear models as they predict: coefficients and an intercept, so that a
//! prediction is one dot product per row, without copying the rows into
//! smartcore's matrix type (which cost about a microsecond per row-wise
//! call).

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{decode, encode, Fitted};
use crate::ml::model::Shape;
use crate::Error;

#[derive(Serialize, Deserialize)]
pub struct Linear {
    coefficients: Vec<f64>,
    intercept: f64,
}

impl Linear {
    pub fn from_parts(coefficients: Vec<f64>, intercept: f64) -> Linear {
        Linear {
            coefficients,
            intercept,
        }
    }

    pub fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        if x.ncols() != self.coefficients.len() {
            return Err(Error::Model(format!(
                "the linear model has {} coefficients for {} features",
                self.coefficients.len(),
                x.ncols()
            )));
        }
        let coefficients = ArrayView1::from(&self.coefficients);
        Ok(x.rows()
            .into_iter()
            .map(|row| row.dot(&coefficients) + self.intercept)
            .collect())
    }

    /// The model whose outputs are this one's negated.
    pub fn negated(&self) -> Linear {
        Linear {
            coefficients: self.coefficients.iter().map(|c| -c).collect(),
            intercept: -self.intercept,
        }
    }

    pub fn n_coefficients(&self) -> usize {
        self.coefficients.len()
    }

    pub fn is_finite(&self) -> bool {
        self.intercept.is_finite() && self.coefficients.iter().all(|c| c.is_finite())
    }
}

impl Fitted for Linear {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<f64>, Error> {
        self.outputs(x)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        encode(self, out)
    }
}

pub fn decode_linear(bytes: &[u8], shape: &Shape) -> Result<Box<dyn Fitted>, Error> {
    let model: Linear = decode(bytes)?;
    shape.expect(model.coefficients.len(), None)?;
    if !model.is_finite() {
        return Err(Error::Model(
            "the linear model's coefficients are not finite".into(),
        ));
    }
    Ok(Box::new(model))
}
