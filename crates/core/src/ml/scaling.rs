//! Each encoded slot's scaling, fitted on the training rows, and the
//! statistics behind scaling and imputation.

use ndarray::Array2;
use rayon::prelude::*;

use super::plan::{ColumnPlan, Encoding};
use super::scaler::StandardScaler;
use crate::Error;

/// Fits each slot's scaling on the (unscaled) training matrix, whose
/// columns are the slots `columns` gives one to; returns the slots that
/// vary there (a slot without a column does not).
pub fn fit_scaling(
    plans: &mut [ColumnPlan],
    x: &Array2<f64>,
    columns: &[Option<usize>],
) -> Result<Vec<usize>, Error> {
    // A one-hot slot that has a column varies (see `slot_columns`): its
    // column is read only if it is to be scaled.
    let mut known = vec![false; x.ncols()];
    let mut at = 0;
    for plan in plans.iter() {
        if plan.encoding == Encoding::OneHot && plan.scale == "preserve" {
            columns[at..at + plan.slots()]
                .iter()
                .flatten()
                .for_each(|&c| known[c] = true);
        }
        at += plan.slots();
    }
    let wanted: Vec<bool> = known.iter().map(|k| !k).collect();
    let (standard, varying_columns) = StandardScaler::fit_columns(x.view(), &wanted);
    let mut varies = known;
    varying_columns.into_iter().for_each(|c| varies[c] = true);
    let mut varying = Vec::new();
    let mut at = 0;
    for plan in plans.iter_mut() {
        for s in 0..plan.slots() {
            let Some(c) = columns[at + s] else {
                (plan.shift[s], plan.divide[s]) = (0.0, 1.0);
                continue;
            };
            let (shift, divide) = match plan.scale.as_str() {
                "standard" => (standard.mean[c], standard.scale[c]),
                "preserve" => (0.0, 1.0),
                other => {
                    let mut column = x.column(c).to_vec();
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
            if varies[c] {
                if !(shift.is_finite() && divide.is_finite()) {
                    return Err(Error::InvalidArgument(format!(
                        "column '{}' holds values too large to scale (their mean or spread \
                         overflows); rescale the column (divide it by a power of ten) and train again",
                        plan.name
                    )));
                }
                varying.push(at + s);
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

/// Scales a matrix whose columns are the slots `active` (increasing).
pub fn scale_in_place(plans: &[ColumnPlan], x: &mut Array2<f64>, active: &[usize]) {
    let slots: Vec<(f64, f64)> = plans
        .iter()
        .flat_map(|p| p.shift.iter().copied().zip(p.divide.iter().copied()))
        .collect();
    // Only the columns that change: a one-hot column is left as it is.
    let scaled: Vec<(usize, f64, f64)> = active
        .iter()
        .enumerate()
        .map(|(c, &j)| (c, slots[j].0, slots[j].1))
        .filter(|&(_, s, d)| s != 0.0 || d != 1.0)
        .collect();
    let width = x.ncols();
    if scaled.is_empty() || width == 0 {
        return;
    }
    if let Some(slice) = x.as_slice_mut() {
        slice.par_chunks_mut(width).for_each(|row| {
            for &(c, s, d) in &scaled {
                row[c] = (row[c] - s) / d;
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
