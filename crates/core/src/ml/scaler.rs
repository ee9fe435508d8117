//! Standard scaling (mean 0, variance 1), fitted on the training rows and
//! stored with the model. Written here: linfa-preprocessing has one, but
//! pulls in text-processing dependencies this project does not need.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    pub mean: Vec<f64>,
    /// Population standard deviation; 1 for constant columns, as in scikit-learn.
    pub scale: Vec<f64>,
}

impl StandardScaler {
    /// The scaler, and the columns that are not constant (that hold two
    /// different values); constant ones get scale 1. Any spread counts,
    /// however small beside the values: a column whose values differ by
    /// 1e-13 is the same data as one in other units.
    pub fn fit(x: ArrayView2<'_, f64>) -> (StandardScaler, Vec<usize>) {
        let mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let varying = varying_columns(x);
        let std = x.std_axis(Axis(0), 0.0);
        let scale = (0..x.ncols())
            .map(|j| {
                if varying[j] && std[j] > 0.0 {
                    std[j]
                } else {
                    1.0
                }
            })
            .collect();
        let scaler = StandardScaler {
            mean: mean.to_vec(),
            scale,
        };
        let varying = (0..x.ncols()).filter(|&j| varying[j]).collect();
        (scaler, varying)
    }

    pub fn transform_in_place(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// For each column, whether it holds two different values. Row by row,
/// not column by column: a row-major matrix is read once, in order.
fn varying_columns(x: ArrayView2<'_, f64>) -> Vec<bool> {
    let mut varying = vec![false; x.ncols()];
    if let Some(first) = x.rows().into_iter().next() {
        for row in x.rows() {
            for ((varies, &v), &v0) in varying.iter_mut().zip(row).zip(first) {
                *varies |= v != v0;
            }
        }
    }
    varying
}

#[cfg(test)]
mod test {
    use super::*;
    use ndarray::array;

    #[test]
    fn constant_columns_are_centred_not_divided_by_zero() {
        let mut x = array![[1.0, 5.0], [3.0, 5.0]];
        let (scaler, varying) = StandardScaler::fit(x.view());
        assert_eq!(varying, vec![0]);
        assert_eq!(scaler.mean, vec![2.0, 5.0]);
        assert_eq!(scaler.scale, vec![1.0, 1.0]);
        scaler.transform_in_place(&mut x);
        assert_eq!(x, array![[-1.0, 0.0], [1.0, 0.0]]);
    }
}
