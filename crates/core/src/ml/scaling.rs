//! Each encoded slot's scaling, fitted on the training rows, and the
//! statistics behind scaling and imputation.

use ndarray::Array2;
use rayon::prelude::*;

use super::plan::ColumnPlan;
use super::scaler::StandardScaler;
use crate::Error;

/// Fits each slot's scaling on the (unscaled) training matrix; returns the
/// slots that vary there.
pub fn fit_scaling(plans: &mut [ColumnPlan], x: &Array2<f64>) -> Result<Vec<usize>, Error> {
    let (standard, varying) = StandardScaler::fit(x.view());
    let mut at = 0;
    for plan in plans.iter_mut() {
        for s in 0..plan.slots() {
            let j = at + s;
            let (shift, divide) = match plan.scale.as_str() {
                "standard" => (standard.mean[j], standard.scale[j]),
                "preserve" => (0.0, 1.0),
                other => {
                    let mut column = x.column(j).to_vec();
                    match other {
                        "min_max" => {
                            let min = column.iter().copied().fold(f64::INFINITY, f64::min);
                            let max = column.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                            (min, nonzero(max - min))
                        }
                        "max_abs" => (0.0, nonzero(column.iter().fold(0.0, |m, v| v.abs().max(m)))),
                        _ => {
                            let q1 = quantile(&mut column, 0.25);
                            let q3 = quantile(&mut column, 0.75);
                            (quantile(&mut column, 0.5), nonzero(q3 - q1))
                        }
                    }
                }
            };
            if varying.contains(&j) && !(shift.is_finite() && divide.is_finite()) {
                return Err(Error::InvalidArgument(format!(
                    "column '{}' holds values too large to scale (their mean or spread \
                     overflows); rescale the column (divide it by a power of ten) and train again",
                    plan.name
                )));
            }
            plan.shift[s] = shift;
            plan.divide[s] = divide;
        }
        at += plan.slots();
    }
    Ok(varying)
}

fn nonzero(spread: f64) -> f64 {
    if spread > 0.0 && spread.is_finite() {
        spread
    } else {
        1.0
    }
}

pub fn scale_in_place(plans: &[ColumnPlan], x: &mut Array2<f64>) {
    // Only the slots that change: a one-hot slot is left as it is.
    let scaled: Vec<(usize, f64, f64)> = plans
        .iter()
        .flat_map(|p| p.shift.iter().copied().zip(p.divide.iter().copied()))
        .enumerate()
        .filter(|&(_, (s, d))| s != 0.0 || d != 1.0)
        .map(|(j, (s, d))| (j, s, d))
        .collect();
    let width = x.ncols();
    if scaled.is_empty() || width == 0 {
        return;
    }
    if let Some(slice) = x.as_slice_mut() {
        slice.par_chunks_mut(width).for_each(|row| {
            for &(j, s, d) in &scaled {
                row[j] = (row[j] - s) / d;
            }
        });
    }
}

/// The `q` quantile with linear interpolation between order statistics, as numpy's default.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f64::total_cmp);
    let at = q * (values.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    values[low] + (values[high] - values[low]) * (at - low as f64)
}

/// The most frequent value, the smallest on ties.
pub fn mode(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let (mut best, mut best_count) = (values[0], 0);
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j < values.len() && values[j] == values[i] {
            j += 1;
        }
        if j - i > best_count {
            (best, best_count) = (values[i], j - i);
        }
        i = j;
    }
    best
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn quantiles_and_mode_follow_numpy() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&mut v, 0.5), 2.5);
        assert_eq!(quantile(&mut v, 0.25), 1.75);
        assert_eq!(mode(&mut [3.0, 1.0, 3.0, 1.0, 2.0]), 1.0);
    }
}
